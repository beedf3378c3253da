#!/usr/bin/env bash
# Runs Netra locally: PostgreSQL and Redis under .netra/ (kept between runs),
# the web app build if there is one, then the server in the foreground until
# Ctrl-C. On exit it stops only what it started.
#
#   ./run.sh
#
# Already have PostgreSQL or Redis? Set ConnectionStrings__Postgres and/or
# ConnectionStrings__Redis and they are used as they are. ASPNETCORE_URLS
# (default http://127.0.0.1:5080) and ASPNETCORE_ENVIRONMENT (default
# Development) are honoured too.
#
#   NETRA_NODES=3 ./run.sh
#
# starts three nodes sharing that PostgreSQL and Redis: the first at
# ASPNETCORE_URLS, the others on the next ports (5081, 5082), as one cluster.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
# shellcheck source=scripts/common.sh
source "$repo/scripts/common.sh"

state_dir=$repo/.netra
pg_dir=""
redis_dir=""
started_pg=0
started_redis=0
server_pid=""
extra_pids=()

# shellcheck disable=SC2317  # called from traps
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${extra_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if ((started_redis == 1)); then stop_redis "$redis_dir" || rc=1; fi
  if ((started_pg == 1)); then stop_postgres "$pg_dir" || rc=1; fi
  exit "$rc"
}

# Ctrl-C or TERM: ask the server to shut down gracefully (the main flow then
# waits for it and the EXIT trap stops the databases); before the server runs,
# just leave (the EXIT trap cleans up).
# shellcheck disable=SC2317  # called from traps
on_signal() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    printf '\n' >&2
    log "stopping the server"
    kill -TERM "$server_pid" 2>/dev/null || true
  else
    exit 130
  fi
}
trap cleanup EXIT
trap on_signal INT TERM

started_at=$SECONDS
ensure_system_packages
mkdir -p "$state_dir"

# --- PostgreSQL ----------------------------------------------------------------
if [[ -z ${ConnectionStrings__Postgres:-} ]]; then
  pg_dir=$state_dir/postgres
  if is_root && ! runuser -u postgres -- test -x "$state_dir" 2>/dev/null; then
    # initdb and pg_ctl run as the postgres user, which cannot enter this
    # checkout (e.g. under /root, mode 700). Keep the cluster where it can.
    pg_dir=/var/tmp/netra-$(printf '%s' "$repo" | cksum | cut -d' ' -f1)/postgres
    mkdir -p "$(dirname "$pg_dir")"
    chmod 755 "$(dirname "$pg_dir")"
    warn "the postgres user cannot reach $state_dir; keeping the cluster in $pg_dir"
  fi
  port=55432
  if ! pg_running "$pg_dir"; then port=$(next_free_port 55432); fi
  start_postgres "$pg_dir" "$port"
  started_pg=$PG_STARTED
  ensure_database "$PG_PORT" netra
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Database=netra;Username=postgres"
else
  log "using ConnectionStrings__Postgres from the environment"
fi

# --- Redis ---------------------------------------------------------------------
if [[ -z ${ConnectionStrings__Redis:-} ]]; then
  redis_dir=$state_dir/redis
  port=56379
  if ! redis_pid "$redis_dir" >/dev/null; then port=$(next_free_port 56379); fi
  start_redis "$redis_dir" "$port"
  started_redis=$REDIS_STARTED
  export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"
else
  log "using ConnectionStrings__Redis from the environment"
fi

# --- web app -------------------------------------------------------------------
if [[ -f web/package.json ]]; then
  if [[ ! -d web/node_modules ]] || { [[ -f web/package-lock.json ]] && [[ web/package-lock.json -nt web/node_modules ]]; }; then
    log "npm ci (web/)"
    if [[ -f web/package-lock.json ]]; then
      (cd web && npm ci --no-audit --no-fund)
    else
      (cd web && npm install --no-audit --no-fund)
    fi
    touch web/node_modules
  fi
  log "npm run build (web/)"
  (cd web && npm run build)
fi

# --- server --------------------------------------------------------------------
log "dotnet build Netra.sln -c Release"
dotnet build "$repo/Netra.sln" -c Release -nologo -v quiet

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://127.0.0.1:5080}
export Netra__Demo__Enabled=${Netra__Demo__Enabled:-true}
export Netra__DataDirectory=${Netra__DataDirectory:-$state_dir}

if [[ $ASPNETCORE_URLS =~ ^https?://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]] && ! port_is_free "${BASH_REMATCH[2]}"; then
  fail "port ${BASH_REMATCH[2]} is in use; stop what holds it or set ASPNETCORE_URLS, e.g. ASPNETCORE_URLS=http://127.0.0.1:5081 ./run.sh"
  exit 1
fi

cat >&2 <<EOF

  Netra is starting at ${ASPNETCORE_URLS}   (ready after $(format_duration $((SECONDS - started_at))) of set-up)
    PostgreSQL  ${ConnectionStrings__Postgres}
    Redis       ${ConnectionStrings__Redis}
    data        ${Netra__DataDirectory}
  Demo logins:  demo / demo-password    alice / alice-password
  Stop with Ctrl-C.

EOF

# Started in the background so that Ctrl-C and TERM reach on_signal while we
# wait; the working directory makes Netra.Server/ the content root, as with
# `dotnet run`.
(cd "$repo/Netra.Server" && exec dotnet bin/Release/net10.0/Netra.Server.dll) &
server_pid=$!

nodes=${NETRA_NODES:-1}
if ((nodes > 1)); then
  if [[ ! $ASPNETCORE_URLS =~ ^(https?://[^:/]+):([0-9]+)/?$ ]]; then
    fail "NETRA_NODES needs ASPNETCORE_URLS with one host and port, e.g. http://127.0.0.1:5080"
    exit 1
  fi
  base=${BASH_REMATCH[1]}
  first_port=${BASH_REMATCH[2]}
  # The first node applies migrations and seeds the demo; the others start once it is ready.
  for _ in $(seq 1 120); do
    curl -fsS "$base:$first_port/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
  done
  for ((i = 1; i < nodes; i++)); do
    url="$base:$((first_port + i))"
    (cd "$repo/Netra.Server" && ASPNETCORE_URLS=$url exec dotnet bin/Release/net10.0/Netra.Server.dll) &
    extra_pids+=("$!")
    log "node $((i + 1)) of $nodes starting at $url"
  done
fi

status=0
wait "$server_pid" || status=$?
# A trapped signal interrupts `wait`; keep waiting while the server shuts down.
while kill -0 "$server_pid" 2>/dev/null; do
  status=0
  wait "$server_pid" || status=$?
done
server_pid=""
log "server exited with status $status"
exit "$status"
