# shellcheck shell=bash
# Stream workloads.
#
#   xadd   redis-benchmark running "XADD bench:stream * field __rand_int__" with -c BENCH_CLIENTS,
#          plain and pipelined (-P BENCH_PIPELINE); rows "XADD" and "XADD -P16".
#   group  postbox-load group (tests/load/postbox_load.cpp): producers XADD to one stream, the
#          consumers of one consumer group XREADGROUP ... COUNT 10 BLOCK ... > and XACK what they
#          got; messages/s end to end, every message checked acknowledged exactly once and the
#          group's PEL checked empty at the end.
#
# group runs postbox-load through queue_load (scripts/bench.d/workloads-queue.sh, sourced before
# this file), so BENCH_LOAD and the way the binary is found or built are the same as for reliable,
# except that a build/postbox-load older than the group mode is passed over for a fresh compile.
#
# Environment (besides scripts/bench's):
#   BENCH_GROUP_N       messages per group run (default BENCH_N / 10, as BENCH_RELIABLE_N)
#   BENCH_GROUP_P       XADD producer connections (default 2)
#   BENCH_GROUP_C       XREADGROUP + XACK consumer connections (default 4)
#   BENCH_GROUP_COUNT   XREADGROUP COUNT (default 10)

BENCH_GROUP_N=${BENCH_GROUP_N:-$((BENCH_N / 10 > 0 ? BENCH_N / 10 : 1))}
BENCH_GROUP_P=${BENCH_GROUP_P:-2}
BENCH_GROUP_C=${BENCH_GROUP_C:-4}
BENCH_GROUP_COUNT=${BENCH_GROUP_COUNT:-10}

# rb_cmd_run PORT LABEL N PIPELINE COMMAND...: runs redis-benchmark -q on a custom command and
# prints "LABEL<TAB>requests-per-second" (LABEL gets " -P<PIPELINE>" when PIPELINE > 1). Prints
# nothing for the test and returns non-zero on failure (the table then shows n/a). rb_run in
# lib.sh cannot be used: it selects tests with -t and takes the name up to the first ':', which
# a custom command containing a key such as bench:stream would cut short.
rb_cmd_run() {
  local port=$1 label=$2 n=$3 pipeline=$4
  shift 4
  local out rc=0
  [[ $pipeline -gt 1 ]] && label+=" -P$pipeline"
  # -r makes redis-benchmark replace __rand_int__ in the arguments with a random 12-digit number.
  out=$(timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -q \
          -n "$n" -c "$BENCH_CLIENTS" -P "$pipeline" -r 1000000 "$@" 2>"$BENCH_TMP_ROOT/rb.err") || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "bench: redis-benchmark $1 -P $pipeline on port $port failed (exit $rc)"
    tail -n 3 "$BENCH_TMP_ROOT/rb.err" >&2 || true
  fi
  # The final line is "<command line>: 12345.67 requests per second, p50=..."; progress lines,
  # separated by \r, say "rps=" instead.
  printf '%s\n' "$out" | tr '\r' '\n' |
    awk -v label="$label" '
      / requests per second/ {
        rps = $0; sub(/ requests per second.*/, "", rps); sub(/.*[ \t]/, "", rps)
        if (rps ~ /^[0-9.]+$/) { printf "%s\t%s\n", label, rps; exit }
      }'
  return "$rc"
}

# XADD to "bench:stream" (emptied first, unmeasured), plain and pipelined. Leaves
# BENCH_N + BENCH_N_PIPELINE entries behind.
wl_xadd() {
  local port=$1
  redis-cli -h 127.0.0.1 -p "$port" del bench:stream >/dev/null 2>&1 || true
  rb_cmd_run "$port" XADD "$BENCH_N" 1 XADD bench:stream '*' field __rand_int__ || true
  rb_cmd_run "$port" XADD "$BENCH_N_PIPELINE" "$BENCH_PIPELINE" XADD bench:stream '*' field __rand_int__ || true
}
register_workload xadd "redis-benchmark XADD bench:stream * field __rand_int__, plain and -P$BENCH_PIPELINE"

# Prints the path of a postbox-load that has the group mode. queue_load_bin prefers
# build/postbox-load, which only a cmake build refreshes and may predate the mode; then a copy is
# compiled into the bench's temp dir once per run, as queue_load_bin does when it is missing.
group_load_bin() {
  local bin own="$BENCH_TMP_ROOT/postbox-load-group"
  bin=$(queue_load_bin) || return 1
  if "$bin" group --help >/dev/null 2>&1; then
    printf '%s\n' "$bin"
    return 0
  fi
  if [[ -n ${BENCH_LOAD:-} ]]; then
    log "bench: BENCH_LOAD=$BENCH_LOAD has no group mode; rebuild it from tests/load/postbox_load.cpp"
    return 1
  fi
  if [[ ! -x $own ]]; then
    log "bench: $bin has no group mode (cmake --build build --target postbox-load); compiling $own"
    # shellcheck disable=SC2046  # pkg-config prints several words on purpose
    g++ -std=c++20 -O2 -o "$own" "$ROOT/tests/load/postbox_load.cpp" \
      $(pkg-config --cflags --libs hiredis) -lfmt -lpthread >&2 ||
      { log "bench: could not build postbox-load (need g++, libhiredis-dev, libfmt-dev)"; return 1; }
  fi
  printf '%s\n' "$own"
}

wl_group() {
  local bin
  bin=$(group_load_bin) || return 0
  BENCH_LOAD=$bin queue_load "$1" group --messages "$BENCH_GROUP_N" --producers "$BENCH_GROUP_P" \
    --consumers "$BENCH_GROUP_C" --count "$BENCH_GROUP_COUNT" --key bench:group --label "group" || true
}
register_workload group "postbox-load group: $BENCH_GROUP_P XADD producers, $BENCH_GROUP_C XREADGROUP COUNT $BENCH_GROUP_COUNT + XACK consumers in one group, msgs/s end to end"
