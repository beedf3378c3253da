#!/usr/bin/env bash
# A CPU profile of Netra, or of the stock SignalR peer, under one bench scenario, to see what bounds a figure (issue #10).
#
#   bench/profile.sh [SCENARIO] [WINDOW]     e.g. bench/profile.sh fanout 64   (default: fanout 64)
#   PROFILE_SYSTEM=stock bench/profile.sh fanout 16   the stock peer under the same load, to compare
#   PROFILE_REPS=30 PROFILE_DELAY=6 bench/profile.sh connect   connect repeated (a round of it lasts about 3 s)
#   PROFILE_NODES=2 bench/profile.sh fanout 16   two Netra nodes through a Redis, subscribers spread over both, like the
#                                                bench's scale-out; the profile covers both nodes
#   PROFILE_MODE=sched PROFILE_NODES=2 bench/profile.sh fanout 1   instead of where the CPU went, how long each process's
#                                                threads waited for the server core whenever they were ready to run
#                                                (`perf sched`), per process: what a hop between processes, or a
#                                                thread among too many, costs on one shared core
#   PROFILE_PROCESS=generator bench/profile.sh fanout 1   the generator's CPU instead of the server's: what a delivery
#                                                costs the client side, where the generator uses all of its core
#
# Starts a PostgreSQL in a temp folder and Netra.Server (Release, the bench's configuration) or the stock peer pinned to
# core 0, drives SCENARIO from core 1 (the generator in a session of its own, as bench/run.sh runs it) for about 20 s, samples the server's CPU for 8 s in the middle with
# `perf` (every frame JIT-compiled and named: DOTNET_PerfMapEnabled, ReadyToRun and W^X off), and prints where the CPU went: the functions
# with the most samples (self), and the ones most often on the stack (children included).
# Without perf it falls back to dotnet-trace (installed into the temp folder from NuGet), whose
# sampled thread time counts waiting threads too.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench/.." && pwd)
# shellcheck source=../scripts/common.sh
source "$repo/scripts/common.sh"

scenario=${1:-fanout}
window=${2:-64}
system=${PROFILE_SYSTEM:-netra}
[[ $system == netra || $system == stock ]] || fail "PROFILE_SYSTEM is netra or stock, not '$system'"
nodes=${PROFILE_NODES:-1}
mode=${PROFILE_MODE:-cpu}
[[ $mode == cpu || $mode == sched ]] || fail "PROFILE_MODE is cpu or sched, not '$mode'"
[[ $mode == cpu ]] || command -v perf >/dev/null || fail "PROFILE_MODE=sched needs perf"
process=${PROFILE_PROCESS:-server}
[[ $process == server || $process == generator ]] || fail "PROFILE_PROCESS is server or generator, not '$process'"
[[ $process == server ]] || { [[ $mode == cpu ]] && command -v perf >/dev/null; } || fail "PROFILE_PROCESS=generator needs perf and PROFILE_MODE=cpu"
[[ $nodes == 1 || ($nodes == 2 && $system == netra) ]] || fail "PROFILE_NODES is 1, or 2 for Netra, not '$nodes'"
# shellcheck source=netra-env.sh
source "$bench/netra-env.sh" # ORIGIN, SIGNING_KEY, netra_env, GENERATOR_ENV: Netra and the generator as the bench runs them

work=$(mktemp -d "${TMPDIR:-/tmp}/netra-profile.XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_postgres "$work/pg" || true
  stop_redis "$work/redis" || true
}
trap cleanup EXIT

ensure_system_packages
dotnet build "$repo/Netra.Server/Netra.Server.csproj" -c Release -nologo -v q
dotnet build "$bench/Netra.Bench/Netra.Bench.csproj" -c Release -nologo -v q
[[ $system == stock ]] && dotnet build "$bench/peers/StockSignalR/StockSignalR.csproj" -c Release -nologo -v q
command -v perf >/dev/null || dotnet tool install dotnet-trace --tool-path "$work/tools" >/dev/null

start_postgres "$work/pg" "$(free_port)"
taskset -a -p -c 0 "$(head -n 1 "$work/pg/postmaster.pid")" >/dev/null
ensure_database "$PG_PORT" netra
pg_conn="Host=127.0.0.1;Port=$PG_PORT;Database=netra;Username=postgres;Maximum Pool Size=100"

profiling=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0)
servers=() targets=()
if [[ $system == stock ]]; then
  port=$(free_port)
  taskset -c 0 env -C "$bench/peers/StockSignalR/bin/Release/net10.0" "${profiling[@]}" dotnet StockSignalR.dll "$port" >"$work/server.log" 2>&1 &
  servers+=($!) targets+=(--url "http://127.0.0.1:$port" --server-pid $!)
  health=/health generator_args=(--system stock)
