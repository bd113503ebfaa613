#!/usr/bin/env bash
# redis-cli with pub/sub and transactions: SUBSCRIBE / PSUBSCRIBE running in the background
# while PUBLISH is sent from another redis-cli, and MULTI/EXEC fed through --pipe and stdin.
#
# usage: test_redis_cli_pubsub.sh [PORT [t_name...]]   (or PB_PORT=N; PB_HOST defaults to
# 127.0.0.1).  Output is TAP; exit status 1 if any test failed.
set -euo pipefail

HOST=${PB_HOST:-127.0.0.1}
PORT=${1:-${PB_PORT:-}}
[[ -n $PORT ]] || { echo "usage: $0 PORT (or set PB_PORT)" >&2; exit 2; }
NS="pbcps:$$:$RANDOM:" # prefix of this run's keys and channels

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pb-cli-pubsub.XXXXXX")
# shellcheck source=tests/clients/cli_lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/cli_lib.sh"
BG_PIDS=() # background subscribers started by the current test

stop_bg() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BG_PIDS=()
}
on_exit() {
  stop_bg
  timeout 30 redis-cli -h "$HOST" -p "$PORT" --scan --pattern "$NS*" 2>/dev/null |
    xargs -r -n 100 timeout 30 redis-cli -h "$HOST" -p "$PORT" del >/dev/null 2>&1 || true
  rm -rf -- "$WORK"
}
trap on_exit EXIT
trap 'exit 143' TERM

# bg_cli OUTFILE ARGS...: redis-cli in the background (at most 60 s), stdout+stderr to OUTFILE.
bg_cli() {
  local out=$1
  shift
  timeout 60 redis-cli -h "$HOST" -p "$PORT" "$@" >"$out" 2>&1 &
  BG_PIDS+=("$!")
}

# poll SECONDS CMD...: retries CMD every 20 ms until it succeeds; false after SECONDS.
poll() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 50; i++)); do
    "$@" && return 0
    sleep 0.02
  done
  "$@"
}
numsub_is() { # numsub_is CHANNEL N
  [[ $(cli pubsub numsub "$1" | tail -n 1) == "$2" ]]
}
numpat_at_least() { [[ $(cli pubsub numpat) -ge $1 ]]; }
file_has_lines() { # file_has_lines FILE N
  [[ $(wc -l <"$1") -ge $2 ]]
}

# ------------------------------------------------------------------------ tests

t_subscribe_receives_publish() {
  local a="${NS}ch:a" b="${NS}ch:b" out="$WORK/sub.out"
  bg_cli "$out" subscribe "$a" "$b"
  poll 5 numsub_is "$b" 1 || fail "the background SUBSCRIBE never registered"
  expect_eq "$(cli publish "$a" hello)" 1 "PUBLISH receivers"
  expect_eq "$(cli publish "$b" 'two words')" 1 "PUBLISH to the second channel"
  expect_eq "$(cli publish "${NS}ch:none" lost)" 0 "PUBLISH nobody hears"
  poll 5 file_has_lines "$out" 12 || fail "messages did not arrive: $(cat "$out")"
  stop_bg
  # Not a terminal: raw output, one line per element.
  expect_eq "$(cat "$out")" "subscribe
$a
1
subscribe
$b
2
message
$a
hello
message
$b
two words" "subscriber output"
  poll 5 numsub_is "$a" 0 || fail "subscription still counted after redis-cli exited"
}

t_psubscribe_no_raw() {
  local pat="${NS}news.*" out="$WORK/psub.out"
  bg_cli "$out" --no-raw psubscribe "$pat"
  poll 5 numpat_at_least 1 || fail "the background PSUBSCRIBE never registered"
  expect_eq "$(cli publish "${NS}news.sport" goal)" 1 "PUBLISH matching the pattern"
  expect_eq "$(cli publish "${NS}weather" rain)" 0 "PUBLISH not matching"
  poll 5 file_has_lines "$out" 8 || fail "message did not arrive: $(cat "$out")"
  stop_bg
  expect_eq "$(cat "$out")" "Reading messages... (press Ctrl-C to quit)
1) \"psubscribe\"
2) \"$pat\"
3) (integer) 1
1) \"pmessage\"
2) \"$pat\"
3) \"${NS}news.sport\"
4) \"goal\"" "--no-raw subscriber output"
}

