#!/usr/bin/env bash
# Builds and tests everything: the .NET solution (its fixtures start their own
# PostgreSQL and Redis on free loopback ports; this script only makes sure the
# binaries are installed) and, once it exists, the web/ project.
#
#   ./test.sh
#
# Extra arguments go to `dotnet test`, e.g. ./test.sh --filter FullyQualifiedName~Chat
# Ends with one line "Tests: N passed, N failed, N skipped" and exits non-zero
# if anything failed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
# shellcheck source=scripts/common.sh
source "$repo/scripts/common.sh"

started_at=$SECONDS
passed=0
failed=0
skipped=0
status=0
timings=()

# step NAME COMMAND...: runs it, records its duration.
step() {
  local name=$1 t0=$SECONDS rc=0
  shift
  log "$name"
  "$@" || rc=$?
  timings+=("$(printf '%-28s %s%s' "$name" "$(format_duration $((SECONDS - t0)))" "$( ((rc == 0)) || printf '  (exit %s)' "$rc")")")
  return "$rc"
}

summary() {
  printf '\n==> durations\n' >&2
  local t
  for t in "${timings[@]}"; do printf '    %s\n' "$t" >&2; done
  printf '    %-28s %s\n' total "$(format_duration $((SECONDS - started_at)))" >&2
  printf 'Tests: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
}

# add_counts LOG: adds up the closing counts of `dotnet test` (one block per test
# project: "Total tests: 12" then "     Passed: 11", "     Failed: 1", "    Skipped: 0"
# at normal verbosity, or "Passed!  - Failed: 0, Passed: 12, Skipped: 0, ..." at
# minimal) and of Vitest ("      Tests  2 failed | 10 passed (12)").
add_counts() {
  local log=$1 p f s
  read -r p f s < <(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /^Total tests: *[0-9]+/ { block = 1; blocks++; next }
    block && /^ *Passed: *[0-9]+ *$/ { bp += $2; next }
    block && /^ *Failed: *[0-9]+ *$/ { bf += $2; next }
    block && /^ *Skipped: *[0-9]+ *$/ { bs += $2; next }
    block && /^ *Total time:/ { block = 0; next }
    /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
      line = $0; gsub(/[,:]/, " ", line); n = split(line, w, " ")
      for (i = 1; i < n; i++) {
        if (w[i] == "Failed") mf += w[i + 1]
        else if (w[i] == "Passed") mp += w[i + 1]
        else if (w[i] == "Skipped") ms += w[i + 1]
      }
    }
    /^ *Tests +[0-9]+ (passed|failed|skipped)/ {
      n = split($0, w, /[ |()]+/)
      for (i = 2; i <= n; i++) {
        if (w[i] == "passed") vp += w[i - 1]
        else if (w[i] == "failed") vf += w[i - 1]
        else if (w[i] == "skipped") vs += w[i - 1]
      }
    }
    # node --test (TAP): "# pass 3", "# fail 0", "# skipped 0"
    /^# pass [0-9]+$/ { vp += $3 }
    /^# fail [0-9]+$/ { vf += $3 }
    /^# skipped [0-9]+$/ { vs += $3 }
    END {
      if (blocks > 0) { p = bp; f = bf; s = bs } else { p = mp; f = mf; s = ms }
      printf "%d %d %d\n", p + vp, f + vf, s + vs
    }')
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
}

outdir=$(mktemp -d "${TMPDIR:-/tmp}/netra-test.XXXXXX")
trap 'rm -rf "$outdir"' EXIT

step "system packages" ensure_system_packages
# Browser tests (web/e2e) drive Debian's chromium.
if [[ -f web/e2e/chat.e2e.mjs ]]; then step "browser" ensure_browser || status=1; fi

if ! step "dotnet build (Debug)" dotnet build Netra.sln -c Debug -nologo; then
  summary
  fail "the build failed"
  exit 1
fi

# dotnet-counters (.config/dotnet-tools.json), which a test drives against a running node.
step "dotnet tool restore" dotnet tool restore || status=1

run_dotnet_tests() {
  dotnet test Netra.sln --no-build -c Debug --logger "console;verbosity=normal" "$@" 2>&1 |
    tee "$outdir/dotnet-test.log"
}
step "dotnet test" run_dotnet_tests "$@" || status=1
add_counts "$outdir/dotnet-test.log"

if [[ -f web/package.json ]]; then
  web_tests() {
    (
      cd web
      if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
      npm test
    ) 2>&1 | tee "$outdir/web-test.log"
  }
  step "web: npm ci && npm test" web_tests || status=1
  add_counts "$outdir/web-test.log"
fi

if [[ -f web/e2e/chat.e2e.mjs ]]; then
  # web_e2e: the browser tests (web/e2e) against a real server: a throw-away PostgreSQL
  # on a free port, the web app built into Netra.Server/wwwroot/app, and Netra.Server's
  # Debug build, which the tests start (and restart mid-test) themselves.
  web_e2e() {
    local dir pg_port http_port rc=0
    dir=$(mktemp -d "${TMPDIR:-/tmp}/netra-e2e.XXXXXX")
    chmod 755 "$dir" # the postgres user runs the cluster in here
    pg_port=$(free_port)
    http_port=$(free_port)
    start_postgres "$dir/postgres" "$pg_port" --fast || { rm -rf "$dir"; return 1; }
    # (&& rather than set -e, which does not apply inside a `... || rc=$?` list.)
    (
      ensure_database "$PG_PORT" netra &&
      cd web &&
      npm run build &&
      ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Database=netra;Username=postgres" \
        ASPNETCORE_ENVIRONMENT=Development \
        Netra__DataDirectory="$dir/data" \
        NETRA_SERVER_DLL="$repo/Netra.Server/bin/Debug/net10.0/Netra.Server.dll" \
        NETRA_URL="http://127.0.0.1:$http_port" \
        npm run e2e
    ) || rc=$?
    stop_postgres "$dir/postgres" || true
    rm -rf "$dir"
    return "$rc"
  }
  run_web_e2e() { web_e2e 2>&1 | tee "$outdir/web-e2e.log"; }
  step "web: e2e (chromium)" run_web_e2e || status=1
  add_counts "$outdir/web-e2e.log"
fi

summary
if ((status != 0 || failed > 0)); then
  fail "tests failed"
  exit 1
fi
if ((passed == 0)); then
  fail "no test ran"
  exit 1
fi