else
  node_env=()
  if ((nodes == 2)); then
    start_redis "$work/redis" "$(free_port)"
    taskset -a -p -c 0 "$(redis_pid "$work/redis")" >/dev/null
    # Two pools must fit in PostgreSQL's max_connections, as in the bench's scale-out.
    node_env=(ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" ConnectionStrings__Postgres="${pg_conn/Maximum Pool Size=100/Maximum Pool Size=40}")
  fi
  for ((node = 1; node <= nodes; node++)); do
    port=$(free_port)
    netra_env "$port" "$pg_conn" "$work/netra-data"
    taskset -c 0 env -C "$repo/Netra.Server/bin/Release/net10.0" "${NETRA_ENV[@]}" "${node_env[@]}" "${profiling[@]}" dotnet Netra.Server.dll >"$work/server-$node.log" 2>&1 &
    servers+=($!) targets+=(--url "http://127.0.0.1:$port" --server-pid $!)
  done
  health=/health/ready generator_args=(--system netra --signing-key "$SIGNING_KEY" --pg "$pg_conn")
fi
pids+=("${servers[@]}")
for ((t = 0; t < ${#targets[@]}; t += 4)); do
  for ((i = 0; i < 600; i++)); do
    curl -fsS -o /dev/null "${targets[t + 1]}$health" 2>/dev/null && break
    sleep 0.1
  done
done

generator_env=("${GENERATOR_ENV[@]}")
[[ $process == generator ]] && generator_env+=("${profiling[@]}")
taskset -c 1 setsid env "${generator_env[@]}" dotnet "$bench/Netra.Bench/bin/Release/net10.0/Netra.Bench.dll" run "${generator_args[@]}" --origin "$ORIGIN" \
  "${targets[@]}" --scenarios "$scenario" --windows "$window" --reps "${PROFILE_REPS:-1}" --duration 20 \
  --out "$work/results.jsonl" >"$work/generator.log" 2>&1 &
generator=$!
pids+=("$generator")
sleep "${PROFILE_DELAY:-12}" # connect and subscribe first: the profile should see the steady state
if [[ $mode == sched ]]; then
  # Every switch on the server core for 8 s; then, per process, how long its threads waited to run each time they were
  # ready: after a wake-up (perf's "sch delay") or after being preempted (the "wait time" that follows a switch-out in
  # state R). Their sum over the 8 s is how many of its threads were ready but not running, on average.
  perf sched record -C 0 -o "$work/sched.data" -- sleep 8 >/dev/null 2>&1
  wait "$generator"
  declare -A role=()
  for ((node = 0; node < ${#servers[@]}; node++)); do role[${servers[node]}]="server-$((node + 1))"; done
  if redis_pid "$work/redis" >/dev/null; then role[$(redis_pid "$work/redis")]=redis; fi
  postmaster=$(head -n 1 "$work/pg/postmaster.pid")
  for pid in $(pgrep -P "$postmaster") "$postmaster"; do role[$pid]=postgres; done
  roles=$(for pid in "${!role[@]}"; do echo "$pid ${role[$pid]}"; done)
  log "time each process's threads waited for the server core when ready to run (ms), over 8 s"
  printf '%-10s %9s %8s %8s %8s %8s %8s %9s\n' process readies mean p50 p90 p99 max "waiting"
  perf sched timehist --state -i "$work/sched.data" 2>/dev/null |
    awk -v roles="$roles" '
      BEGIN { n = split(roles, r, "\n"); for (i = 1; i <= n; i++) { split(r[i], f, " "); role[f[1]] = f[2] } }
      NR > 3 {
        task = $0; sub(/^ *[0-9.]+ +\[[0-9]+\]/, "", task) # the time and the [cpu] before the task name
        if (!match(task, /\[[0-9]+(\/[0-9]+)?\]/)) next
        ids = substr(task, RSTART + 1, RLENGTH - 2); tid = ids; pid = ids
        if (index(ids, "/")) { tid = substr(ids, 1, index(ids, "/") - 1); pid = substr(ids, index(ids, "/") + 1) }
        ready = (state[tid] == "R") ? $(NF - 3) : $(NF - 2) # wait time after a preemption, sch delay after a wake-up
        state[tid] = $NF
        if (pid in role) print role[pid] "\t" ready
      }' |
    sort -t $'\t' -k1,1 -k2,2g |
    awk -F '\t' '
      function flush() { if (count) printf "%-10s %9d %8.3f %8.3f %8.3f %8.3f %8.3f %9.2f\n", who, count, sum / count, v[int(count * 0.5) + 1], v[int(count * 0.9) + 1], v[int(count * 0.99) + 1], v[count], sum / 8000 }
      $1 != who { flush(); who = $1; count = 0; sum = 0; delete v }
      { v[++count] = $2; sum += $2 }
      END { flush() }'
  log "\"waiting\": that process's threads ready but not running, on average; recording: $work/sched.data (perf sched timehist -i ...)"
elif command -v perf >/dev/null; then
  sampled=$(IFS=,; echo "${servers[*]}")
  [[ $process == generator ]] && sampled=$generator
  perf record -F 499 -g -p "$sampled" -o "$work/perf.data" -- sleep 8 >/dev/null 2>&1
  wait "$generator"
  log "self: where the samples were taken"
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | sed -n "1,${PROFILE_TOP:-45}p" # reads it all: head would end grep with SIGPIPE, and pipefail the script
  log "children included: what the time was spent under"
  perf report -i "$work/perf.data" --children --sort symbol --stdio -g none --percent-limit 3 2>/dev/null | grep -v '^#' | grep -v '^$' | sed -n "1,${PROFILE_TOP:-45}p" # reads it all: head would end grep with SIGPIPE, and pipefail the script
  log "profile: $work/perf.data (perf report -i ...; JIT names in /tmp/perf-PID.map for the processes sampled: $sampled)"
else
  "$work/tools/dotnet-trace" collect -p "${servers[0]}" --profile dotnet-sampled-thread-time --duration 00:00:00:08 -o "$work/$system.nettrace" >/dev/null
  wait "$generator"
  "$work/tools/dotnet-trace" report "$work/$system.nettrace" topN -n "${PROFILE_TOP:-40}" --inclusive
  log "trace: $work/$system.nettrace"
fi
grep -E 'rate|cpu' "$work/generator.log" | head -n 10 >&2
trap - EXIT
cleanup
