# shellcheck shell=bash
# PG_STARTED, PG_PORT, REDIS_STARTED and REDIS_PORT are results for the caller:
# shellcheck disable=SC2034
# Helpers shared by run.sh and test.sh: system packages, a local PostgreSQL
# cluster and a local Redis, all bound to 127.0.0.1 only.
#
# Source it (`source scripts/common.sh`); it is safe under `set -euo pipefail`.
# Functions return non-zero with a message on stderr (and the server's log tail)
# when something cannot be done, so a caller under `set -e` stops right there.

# ---------------------------------------------------------------- messages --

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$*" >&2
  return 1
}

# print_log_tail FILE [LINES]: the last lines of a server log, indented, to stderr.
print_log_tail() {
  local file=$1 lines=${2:-40}
  if [[ -s $file ]]; then
    printf -- '--- last %s lines of %s ---\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" | sed 's/^/    /' >&2
    printf -- '---\n' >&2
  else
    printf -- '(no log at %s)\n' "$file" >&2
  fi
}

# format_duration SECONDS -> "1m 05s" / "42s"
format_duration() {
  local s=$1
  if ((s >= 60)); then printf '%dm %02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# ------------------------------------------------------------ system setup --

# pg_bin_dir: prints the folder holding initdb/pg_ctl (the newest
# /usr/lib/postgresql/*/bin, else wherever initdb is on PATH); fails if none.
pg_bin_dir() {
  local best=""
  if compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
    # sort -V so that 10 beats 9.
    best=$(printf '%s\n' /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)
    best=${best%/pg_ctl}
  fi
  if [[ -z $best || ! -x $best/initdb ]] && command -v initdb >/dev/null 2>&1; then
    best=$(dirname "$(command -v initdb)")
  fi
  [[ -n $best && -x $best/initdb && -x $best/pg_ctl ]] || return 1
  printf '%s\n' "$best"
}

# apt_install PACKAGE...: non-interactive, quiet install. `apt-get update` runs
# once per shell. Services that the packages would start (Debian starts a
# system redis on 6379 and a "main" PostgreSQL cluster on 5432) are kept from
# starting with a temporary policy-rc.d, unless the machine already has one.
_NETRA_APT_UPDATED=0
apt_install() {
  local sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo --preserve-env=DEBIAN_FRONTEND)
    else
      fail "need root (or sudo) to install: $*; install them and run again"
      return 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || {
    fail "apt-get not found; install these yourself: $*"
    return 1
  }

  local aptlog policy_added=0 rc=0
  aptlog=$(mktemp "${TMPDIR:-/tmp}/netra-apt.XXXXXX")
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# added by netra scripts/common.sh for the length of one apt-get install\nexit 101\n' |
      "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi

  export DEBIAN_FRONTEND=noninteractive
  if ((_NETRA_APT_UPDATED == 0)); then
    log "apt-get update"
    if "${sudo[@]}" apt-get update -qq >"$aptlog" 2>&1; then
      _NETRA_APT_UPDATED=1
    else
      rc=$?
    fi
  fi
  if ((rc == 0)); then
    log "apt-get install $*"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >>"$aptlog" 2>&1 || rc=$?
  fi

  ((policy_added == 0)) || "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
  if ((rc != 0)); then
    print_log_tail "$aptlog" 30
    rm -f "$aptlog"
    fail "apt-get failed (exit $rc) installing: $*"
    return 1
  fi
  rm -f "$aptlog"
}

# ensure_system_packages: redis-server, curl, and PostgreSQL when initdb is missing.
# Installs nothing (and does not touch apt) when all are there.
ensure_system_packages() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v redis-server >/dev/null 2>&1 || [[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
  pg_bin_dir >/dev/null 2>&1 || missing+=(postgresql)
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
  fi
  pg_bin_dir >/dev/null 2>&1 || {
    fail "PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH"
    return 1
  }
  command -v redis-server >/dev/null 2>&1 || {
    fail "redis-server not found after installing it"
    return 1
  }
}

# ensure_browser: Debian's chromium (for browser tests driven by playwright-core
# with executablePath /usr/bin/chromium; a browser download does not work here).
ensure_browser() {
  if command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]]; then
    return 0
  fi
  apt_install chromium
}

# ------------------------------------------------------------------- ports --

# port_is_free PORT: true when nothing listens on 127.0.0.1:PORT and it can be bound.
port_is_free() {
  local port=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
# As servers do: a port whose old connections linger in TIME_WAIT is still free.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
    return
  fi
  # Without python: free when a connection is refused.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# free_port: a port the kernel hands out for 127.0.0.1 right now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  if command -v node >/dev/null 2>&1; then
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
    return
  fi
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 30000))
    if port_is_free "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  fail "could not find a free port"
}

# next_free_port START [TRIES]: START, or the first free port after it.
next_free_port() {
  local port=$1 tries=${2:-100} i
  for ((i = 0; i < tries; i++)); do
    if port_is_free $((port + i)); then
      printf '%s\n' $((port + i))
      return 0
    fi
  done
  fail "no free port in $port..$((port + tries - 1))"
}