t_publish_fans_out() {
  local ch="${NS}fan" i
  for i in 1 2 3; do bg_cli "$WORK/fan$i.out" subscribe "$ch"; done
  poll 5 numsub_is "$ch" 3 || fail "three subscribers never registered"
  for i in 1 2 3 4 5; do
    expect_eq "$(cli publish "$ch" "msg $i")" 3 "PUBLISH $i receivers"
  done
  for i in 1 2 3; do
    poll 5 file_has_lines "$WORK/fan$i.out" 18 || fail "subscriber $i: $(cat "$WORK/fan$i.out")"
  done
  stop_bg
  for i in 1 2 3; do
    expect_eq "$(grep -A2 '^message$' "$WORK/fan$i.out" | grep '^msg ' | tr '\n' '|')" \
      "msg 1|msg 2|msg 3|msg 4|msg 5|" "subscriber $i got every message in order"
  done
}

t_pipe_multi_exec() {
  local k="${NS}txpipe" n=1000 out rc
  # MULTI, n RPUSHes, EXEC as RESP: n + 2 replies (OK, QUEUED..., the EXEC array).
  awk -v n="$n" -v k="$k" 'BEGIN {
    printf "*1\r\n$5\r\nMULTI\r\n"
    for (i = 1; i <= n; i++) {
      v = "v" i
      printf "*3\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    }
    printf "*1\r\n$4\r\nEXEC\r\n" }' >"$WORK/tx.resp"
  out=$(cli --pipe <"$WORK/tx.resp" 2>&1)
  expect_contains "$out" "errors: 0, replies: $((n + 2))" "--pipe summary"
  expect_eq "$(cli llen "$k")" "$n" "LLEN after the transaction"
  expect_eq "$(cli lindex "$k" -1)" "v$n" "last element"
  # Inline commands work the same way.
  out=$(printf 'MULTI\r\nLPUSH %s head\r\nRPUSH %s tail\r\nEXEC\r\n' "$k" "$k" | cli --pipe 2>&1)
  expect_contains "$out" "errors: 0, replies: 4" "inline MULTI/EXEC through --pipe"
  expect_eq "$(cli lindex "$k" 0)" head "LPUSH inside the transaction"
  expect_eq "$(cli llen "$k")" "$((n + 2))" "length after the second transaction"
  # A command refused while queuing: its error and EXECABORT are the two errors, nothing runs.
  rc=0
  out=$(printf 'MULTI\r\nRPUSH %s never\r\nNOSUCHCOMMAND\r\nEXEC\r\n' "$k" | cli --pipe 2>&1) || rc=$?
  expect_contains "$out" "errors: 2, replies: 4" "--pipe counts the queuing error and EXECABORT"
  expect_contains "$out" "EXECABORT Transaction discarded because of previous errors." "EXECABORT"
  [[ $rc -ne 0 ]] || fail "--pipe exit status 0 although replies were errors"
  expect_eq "$(cli llen "$k")" "$((n + 2))" "the aborted transaction changed nothing"
  # A runtime error inside EXEC is part of the EXEC reply, not a top-level error.
  out=$(printf 'MULTI\r\nLSET %snokey 0 v\r\nRPUSH %s after\r\nEXEC\r\n' "$NS" "$k" | cli --pipe 2>&1)
  expect_contains "$out" "errors: 0, replies: 4" "runtime error inside EXEC"
  expect_eq "$(cli lindex "$k" -1)" after "command after the runtime error ran"
}

t_multi_exec_from_stdin() {
  local k="${NS}txstdin" out
  out=$(printf 'MULTI\nRPUSH %s a b\nLPUSH %s z\nLRANGE %s 0 -1\nEXEC\n' "$k" "$k" "$k" | cli)
  expect_eq "$out" $'OK\nQUEUED\nQUEUED\nQUEUED\n2\n3\nz\na\nb' "raw EXEC output"
  out=$(printf 'MULTI\nRPUSH %s c\nEXEC\nDISCARD\nEXEC\n' "$k" | cli 2>&1)
  # redis-cli follows an error reply with an empty line.
  expect_eq "$out" $'OK\nQUEUED\n4\nERR DISCARD without MULTI\n\nERR EXEC without MULTI' \
    "EXEC, then misuse errors"
  out=$(printf 'MULTI\nRPUSH %s d\nDISCARD\nLLEN %s\n' "$k" "$k" | cli --no-raw 2>&1)
  expect_eq "$out" $'OK\nQUEUED\nOK\n(integer) 4' "DISCARD drops the queued command"
}

# ------------------------------------------------------------------------ runner

TESTS=(t_subscribe_receives_publish t_psubscribe_no_raw t_publish_fans_out t_pipe_multi_exec
  t_multi_exec_from_stdin)
if (($# > 1)); then TESTS=("${@:2}"); fi

echo "# redis-cli $(redis-cli --version | awk '{print $2}') pub/sub and MULTI against $HOST:$PORT"
run_tap_tests --each-exit stop_bg "${TESTS[@]}"
