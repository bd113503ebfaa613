# shellcheck shell=bash
# Helpers for scripts/bench: server lifecycle (free port, temp dir, readiness,
# cleanup by PID) and redis-benchmark output parsing.  Sourced, not executed.

# All servers started by this process: parallel arrays indexed by server name.
# shellcheck disable=SC2034  # read by scripts/bench
declare -gA SRV_PID=() SRV_PORT=() SRV_DIR=() SRV_BIN=()
BENCH_TMP_ROOT=""
WL_PID="" # the running workload (a subshell of scripts/bench), if any

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

# Prints a TCP port on 127.0.0.1 that is free right now (the kernel picks it).
free_port() {
  "$PY" - <<'PYEOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PYEOF
}

# True if PID is a live process (a zombie awaiting wait(2) counts as dead).
pid_alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $st && $st != Z* ]]
}

stop_pid() {
  local pid=$1 i
  pid_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    log "bench: pid $pid ignored SIGTERM for 10s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# EXIT trap: stop every server we started (by PID), then remove the temp dirs.
cleanup() {
  local name
  # A workload still running (we were interrupted): stop it before its servers.
  if [[ -n ${WL_PID:-} ]]; then
    kill -TERM "$WL_PID" 2>/dev/null || true
    wait "$WL_PID" 2>/dev/null || true
  fi
  for name in "${!SRV_PID[@]}"; do
    stop_pid "${SRV_PID[$name]}"
  done
  if [[ -n $BENCH_TMP_ROOT && -d $BENCH_TMP_ROOT ]]; then
    if [[ ${BENCH_KEEP_TMP:-0} == 1 ]]; then
      log "bench: kept $BENCH_TMP_ROOT"
    else
      rm -rf -- "$BENCH_TMP_ROOT"
    fi
  fi
}

make_tmp_root() {
  BENCH_TMP_ROOT=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/postbox-bench.XXXXXX")
  local fstype
  fstype=$(stat -f -c %T "$BENCH_TMP_ROOT" 2>/dev/null || echo unknown)
  if [[ $fstype == tmpfs || $fstype == ramfs ]]; then
    log "bench: WARNING: $BENCH_TMP_ROOT is on $fstype; fsync is free there, so durable numbers mean little."
    log "bench:          set BENCH_TMPDIR to a directory on a real disk."
  fi
}

# start_server NAME BINARY [extra server args...]
# Starts BINARY on a free port bound to 127.0.0.1 with its own --dir, waits
# until it answers PING, and records it in SRV_*.  Retries with another port if
# the first one was taken in the meantime.
start_server() {
  local name=$1 bin=$2; shift 2
  local dir port pid attempt i reply
  dir="$BENCH_TMP_ROOT/$name"
  mkdir -p "$dir"
  for ((attempt = 1; attempt <= 5; attempt++)); do
    port=$(free_port)
    "$bin" --port "$port" --bind 127.0.0.1 --dir "$dir" "$@" >"$dir/server.log" 2>&1 &
    pid=$!
    SRV_PID[$name]=$pid   # registered at once so the trap stops it whatever happens next
    for ((i = 0; i < 200; i++)); do
      pid_alive "$pid" || break
      reply=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)
      if [[ $reply == PONG ]]; then
        SRV_PORT[$name]=$port SRV_DIR[$name]=$dir SRV_BIN[$name]=$bin
        return 0
      fi
      sleep 0.1
    done
    stop_pid "$pid"
    unset 'SRV_PID[$name]'
    log "bench: $name ($bin) did not come up on port $port (attempt $attempt); log tail:"
    tail -n 5 "$dir/server.log" >&2 || true
  done
  die "could not start $name"
}

# rb_run PORT TESTS N PIPELINE [label-suffix]
# Runs redis-benchmark -q and prints one "TEST<TAB>requests-per-second" line per
# test it reports.  With PIPELINE > 1 the test name gets " -P<PIPELINE>".
# On failure prints nothing for the tests and returns non-zero (the caller's
# table then shows n/a).
rb_run() {
  local port=$1 tests=$2 n=$3 pipeline=$4
  local out suffix="" rc=0
  [[ $pipeline -gt 1 ]] && suffix=" -P$pipeline"
  out=$(timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -q \
          -t "$tests" -n "$n" -c "$BENCH_CLIENTS" -P "$pipeline" 2>"$BENCH_TMP_ROOT/rb.err") || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "bench: redis-benchmark -t $tests -P $pipeline on port $port failed (exit $rc)"
    tail -n 3 "$BENCH_TMP_ROOT/rb.err" >&2 || true
  fi
  # -q writes progress lines separated by \r; the final result line per test is
  # "NAME: 12345.67 requests per second, p50=..." on its own line.
  printf '%s\n' "$out" | tr '\r' '\n' |
    awk -v sfx="$suffix" '
      / requests per second/ {
        name = $0; sub(/:.*/, "", name); sub(/^[ \t]+/, "", name)
        rps = $0;  sub(/^[^:]*:[ \t]*/, "", rps); sub(/[ \t].*/, "", rps)
        if (rps ~ /^[0-9.]+$/) printf "%s%s\t%s\n", name, sfx, rps
      }'
  return "$rc"
}

# llen PORT KEY: prints the list length, 0 if the server cannot say.
llen() {
  local v
  v=$(redis-cli -h 127.0.0.1 -p "$1" llen "$2" 2>/dev/null || true)
  [[ $v =~ ^[0-9]+$ ]] && printf '%s\n' "$v" || printf '0\n'
}
