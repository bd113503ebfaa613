# shellcheck shell=bash
# List workloads, driven by redis-benchmark.
#
# Adding a workload: define wl_<name> taking the server's port and printing one
# "TEST<TAB>ops-per-second" line per measured test, then register_workload it.
# A workload may use any load generator (redis-benchmark, or a helper program
# placed under scripts/bench.d/); it must only talk RESP to 127.0.0.1:PORT and
# must not depend on anything a real redis-server would not print.
# Workloads run in registration order, each against every server in turn.

# LPUSH onto "mylist", plain and pipelined.  Leaves BENCH_N + BENCH_N_PIPELINE
# elements behind, which the rpop workload then consumes.
wl_lpush() {
  local port=$1
  rb_run "$port" lpush "$BENCH_N" 1 || true
  rb_run "$port" lpush "$BENCH_N_PIPELINE" "$BENCH_PIPELINE" || true
}
register_workload lpush "redis-benchmark -t lpush, plain and -P$BENCH_PIPELINE"

# RPOP from "mylist", plain and pipelined.  Every pop must find an element, so
# if the list is short (rpop run on its own) it is topped up first, unmeasured.
wl_rpop() {
  local port=$1 need have
  need=$((BENCH_N + BENCH_N_PIPELINE))
  have=$(llen "$port" mylist)
  if ((have < need)); then
    rb_run "$port" lpush "$((need - have))" 16 >/dev/null || true
  fi
  rb_run "$port" rpop "$BENCH_N" 1 || true
  rb_run "$port" rpop "$BENCH_N_PIPELINE" "$BENCH_PIPELINE" || true
}
register_workload rpop "redis-benchmark -t rpop, plain and -P$BENCH_PIPELINE (list topped up first if short)"
