#!/usr/bin/env bash
# Netra against stock ASP.NET Core SignalR and Socket.IO, side by side, in one run (issue #10).
#
#   bench/run.sh            the full run (about 8-9 minutes with the build); writes bench/results/latest.md and latest.json
#   bench/run.sh --smoke    tiny sizes, one repetition, a few seconds a scenario; results stay in the temp folder
#
# Builds Netra.Server (Release), the generator and the stock peer, installs the Socket.IO peer
# (npm ci), starts a PostgreSQL and a Redis in a temp folder on free loopback ports, and runs
# each server as a real process pinned to core 0 (PostgreSQL and Redis too) with the generator
# pinned to core 1. Everything binds to 127.0.0.1 and is stopped on exit.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench/.." && pwd)
# shellcheck source=../scripts/common.sh
source "$repo/scripts/common.sh"

smoke=0
[[ ${1:-} == --smoke ]] && smoke=1
# A partial run (for working on one figure): BENCH_SYSTEMS picks systems (stock socketio netra scaleout),
# BENCH_SCENARIOS scenarios (idle connect fanout rpc chat). Its report stays in the temp folder.
SYSTEMS=${BENCH_SYSTEMS:-stock socketio netra scaleout}
SCENARIOS=${BENCH_SCENARIOS:-idle connect fanout rpc chat}
partial=0
[[ -n ${BENCH_SYSTEMS:-}${BENCH_SCENARIOS:-} ]] && partial=1

SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
REPS=${BENCH_REPS:-3}
# shellcheck source=netra-env.sh
source "$bench/netra-env.sh" # ORIGIN, SIGNING_KEY, NETRA_LIMITS (the limits raised, and why), netra_env, GENERATOR_ENV

# Sockets: 10,000 idle connections need 10,000+ descriptors in the server and in the generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < 12000)); then
  warn "ulimit -n is $(ulimit -n); the idle scenario at 10,000 connections may fail"
fi

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/netra-bench.XXXXXX")
chmod 755 "$work" # the postgres user runs its cluster in here
results=$work/results.jsonl
: >"$results"
pids=() generator_pid=''

