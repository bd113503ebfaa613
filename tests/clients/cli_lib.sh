# Shared by the redis-cli test scripts (sourced; expects HOST, PORT and WORK to be set):
# assertions and a TAP runner.

# redis-cli against the server under test; a hung server fails the test instead of hanging
# the run.
cli() { timeout 60 redis-cli -h "$HOST" -p "$PORT" "$@"; }

fail() { printf '%s\n' "$*"; exit 1; }
# expect_eq GOT WANT WHAT
expect_eq() {
  [[ $1 == "$2" ]] || fail "$3: got [$(printf '%q' "$1")], want [$(printf '%q' "$2")]"
}
# expect_contains HAYSTACK NEEDLE WHAT
expect_contains() {
  [[ $1 == *"$2"* ]] || fail "$3: [$(printf '%q' "$2")] not in [$(printf '%q' "$1")]"
}

# run_tap_tests [--each-exit FUNC] TEST...: runs each test function in a subshell (errexit on,
# the failing command reported), prints TAP, and returns non-zero if any failed. FUNC runs
# when each test's subshell exits (e.g. to stop background clients it started).
run_tap_tests() {
  local each_exit=""
  if [[ ${1:-} == --each-exit ]]; then
    each_exit=$2
    shift 2
  fi
  local failed=0 i=0 t start rc dt
  for t in "$@"; do
    i=$((i + 1))
    start=$(date +%s.%N)
    set +e
    (
      set -eE
      trap 'echo "command failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
      [[ -z $each_exit ]] || trap "$each_exit" EXIT
      "$t"
    ) >"$WORK/out" 2>&1
    rc=$?
    set -e
    dt=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    if [[ $rc -eq 0 ]]; then
      echo "ok $i - redis-cli ${t#t_} (${dt}s)"
    else
      failed=$((failed + 1))
      echo "not ok $i - redis-cli ${t#t_}"
      sed 's/^/#   /' "$WORK/out"
    fi
  done
  echo "1..$i"
  ((failed == 0))
}
