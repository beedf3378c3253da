# How the bench runs Netra and its generator, shared by run.sh and profile.sh (sourced; needs nothing else).

ORIGIN=http://bench.netra.test
SIGNING_KEY=bench-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz
# Limits raised for the benchmark, and why (everything else is Netra's default, protections on):
NETRA_LIMITS=(
  Netra__Limits__ConnectAttemptsPerMinutePerIp=1000000 # connect/idle/fan-out open thousands of connections from 127.0.0.1
  Netra__Limits__MaxConnectionsPerNode=20000           # idle opens 10,000 (the default is exactly 10,000, no headroom)
  Netra__Limits__CallsPerMinute=1000000                # rpc: each connection pings thousands of times a minute
  Netra__Limits__MessagesPerMinute=1000000             # fan-out sender and chat members send far over 60 a minute
)

# netra_env PORT POSTGRES DATA_DIR: sets NETRA_ENV to the environment (VAR=VALUE words) of a bench Netra node.
netra_env() {
  NETRA_ENV=(
    ASPNETCORE_ENVIRONMENT=Production
    ASPNETCORE_URLS="http://127.0.0.1:$1"
    ConnectionStrings__Postgres="$2"
    Netra__Auth__SigningKey="$SIGNING_KEY"
    Netra__Origins__Allowed__0="$ORIGIN"
    Netra__DataDirectory="$3"
    "${NETRA_LIMITS[@]}"
  )
}

# The generator's environment. Its socket completions run inline on the thread that waits for them (epoll) instead
# of going through the thread pool's queue: a delivery to one of 1,000 subscribers costs the generator a receive and a
# parse, not also a work item and a thread's wake-up. Continuations must then never block, and the generator's don't
# (every wait in it is awaited). Every system meets the same generator; docs/benchmarks.md has what this changed.
# BENCH_GENERATOR_INLINE=0 runs it with .NET's default (completions through the thread pool).
GENERATOR_ENV=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS="${BENCH_GENERATOR_INLINE:-1}")
