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

# group-policy: the group workload with Postbox's queue policy on the group (XGROUP CREATE ...
# VISIBILITY BENCH_GROUP_POLICY_VIS MAXDELIVERIES BENCH_GROUP_POLICY_MAXD) and consumers that
# XNACK FAIL BENCH_GROUP_POLICY_NACK_PCT % of the messages on their first delivery and XACK them
# when they come back; postbox-load checks every message acked once, the NACKed ones delivered
# exactly twice, the others once, and the dead-letter stream <key>:dlq empty. On postbox the
# workload also runs the plain group workload right before or after it (the order alternates
# between rounds) and keeps both figures; the row "group+policy" holds the policy variant's msg/s.
# Redis has no queue policy: its columns run the plain group workload under that row's name, so
# the row's "vs" ratios compare Postbox with the policy to Redis without. The comparison that
# matters, policy / plain on postbox in the same run, is printed after the table with its target
# (TARGET_GROUP_POLICY), which BENCH_STRICT=1 enforces like the others.
#   BENCH_GROUP_POLICY_VIS       VISIBILITY ms (default 30000)
#   BENCH_GROUP_POLICY_MAXD      MAXDELIVERIES (default 5)
#   BENCH_GROUP_POLICY_NACK_PCT  share of messages NACKed once, in % (default 1)
BENCH_GROUP_POLICY_VIS=${BENCH_GROUP_POLICY_VIS:-30000}
BENCH_GROUP_POLICY_MAXD=${BENCH_GROUP_POLICY_MAXD:-5}
BENCH_GROUP_POLICY_NACK_PCT=${BENCH_GROUP_POLICY_NACK_PCT:-1}
TARGET_GROUP_POLICY=0.9

wl_group-policy() {
  local port=$1 bin out which plain="" policy="" rounds=0
  local samples="$BENCH_TMP_ROOT/group-policy.tsv"
  local args=(--messages "$BENCH_GROUP_N" --producers "$BENCH_GROUP_P" --consumers "$BENCH_GROUP_C"
    --count "$BENCH_GROUP_COUNT")
  bin=$(group_load_bin) || return 0
  if [[ $port != "${SRV_PORT[postbox]:-}" ]]; then
    BENCH_LOAD=$bin queue_load "$port" group "${args[@]}" --key bench:group --label "group+policy" ||
      true
    return 0
  fi
  [[ -f $samples ]] && rounds=$(wc -l <"$samples")
  local order=(plain policy)
  ((rounds % 2 == 0)) || order=(policy plain)
  for which in "${order[@]}"; do
    if [[ $which == plain ]]; then
      out=$(BENCH_LOAD=$bin queue_load "$port" group "${args[@]}" --key bench:group \
        --label group) || out=""
      plain=${out##*$'\t'}
    else
      out=$(BENCH_LOAD=$bin queue_load "$port" group "${args[@]}" --key bench:group-policy \
        --visibility "$BENCH_GROUP_POLICY_VIS" --maxdeliveries "$BENCH_GROUP_POLICY_MAXD" \
        --nack-pct "$BENCH_GROUP_POLICY_NACK_PCT" --label "group+policy") || out=""
      policy=${out##*$'\t'}
    fi
  done
  printf '%s\t%s\n' "$plain" "$policy" >>"$samples"
  [[ -z $policy ]] || printf 'group+policy\t%s\n' "$policy"
}
register_workload group-policy "group with VISIBILITY $BENCH_GROUP_POLICY_VIS MAXDELIVERIES $BENCH_GROUP_POLICY_MAXD and $BENCH_GROUP_POLICY_NACK_PCT% XNACK FAIL, vs plain group on postbox (redis columns: plain group)"

# Prints "group+policy / group (postbox): R ..." from the samples wl_group-policy kept: the median
# policy msg/s over the median plain msg/s of the same postbox run. Returns 1 if the target is
# missed or a figure is missing.
group_policy_report() {
  awk -F'\t' -v target="$TARGET_GROUP_POLICY" '
    function median(v, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    $1 != "" && $2 != "" { p[++n] = $1; q[n] = $2; next }
    { bad++ }
    END {
      if (n == 0 || bad) {
        printf "group+policy / group (postbox, same run): %d of %d rounds without both figures  target >= %s  MISSING\n",
          bad, NR, target
        exit 1 }
      a = median(q, n); b = median(p, n); r = a / b
      printf "group+policy / group (postbox, same run): %.2f (%.0f / %.0f msg/s, medians of %d rounds)  target >= %s  %s\n",
        r, a, b, NR, target, (r >= target ? "OK" : "MISS")
      exit(r >= target ? 0 : 1) }' "$BENCH_TMP_ROOT/group-policy.tsv"
}

# scripts/bench has no hook after its table; the last thing it runs is its EXIT trap, cleanup
# (lib.sh), looked up by name when the trap fires. Wrap it: on a normal end (exit 0, or 2 from
# BENCH_STRICT) with group-policy run, print the ratio line first, and turn exit 0 into 2 if
# BENCH_STRICT=1 and the ratio misses its target.
eval "_group_policy_next_cleanup() $(declare -f cleanup | tail -n +2)"
cleanup() {
  local rc=$? miss=0
  if [[ ($rc == 0 || $rc == 2) && -n $BENCH_TMP_ROOT && -f $BENCH_TMP_ROOT/group-policy.tsv ]]; then
    group_policy_report || miss=1
  fi
  _group_policy_next_cleanup
  if ((miss)) && [[ ${BENCH_STRICT:-0} == 1 && $rc == 0 ]]; then
    exit 2
  fi
}