# wait_for_port PORT [TIMEOUT_SECONDS] [PID]: until 127.0.0.1:PORT accepts a
# connection. Fails early when PID (if given) is gone.
wait_for_port() {
  local port=$1 timeout=${2:-30} pid=${3:-} deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      fail "process $pid exited before port $port opened"
      return 1
    fi
    sleep 0.1
  done
  fail "nothing listening on 127.0.0.1:$port after ${timeout}s"
}

# ---------------------------------------------------------------- postgres --

# Runs a PostgreSQL tool as the postgres user when we are root (initdb and
# pg_ctl refuse to run as root), from / so that an unreadable working
# directory does not matter.
_as_pg_user() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Single-quoted value for postgresql.conf.
_pg_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# _abs_dir DIR: DIR as an absolute path (the PostgreSQL tools run from /).
_abs_dir() { (cd "$1" 2>/dev/null && pwd) || return 1; }

# pg_running DATA_DIR: true when a postmaster runs on that folder.
pg_running() {
  local bin data_dir
  bin=$(pg_bin_dir) || return 1
  data_dir=$(_abs_dir "$1") || return 1
  [[ -f $data_dir/postmaster.pid ]] || return 1
  _as_pg_user "$bin/pg_ctl" status -D "$data_dir" >/dev/null 2>&1
}

# pg_port DATA_DIR: the port of the running postmaster (4th line of postmaster.pid).
pg_port() { sed -n 4p "$1/postmaster.pid"; }

