# shellcheck shell=bash
# Queue workloads, driven by postbox-load (tests/load/postbox_load.cpp).
#
#   reliable  producers LPUSH, consumers BLMOVE to a processing list then LREM (the reliable-queue
#             pattern); messages/s end to end, every message checked acknowledged exactly once.
#   fanout    subscribers SUBSCRIBE one channel, a publisher PUBLISHes; deliveries/s (and
#             publishes/s), every subscriber checked to get every message in order.
#
# The load generator is $BENCH_LOAD, else build/postbox-load (cmake target postbox-load), else it
# is compiled once per bench run into the bench's temp dir with g++ -O2 (hiredis and fmt needed).
#
# Environment (besides scripts/bench's):
#   BENCH_LOAD              postbox-load binary to use
#   BENCH_RELIABLE_N        messages per reliable run (default BENCH_N / 10)
#   BENCH_RELIABLE_P        producer connections (default 2)
#   BENCH_RELIABLE_C        consumer connections (default 4)
#   BENCH_FANOUT_N          messages published per fanout run (default BENCH_N / 5)
#   BENCH_FANOUT_SUBS       subscriber connections (default 50)
#   BENCH_FANOUT_PIPELINE   PUBLISHes in flight (default 16)

BENCH_RELIABLE_N=${BENCH_RELIABLE_N:-$((BENCH_N / 10 > 0 ? BENCH_N / 10 : 1))}
BENCH_RELIABLE_P=${BENCH_RELIABLE_P:-2}
BENCH_RELIABLE_C=${BENCH_RELIABLE_C:-4}
BENCH_FANOUT_N=${BENCH_FANOUT_N:-$((BENCH_N / 5 > 0 ? BENCH_N / 5 : 1))}
BENCH_FANOUT_SUBS=${BENCH_FANOUT_SUBS:-50}
BENCH_FANOUT_PIPELINE=${BENCH_FANOUT_PIPELINE:-16}

# Prints the path of a postbox-load binary, building it if need be; fails with a message if it
# cannot.
queue_load_bin() {
  if [[ -n ${BENCH_LOAD:-} ]]; then
    [[ -x $BENCH_LOAD ]] || { log "bench: BENCH_LOAD=$BENCH_LOAD is not an executable"; return 1; }
    printf '%s\n' "$BENCH_LOAD"
    return 0
  fi
  local built="$ROOT/build/postbox-load" own="$BENCH_TMP_ROOT/postbox-load"
  if [[ -x $built ]]; then
    printf '%s\n' "$built"
    return 0
  fi
  if [[ ! -x $own ]]; then
    # Not `cmake --build build` here: that build dir may be busy with another build.
    log "bench: $built missing (cmake --build build --target postbox-load); compiling $own"
    # shellcheck disable=SC2046  # pkg-config prints several words on purpose
    g++ -std=c++20 -O2 -o "$own" "$ROOT/tests/load/postbox_load.cpp" \
      $(pkg-config --cflags --libs hiredis) -lfmt -lpthread >&2 ||
      { log "bench: could not build postbox-load (need g++, libhiredis-dev, libfmt-dev)"; return 1; }
  fi
  printf '%s\n' "$own"
}

# queue_load PORT MODE ARGS...: runs postbox-load, passes its TEST<TAB>ops lines on; prints
# nothing (the table shows n/a) if it fails or a check fails.
queue_load() {
  local port=$1 mode=$2 bin out rc=0
  shift 2
  bin=$(queue_load_bin) || return 1
  out=$(timeout "$BENCH_TIMEOUT" "$bin" "$mode" --host 127.0.0.1 --port "$port" \
    --timeout "$BENCH_TIMEOUT" --quiet "$@" 2>"$BENCH_TMP_ROOT/load.err") || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "bench: postbox-load $mode on port $port failed (exit $rc)"
    tail -n 3 "$BENCH_TMP_ROOT/load.err" >&2 || true
    return 1
  fi
  printf '%s\n' "$out"
}

wl_reliable() {
  queue_load "$1" reliable --messages "$BENCH_RELIABLE_N" --producers "$BENCH_RELIABLE_P" \
    --consumers "$BENCH_RELIABLE_C" --key bench:reliable --label "reliable" || true
}
register_workload reliable "postbox-load reliable: $BENCH_RELIABLE_P LPUSH producers, $BENCH_RELIABLE_C BLMOVE+LREM consumers, msgs/s end to end"

wl_fanout() {
  queue_load "$1" fanout --messages "$BENCH_FANOUT_N" --subscribers "$BENCH_FANOUT_SUBS" \
    --pipeline "$BENCH_FANOUT_PIPELINE" --key bench:fanout --label "fanout" || true
}
register_workload fanout "postbox-load fanout: PUBLISH to $BENCH_FANOUT_SUBS subscribers, deliveries/s and publishes/s"