cleanup() {
  local pid
  if [[ -n $generator_pid ]]; then # stopped and waited for before the servers and databases it talks to
    kill "$generator_pid" 2>/dev/null || true
    wait "$generator_pid" 2>/dev/null || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_redis "$work/redis" || true
  stop_postgres "$work/pg" || true
  if ((smoke == 0 && partial == 0)); then
    rm -rf "$work"
  else
    # The report and the logs stay; PostgreSQL's cluster (a gigabyte of warmed WAL) and Redis's folder go, so that
    # partial runs one after another do not fill the disk.
    rm -rf "$work/pg" "$work/redis"
    log "results kept in $work"
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ build --
step_build() {
  log "building (Release)"
  dotnet build "$repo/Netra.Server/Netra.Server.csproj" -c Release -nologo -v q
  dotnet build "$bench/Netra.Bench/Netra.Bench.csproj" -c Release -nologo -v q
  dotnet build "$bench/peers/StockSignalR/StockSignalR.csproj" -c Release -nologo -v q
  (cd "$bench/peers/socketio" && npm ci --no-audit --no-fund --silent)
}
ensure_system_packages
step_build

netra_dir=$repo/Netra.Server/bin/Release/net10.0
generator=$bench/Netra.Bench/bin/Release/net10.0/Netra.Bench.dll
stock_dll=$bench/peers/StockSignalR/bin/Release/net10.0/StockSignalR.dll

# warm_wal PORT: gives the fresh cluster the WAL files a database that has run for a while has. A new cluster makes
# (and fills with zeros, 16 MB) a new WAL file each time its WAL grows by one, holding up every writer meanwhile (a
# 30-100 ms stall of all commits, every few seconds at chat's rates), until checkpoints start to recycle old files. Here
# 64 files are made before the run and recycled by a checkpoint (kept: min_wal_size 1 GB), so that the run's WAL goes
# into recycled files as on a server in service; max_wal_size 2 GB keeps the run's WAL from forcing a checkpoint.
warm_wal() {
  local port=$1 i sql="ALTER SYSTEM SET min_wal_size = '1GB'; ALTER SYSTEM SET max_wal_size = '2GB'; SELECT pg_reload_conf();
CREATE TABLE wal_warm (n int);"
  for ((i = 0; i < 64; i++)); do sql+=" INSERT INTO wal_warm VALUES ($i); SELECT pg_switch_wal();"; done
  psql_admin "$port" -d postgres -tA >/dev/null <<<"$sql DROP TABLE wal_warm; CHECKPOINT;"
  log "PostgreSQL WAL warmed: $(find "$work/pg/pg_wal" -maxdepth 1 -type f -name '0*' | wc -l) files ready"
}

# ------------------------------------------------- PostgreSQL and Redis --
start_postgres "$work/pg" "$(free_port)"
taskset -a -p -c "$SERVER_CPU" "$(head -n 1 "$work/pg/postmaster.pid")" >/dev/null
ensure_database "$PG_PORT" netra
if [[ ${BENCH_PG_WAL_WARM:-1} == 1 ]] && ((smoke == 0)); then # a smoke run measures nothing
  warm_wal "$PG_PORT"
fi
pg_conn="Host=127.0.0.1;Port=$PG_PORT;Database=netra;Username=postgres;Maximum Pool Size=100"
start_redis "$work/redis" "$(free_port)"
taskset -a -p -c "$SERVER_CPU" "$(redis_pid "$work/redis")" >/dev/null
redis_conn="127.0.0.1:$REDIS_PORT"

# The core probe (bench/Netra.Bench/CoreProbe.cs): how fast the server core runs system calls, sampled through the whole
# run; every window reports the median of the samples taken in it.
probe_samples=$work/core-probe.txt
taskset -c "$SERVER_CPU" dotnet "$generator" probe --out "$probe_samples" --seconds 3600 >"$work/core-probe.log" 2>&1 &
pids+=($!)

# ---------------------------------------------------------------- servers --
# start_server NAME HEALTH_URL CMD...: runs CMD on the server core, logs to $work/NAME.log,
# waits (at most 60 s) until HEALTH_URL answers 200; sets SERVER_PID.
start_server() {
  local name=$1 health=$2 i
  shift 2
  taskset -c "$SERVER_CPU" "$@" >"$work/$name.log" 2>&1 &
  SERVER_PID=$!
  pids+=("$SERVER_PID")
  for ((i = 0; i < 600; i++)); do
    if curl -fsS -o /dev/null "$health" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  print_log_tail "$work/$name.log"
  fail "$name did not become healthy at $health"
}

stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

start_netra() { # start_netra NAME PORT [REDIS [VAR=VALUE...]]
  local name=$1 port=$2 redis=${3:-}
  shift $(($# < 3 ? $# : 3))
  netra_env "$port" "$pg_conn" "$work/netra-data"
  local env=("${NETRA_ENV[@]}")
  [[ -n $redis ]] && env+=(ConnectionStrings__Redis="$redis")
  env+=("$@")
  start_server "$name" "http://127.0.0.1:$port/health/ready" env -C "$netra_dir" "${env[@]}" dotnet Netra.Server.dll
}

# scenarios LIST: the comma-separated scenarios of LIST that this run measures (empty: none).
scenarios() {
  local wanted=() s
  for s in ${1//,/ }; do [[ " $SCENARIOS " == *" $s "* ]] && wanted+=("$s"); done
  (IFS=,; printf '%s' "${wanted[*]}")
}

# Unmeasured fan-out load before the first fan-out window of every system (--prewarm): a .NET server on one core
# recompiles its hot paths optimized for several seconds after they start being used (docs/benchmarks.md). It lasts at
# least this long and, like every window's own warm-up, until the server's tier-1 compiler has settled (the generator
# reads its threads' CPU in /proc). BENCH_PREWARM (seconds) raises the least for partial runs.
PREWARM=${BENCH_PREWARM:-3}
# A warm-up goes on while the server's compiler threads use SETTLED_JIT_CPU % of a core or more (over the last half
# second), for at most WARMUP_MAX s.
SETTLED_JIT_CPU=3 WARMUP_MAX=60
((smoke == 1)) && PREWARM=0.2 WARMUP_MAX=1

# The generator's sizes and durations, for every run and for the report's description of them.
options=(--settled-jit-cpu "$SETTLED_JIT_CPU" --warmup-max "$WARMUP_MAX" --prewarm "$PREWARM")
((smoke == 1)) && options+=(--smoke)

generate() { # generate ARGS...: the generator on the client core, one repetition numbered by the round
  local mode=(--reps 1 --first-rep "$round")
  ((smoke == 1)) && mode=()
  # In a session of its own (setsid, the same process: this script's jobs lead no process group), and so, under the
  # kernel's autogroup, a scheduling group of its own. Left in this script's group, the generator's load on its core
  # would take half of that group's weight, and the servers in the group would get half the weight of PostgreSQL and
  # Redis (which daemonize into groups of their own) on the server core (docs/benchmarks.md). Started in the
  # background and waited for, so that the EXIT trap can stop it: an interrupt from the terminal no longer reaches it.
  local rc=0
  taskset -c "$CLIENT_CPU" setsid env "${GENERATOR_ENV[@]}" dotnet "$generator" run "${options[@]}" "${mode[@]}" --origin "$ORIGIN" --core-probe "$probe_samples" --out "$results" "$@" &
  generator_pid=$!
  wait "$generator_pid" || rc=$?
  generator_pid=''
  return "$rc"
}

# Each system runs on a fresh server process per round: idle first (it measures RSS growth from a
# clean heap), then the other scenarios. Rounds interleave the systems (in a rotated order), so
# that load from other work on this shared machine falls on all of them alike. A spell when the server core runs slow
# lasts a minute or two (docs/benchmarks.md), about one system's turn, so it can fall on every scenario of one system in
# a round: the core probe's rows show it. (Taking each scenario for every system in turn was tried: the generator, then a
# fresh process per scenario, compiled its own paths in the windows, and waiting for that made the run 11.5 minutes.)
# run_peer SYSTEM CMD...: a peer started as CMD PORT.
run_peer() {
  local system=$1 port
  shift
  local wanted
  wanted=$(scenarios idle,connect,fanout,rpc)
  [[ -z $wanted ]] && return 0
  port=$(free_port)
  start_server "$system" "http://127.0.0.1:$port/health" "$@" "$port"
  generate --system "$system" --url "http://127.0.0.1:$port" --server-pid "$SERVER_PID" --scenarios "$wanted"
  stop_server "$SERVER_PID"
}
# In its own folder, as Netra is: ASP.NET Core takes the working directory as its content root and watches it, subfolders
# included (started from the repository, that was the whole tree with web/node_modules).
run_stock() { run_peer stock env -C "${stock_dll%/*}" dotnet "$stock_dll"; }
run_socketio() { run_peer socketio node "$bench/peers/socketio/server.js"; }

netra_args=(--system netra --signing-key "$SIGNING_KEY" --pg "$pg_conn" --pg-pid "$(head -n 1 "$work/pg/postmaster.pid")")
run_netra() {
  local port wanted
  wanted=$(scenarios idle,connect,fanout,rpc,chat)
  [[ -z $wanted ]] && return 0
  port=$(free_port)
  start_netra netra "$port"
  generate "${netra_args[@]}" --url "http://127.0.0.1:$port" --server-pid "$SERVER_PID" --scenarios "$wanted"
  stop_server "$SERVER_PID"
}

# Scale-out: 1 node without Redis, and 2 nodes through Redis, every server process on the server core. Unlike the
# systems above, these processes are started in the first round and kept for all rounds, and both get the same
# warm-up: PREWARM seconds of unmeasured fan-out load and on until their compilers settle in the first round (two fresh
# .NET processes on one core need about 30 s of load before their hot paths are compiled optimized, docs/benchmarks.md),
# the windows' own warm-up afterwards. The report lists their figures round by round, so that a cold first round shows. Three nodes
# kept beside the main one must stay within PostgreSQL's max_connections: their pools hold at most 16 connections (a
# single sender with 16 calls in flight needs few; each round's 1,000 subscribes wait their turn for one), and each node
# also holds up to 5 for its write loops (docs/configuration.md): with the main node's 100 and the generator's own, under
# the 200. No pool closes its idle connections during the run (an idle lifetime of an hour). With pools of 40 that closed
# them after 15 s, each round's subscribes filled the pools and 15-25 s later, in the pair's W=1 windows, they closed
# 40-80 connections at once, whose server processes took the shared core for 100-300 ms in all and stalled whichever
# setup was being measured (docs/benchmarks.md). Each fan-out window's row "PostgreSQL sessions opened and closed" shows
# such churn.
# The scale-out windows last SCALEOUT_DURATION s rather than the other windows' 2 s: the backplane's added p99 at W=1 is a
# difference of two p99s of the same window, and at W=1 a 2 s window holds about 300 messages, so each p99 rested on the
# tails of the slowest two or three of them (docs/benchmarks.md). BENCH_SCALEOUT_DURATION (seconds) sets it.
SCALEOUT_DURATION=${BENCH_SCALEOUT_DURATION:-8}
((smoke == 1)) && SCALEOUT_DURATION=0.5
# Each of those windows is taken in SCALEOUT_SLICES slices, the two setups' in turn (1 node, 2 nodes, 2 nodes, 1 node, ...),
# so that a spell of the shared machine, or of how the processes fall on the core, lands on both setups' windows rather
# than on one of them (docs/benchmarks.md). BENCH_SCALEOUT_SLICES sets it; 1 takes each window whole.
SCALEOUT_SLICES=${BENCH_SCALEOUT_SLICES:-2}
# Every round connects 1,000 new subscribers to these long-lived processes, and each node's GC copies their state into
# its oldest generation in two collections that, at W=1's few MB a second, fell inside a window 15-40 s later, by
# chance: the generator opens and closes connections on every node until each has done them (at most SCALEOUT_SETTLE_GC
# s; docs/benchmarks.md). Both setups get it; the main table's systems, whose GC only Netra reports, do not.
SCALEOUT_SETTLE_GC=${BENCH_SCALEOUT_SETTLE_GC:-20}
((smoke == 1)) && SCALEOUT_SETTLE_GC=1
scaleout_env=(ConnectionStrings__Postgres="${pg_conn/Maximum Pool Size=100/Maximum Pool Size=16};Connection Idle Lifetime=3600")
scaleout_1node='' scaleout_2nodes=() scaleout_1node_url='' scaleout_2nodes_urls=()
# Both setups are connected at once, by one generator, and their windows taken in turn (BenchRunner.RunPairedFanoutAsync):
# W=1 for one then the other, W=16 in the reverse order, so that the two W=1 windows compared are seconds apart rather
# than 20-40 s, and a spell of a slower core falls on both (docs/benchmarks.md). Whatever the setup measured first leaves
# behind falls on the other, so the two take turns: 1 node first in odd rounds, 2 nodes in even ones.
run_scaleout() {
  [[ -z $(scenarios fanout) ]] && return 0
  local prewarm=0 port name
  if [[ -z $scaleout_1node ]]; then
    prewarm=$PREWARM
    port=$(free_port)
    start_netra netra-1node "$port" "" "${scaleout_env[@]}"
    scaleout_1node=$SERVER_PID scaleout_1node_url=http://127.0.0.1:$port
    for name in netra-a netra-b; do
      port=$(free_port)
      start_netra "$name" "$port" "$redis_conn" "${scaleout_env[@]}"
      scaleout_2nodes+=("$SERVER_PID") scaleout_2nodes_urls+=("http://127.0.0.1:$port")
    done
  fi
  local one=(--label netra-1node --url "$scaleout_1node_url" --server-pid "$scaleout_1node")
  local two=(--label netra-2nodes --url "${scaleout_2nodes_urls[0]}" --url "${scaleout_2nodes_urls[1]}"
    --server-pid "${scaleout_2nodes[0]}" --server-pid "${scaleout_2nodes[1]}")
  local first second
  if ((round % 2 == 1)); then first=("${one[@]}") second=("${two[@]}"); else first=("${two[@]}") second=("${one[@]}"); fi
  # The second setup's flags are the pair's: --pair-label, --pair-url, --pair-server-pid.
  second=("${second[@]/#--label/--pair-label}")
  second=("${second[@]/#--url/--pair-url}")
  second=("${second[@]/#--server-pid/--pair-server-pid}")
  generate "${netra_args[@]}" "${first[@]}" "${second[@]}" --scenarios fanout --windows 1,16 \
    --duration "$SCALEOUT_DURATION" --slices "$SCALEOUT_SLICES" --prewarm "$prewarm" --settle-gc "$SCALEOUT_SETTLE_GC"
}

systems=()
for system in $SYSTEMS; do systems+=("run_$system"); done
rounds=$REPS
((smoke == 1)) && rounds=1
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  for ((i = 0; i < ${#systems[@]}; i++)); do
    "${systems[(i + round - 1) % ${#systems[@]}]}"
  done
done
for pid in $scaleout_1node "${scaleout_2nodes[@]}"; do stop_server "$pid"; done

# ----------------------------------------------------------------- report --
# call_counting_delay DLL: the tier-1 call-counting delay the built runtimeconfig sets for DLL, or ".NET's default".
call_counting_delay() {
  local value
  if [[ -n ${DOTNET_TC_CallCountingDelayMs:-} ]]; then
    echo "${DOTNET_TC_CallCountingDelayMs} ms (DOTNET_TC_CallCountingDelayMs in the environment)"
    return
  fi
  value=$(sed -n 's/.*"System.Runtime.TieredCompilation.CallCountingDelayMs": *\([0-9]*\).*/\1/p' "${1%.dll}.runtimeconfig.json")
  [[ -n $value ]] && echo "${value} ms" || echo ".NET's default"
}

meta=$work/meta.txt
{
  printf 'date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'mode: %s\n' "$( ((smoke == 1)) && echo 'smoke (tiny sizes, not a measurement)' || echo "full: $REPS rounds, each system on a fresh server process per round (scale-out: see below), systems interleaved; medians over the rounds")"
  printf 'machine: %s cores, %s, %s GiB memory, %s\n' "$(nproc)" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
    "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)" "$(uname -sr)"
  printf 'pinning: servers, PostgreSQL and Redis on core %s; generator on core %s (taskset), in a session (scheduling group) of its own\n' "$SERVER_CPU" "$CLIENT_CPU"
  printf '.NET: %s (all three .NET processes: Netra, stock peer, generator)\n' "$(dotnet --list-runtimes | sed -n 's/^Microsoft.AspNetCore.App \([^ ]*\).*/ASP.NET Core \1/p' | tail -n 1)"
  printf 'Node: %s, socket.io %s\n' "$(node --version)" "$(node -p "require('$bench/peers/socketio/node_modules/socket.io/package.json').version")"
  printf 'generator: socket completions %s (%s)\n' "$( [[ ${GENERATOR_ENV[0]#*=} == 1 ]] && echo 'inline on its event thread' || echo "through the thread pool (.NET's default)")" "${GENERATOR_ENV[*]}"
  printf 'tiered compilation, call-counting delay (docs/benchmarks.md): Netra %s, stock peer %s, generator %s\n' \
    "$(call_counting_delay "$netra_dir/Netra.Server.dll")" "$(call_counting_delay "$stock_dll")" "$(call_counting_delay "$generator")"
  printf 'PostgreSQL: %s (durable: fsync and synchronous_commit on)\n' "$("$(pg_bin_dir)/postgres" --version | awk '{print $3}')"
  printf 'Redis: %s\n' "$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
  printf 'Netra: commit %s%s, Release, ASPNETCORE_ENVIRONMENT=Production, JWT auth, origin allow-list (%s sent as Origin), rate and connection limits, metrics on\n' \
    "$(git -C "$repo" rev-parse --short HEAD)" "$(git -C "$repo" diff --quiet HEAD -- Netra.Server Netra.Contracts || echo ' (with local changes)')" "$ORIGIN"
  printf 'Netra limits raised: %s\n' "${NETRA_LIMITS[*]}"
  dotnet "$generator" options "${options[@]}" # connect, idle, windows, warm-up, core probe: from the generator's own code
  printf 'scale-out processes: started once and kept for all rounds, warmed like the others in their first round and not after; both connected at once by one generator, each round taking their W=1 windows in turn and then their W=16 windows in the reverse order, 1 node first in odd rounds and 2 nodes in even ones, each following a chat of its own; windows of %s s, each taken in %s slices of the two setups in turn, the order turned round from one slice to the next (a window'"'"'s figures are its slices'"'"' together; its warm-up row adds up theirs); in every round, after the subscribers connected, connects and closes on every node until each had run two gen1 collections (at most %s s)\n' "$SCALEOUT_DURATION" "$SCALEOUT_SLICES" "$SCALEOUT_SETTLE_GC"
  printf 'Netra fan-out channel: a chat of 1,001 members seeded in PostgreSQL (a second one of the same members for the scale-out pair, one for each setup); each message is stored before it is broadcast\n'
  printf 'wall time of the run: %s\n' "$(format_duration $((SECONDS - started)))"
} >"$meta"

if ((smoke == 1 || partial == 1)); then
  out_md=$work/latest.md out_json=$work/latest.json
else
  mkdir -p "$bench/results"
  out_md=$bench/results/latest.md out_json=$bench/results/latest.json
fi
dotnet "$generator" report --in "$results" --meta "$meta" --md "$out_md" --json "$out_json"
log "wrote $out_md and $out_json in $(format_duration $((SECONDS - started)))"
cat "$out_md"