# start_postgres DATA_DIR PORT [--fast]
# Creates the cluster if DATA_DIR is new (superuser postgres, trust auth for
# local and 127.0.0.1/32), then starts it listening on 127.0.0.1:PORT only,
# with its unix socket inside DATA_DIR. --fast turns off fsync and friends:
# for throw-away test clusters only, data can be lost on a crash.
# Sets PG_PORT to the port it listens on and PG_STARTED=1 if this call started
# it (0 if it was already running, on whatever port it already had).
start_postgres() {
  local data_dir=$1 port=$2 fast=${3:-} bin
  PG_STARTED=0
  PG_PORT=""
  bin=$(pg_bin_dir) || {
    fail "PostgreSQL binaries not found (run ensure_system_packages)"
    return 1
  }
  mkdir -p "$data_dir"
  data_dir=$(_abs_dir "$data_dir")
  local logfile=$data_dir/server.log

  if is_root; then
    # The postgres user must own the folder and reach it through every parent.
    if [[ $(stat -c %U "$data_dir") != postgres ]]; then
      chown -R postgres:postgres "$data_dir"
    fi
    if ! runuser -u postgres -- test -w "$data_dir" 2>/dev/null; then
      fail "the postgres user cannot reach $data_dir (a parent folder is not traversable by others, e.g. a home folder with mode 700); use a folder under /tmp or /var/tmp, or chmod o+x the parents"
      return 1
    fi
  fi
  chmod 700 "$data_dir"

  if pg_running "$data_dir"; then
    PG_PORT=$(pg_port "$data_dir")
    log "PostgreSQL already running on $data_dir (port $PG_PORT); reusing it"
    return 0
  fi

  if [[ ! -f $data_dir/PG_VERSION ]]; then
    if [[ -n $(ls -A "$data_dir") ]]; then
      fail "$data_dir is not empty and holds no PostgreSQL cluster; remove it or pick another folder"
      return 1
    fi
    log "initdb $data_dir"
    local initdb_args=(-D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-instructions)
    [[ $fast == --fast ]] && initdb_args+=(--no-sync)
    local initlog
    initlog=$(mktemp "${TMPDIR:-/tmp}/netra-initdb.XXXXXX")
    chmod 644 "$initlog"
    if ! _as_pg_user "$bin/initdb" "${initdb_args[@]}" >"$initlog" 2>&1; then
      print_log_tail "$initlog"
      rm -f "$initlog"
      fail "initdb failed for $data_dir"
      return 1
    fi
    rm -f "$initlog"
    # Settings that never change go into the cluster once; netra.conf is
    # rewritten at every start (port, socket folder, durability).
    printf '\n# Netra: per-start settings written by scripts/common.sh\ninclude_if_exists = %s\n' "$(_pg_quote netra.conf)" >>"$data_dir/postgresql.conf"
    cat >"$data_dir/pg_hba.conf" <<'HBA'
# Netra development/test cluster: trust on the unix socket and on 127.0.0.1 only.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  trust
host    all          all   127.0.0.1/32   trust
local   replication  all                  trust
host    replication  all   127.0.0.1/32   trust
HBA
  fi

  # Unix socket paths are limited to 107 bytes; without room, TCP only.
  local socket_dir=$data_dir
  if ((${#data_dir} + 20 > 100)); then
    warn "$data_dir is too long for a unix socket path; PostgreSQL will listen on TCP only"
    socket_dir=""
  fi
  {
    printf '# Written by scripts/common.sh at every start; edits are lost.\n'
    printf 'port = %s\n' "$port"
    printf "listen_addresses = '127.0.0.1'\n"
    printf 'unix_socket_directories = %s\n' "$(_pg_quote "$socket_dir")"
    printf 'max_connections = 200\n'
    if [[ $fast == --fast ]]; then
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
    else
      printf 'fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n'
    fi
  } >"$data_dir/netra.conf"
  is_root && chown postgres:postgres "$data_dir/netra.conf" "$data_dir/postgresql.conf" "$data_dir/pg_hba.conf"

  log "starting PostgreSQL on 127.0.0.1:$port ($data_dir)"
  local ctl_out
  if ! ctl_out=$(_as_pg_user "$bin/pg_ctl" start -D "$data_dir" -l "$logfile" -w -t 60 2>&1); then
    printf '%s\n' "$ctl_out" >&2
    print_log_tail "$logfile"
    fail "PostgreSQL did not start on 127.0.0.1:$port"
    return 1
  fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30; then
    print_log_tail "$logfile"
    _as_pg_user "$bin/pg_ctl" stop -D "$data_dir" -m immediate >/dev/null 2>&1 || true
    fail "PostgreSQL started but does not accept connections on 127.0.0.1:$port"
    return 1
  fi
  PG_PORT=$port
  PG_STARTED=1
}

# stop_postgres DATA_DIR: fast shutdown (clients are disconnected, data is
# flushed); does nothing if it is not running.
stop_postgres() {
  local data_dir bin
  bin=$(pg_bin_dir) || return 1
  pg_running "$1" || return 0
  data_dir=$(_abs_dir "$1")
  log "stopping PostgreSQL ($data_dir)"
  if ! _as_pg_user "$bin/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null; then
    warn "fast shutdown failed; stopping immediately"
    _as_pg_user "$bin/pg_ctl" stop -D "$data_dir" -m immediate -w -t 30 >/dev/null
  fi
}

# psql_admin PORT ARGS...: psql as postgres over TCP on 127.0.0.1.
psql_admin() {
  local port=$1 bin
  shift
  bin=$(pg_bin_dir) || return 1
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# ensure_database PORT NAME: creates database NAME unless it exists.
ensure_database() {
  local port=$1 name=$2 exists
  # psql interpolates :'name' and :"name" only in scripts read from stdin.
  exists=$(psql_admin "$port" -d postgres -tA -v name="$name" <<<"select 1 from pg_database where datname = :'name';")
  if [[ $exists != 1 ]]; then
    log "creating database $name"
    psql_admin "$port" -d postgres -v name="$name" <<<'create database :"name";'
  fi
}

# ------------------------------------------------------------------- redis --

# redis_pid DIR: the pid of the redis-server running from DIR, if any.
redis_pid() {
  local dir=$1 pid
  [[ -f $dir/redis.pid ]] || return 1
  pid=$(<"$dir/redis.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a reused pid: it must be a redis-server.
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  printf '%s\n' "$pid"
}

# start_redis DIR PORT: daemonized redis-server bound to 127.0.0.1 with
# protected mode on, its config, pidfile and log in DIR. No persistence: the
# data (backplane and presence) is live state that must not come back stale.
# Sets REDIS_PORT and REDIS_STARTED (1 if this call started it; 0 if one was
# already running from DIR, on the port it already had).
start_redis() {
  local dir=$1 port=$2
  REDIS_STARTED=0
  REDIS_PORT=""
  command -v redis-server >/dev/null 2>&1 || {
    fail "redis-server not found (run ensure_system_packages)"
    return 1
  }
  mkdir -p "$dir"
  dir=$(_abs_dir "$dir")
  if redis_pid "$dir" >/dev/null; then
    REDIS_PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$dir/redis.conf")
    log "Redis already running from $dir (port $REDIS_PORT); reusing it"
    return 0
  fi
  rm -f "$dir/redis.pid"
  cat >"$dir/redis.conf" <<CONF
# Written by scripts/common.sh at every start; edits are lost.
port $port
bind 127.0.0.1
protected-mode yes
daemonize yes
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
dir "$dir"
save ""
appendonly no
CONF
  log "starting Redis on 127.0.0.1:$port ($dir)"
  if ! redis-server "$dir/redis.conf" >>"$dir/redis.log" 2>&1; then
    print_log_tail "$dir/redis.log"
    fail "redis-server failed to start on 127.0.0.1:$port"
    return 1
  fi
  if ! wait_for_port "$port" 30; then
    print_log_tail "$dir/redis.log"
    fail "Redis did not open 127.0.0.1:$port"
    return 1
  fi
  local pid deadline=$((SECONDS + 10))
  until pid=$(redis_pid "$dir"); do
    if ((SECONDS >= deadline)); then
      print_log_tail "$dir/redis.log"
      fail "Redis wrote no pidfile in $dir"
      return 1
    fi
    sleep 0.1
  done
  REDIS_PORT=$port
  REDIS_STARTED=1
}

# stop_redis DIR: SIGTERM to the redis-server of DIR (by its pidfile), then
# SIGKILL if it has not exited after 10 s. Does nothing if it is not running.
stop_redis() {
  local dir=$1 pid i
  pid=$(redis_pid "$dir") || return 0
  log "stopping Redis ($dir, pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "Redis (pid $pid) did not stop after 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}
