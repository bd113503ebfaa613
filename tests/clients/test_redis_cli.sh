#!/usr/bin/env bash
# Drive a Redis-protocol server with redis-cli the way people use it: one-shot
# commands, -r, --raw / --no-raw, -x, -n / -u, --scan, --pipe mass insertion
# and the interactive prompt through a pseudo-terminal.
#
# usage: test_redis_cli.sh [PORT]    (or PB_PORT=N; PB_HOST defaults to 127.0.0.1)
# Output is TAP ("ok N - ...", "not ok N - ..." with "# " diagnostics, "1..N");
# exit status 1 if any test failed.
set -euo pipefail

HOST=${PB_HOST:-127.0.0.1}
PORT=${1:-${PB_PORT:-}}
[[ -n $PORT ]] || { echo "usage: $0 PORT (or set PB_PORT)" >&2; exit 2; }
PY=/usr/bin/python3
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
[[ -x $PY ]] || PY=python3
P="pbcli:$$:$RANDOM:" # key prefix for this run

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pb-cli-test.XXXXXX")
# shellcheck source=tests/clients/cli_lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/cli_lib.sh"
cleanup_keys() {
  # Best effort: remove this run's keys from the databases the tests use.
  local db
  for db in 0 1 2; do
    timeout 30 redis-cli -h "$HOST" -p "$PORT" -n "$db" --scan --pattern "$P*" 2>/dev/null |
      xargs -r -n 100 timeout 30 redis-cli -h "$HOST" -p "$PORT" -n "$db" del >/dev/null 2>&1 || true
  done
}
trap 'cleanup_keys; rm -rf -- "$WORK"' EXIT

# ------------------------------------------------------------------------ tests

t_one_shot_commands() {
  expect_eq "$(cli ping)" PONG "PING"
  expect_eq "$(cli ping hello)" hello "PING with a message"
  # Not a terminal: replies come out raw (no type decoration).
  expect_eq "$(cli rpush "${P}l" a b c)" 3 "RPUSH"
  expect_eq "$(cli lpush "${P}l" z)" 4 "LPUSH"
  expect_eq "$(cli lrange "${P}l" 0 -1)" $'z\na\nb\nc' "LRANGE"
  expect_eq "$(cli llen "${P}l")" 4 "LLEN"
  expect_eq "$(cli lpop "${P}l")" z "LPOP"
  expect_eq "$(cli lpop "${P}l" 2)" $'a\nb' "LPOP with count"
  expect_eq "$(cli rpush "${P}m" value)" 1 "RPUSH onto a second list"
  expect_eq "$(cli lindex "${P}m" 0)" value "LINDEX"
  expect_eq "$(cli exists "${P}m" "${P}nope")" 1 "EXISTS"
  expect_eq "$(cli type "${P}l")" list "TYPE list"
  expect_eq "$(cli type "${P}nope")" none "TYPE of a missing key"
  expect_eq "$(cli del "${P}m" "${P}l")" 2 "DEL"
  expect_eq "$(cli lpop "${P}m")" "" "LPOP of a deleted key"
}

t_error_replies() {
  local out rc
  cli rpush "${P}e" v >/dev/null
  out=$(cli lpush "${P}e" 2>&1)
  expect_contains "$out" "ERR wrong number of arguments for 'lpush' command" "error text"
  out=$(cli --no-raw lrange "${P}e" x 1 2>&1)
  expect_contains "$out" "(error) ERR value is not an integer or out of range" "--no-raw error decoration"
  rc=0
  cli -e lpush "${P}e" >/dev/null 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || fail "-e: exit status 0 after an error reply"
  rc=0
  cli -e rpush "${P}okl" x >/dev/null 2>&1 || rc=$?
  expect_eq "$rc" 0 "-e: exit status after a good reply"
  out=$(cli nosuchcommand-xyz a 2>&1)
  expect_contains "$out" "ERR unknown command" "unknown command"
  expect_eq "$(cli lrange "${P}e" 0 -1)" v "data unchanged by the failed commands"
  cli del "${P}e" "${P}okl" >/dev/null
}

t_no_raw_formatting() {
  expect_eq "$(cli --no-raw rpush "${P}f" a "b c")" "(integer) 2" "--no-raw integer"
  expect_eq "$(cli --no-raw lrange "${P}f" 0 -1)" $'1) "a"\n2) "b c"' "--no-raw array"
  expect_eq "$(cli --no-raw lrange "${P}nope" 0 -1)" "(empty array)" "--no-raw empty array"
  expect_eq "$(cli --no-raw lpop "${P}nope")" "(nil)" "--no-raw nil"
  expect_eq "$(cli --no-raw ping)" PONG "--no-raw status"
  expect_eq "$(cli --no-raw lindex "${P}f" 0)" '"a"' "--no-raw bulk string"
  expect_eq "$(cli --no-raw lpush "${P}f" 2>&1)" "(error) ERR wrong number of arguments for 'lpush' command" "--no-raw error"
  cli del "${P}f" >/dev/null
}

t_raw_output() {
  # A value holding a newline and a tab comes back byte for byte with --raw.
  cli rpush "${P}r" $'two\nlines' $'tab\there' plain >/dev/null
  expect_eq "$(cli --raw lrange "${P}r" 0 -1)" $'two\nlines\ntab\there\nplain' "--raw LRANGE"
  expect_eq "$(cli --raw lindex "${P}r" 0)" $'two\nlines' "--raw LINDEX"
  expect_eq "$(cli --raw llen "${P}r")" 3 "--raw integer"
  expect_eq "$(cli --raw lpop "${P}nope" | od -An -c | tr -d ' ')" '\n' "--raw nil is an empty line"
  # Without --raw (but still not a tty) redis-cli quotes nothing either; with
  # --no-raw the newline is escaped.
  expect_eq "$(cli --no-raw lindex "${P}r" 0)" '"two\nlines"' "--no-raw escapes the newline"
  cli del "${P}r" >/dev/null
}

t_repeat_r() {
  expect_eq "$(cli -r 5 rpush "${P}ctr" x)" $'1\n2\n3\n4\n5' "-r 5 RPUSH"
  expect_eq "$(cli -r 3 -i 0.05 rpush "${P}rl" x)" $'1\n2\n3' "-r 3 -i 0.05 RPUSH"
  expect_eq "$(cli -r 2 lrange "${P}rl" 0 -1)" $'x\nx\nx\nx\nx\nx' "-r 2 LRANGE"
  expect_eq "$(cli llen "${P}ctr")" 5 "LLEN after -r 5"
  cli del "${P}ctr" "${P}rl" >/dev/null
}

t_stdin_x() {
  printf 'first line\nsecond line' | cli -x rpush "${P}x" >/dev/null
  expect_eq "$(cli --raw lindex "${P}x" 0)" $'first line\nsecond line' "-x value from stdin"
  head -c 200000 /dev/zero | tr '\0' 'q' | cli -x rpush "${P}big" >/dev/null
  expect_eq "$(cli --raw lindex "${P}big" 0 | tr -d '\n' | wc -c)" 200000 "-x with a 200 kB value"
  cli del "${P}x" "${P}big" >/dev/null
}

t_select_db() {
  cli -n 1 rpush "${P}db" one >/dev/null
  cli -n 2 rpush "${P}db" two >/dev/null
  expect_eq "$(cli -n 1 lrange "${P}db" 0 -1)" one "-n 1"
  expect_eq "$(cli -n 2 lrange "${P}db" 0 -1)" two "-n 2"
  expect_eq "$(cli exists "${P}db")" 0 "db 0 does not see it"
  expect_eq "$(timeout 60 redis-cli -u "redis://$HOST:$PORT/2" lrange "${P}db" 0 -1)" two "-u URL with /2"
  cli -n 1 del "${P}db" >/dev/null
  cli -n 2 del "${P}db" >/dev/null
}

t_scan() {
  local i
  for i in $(seq 1 120); do printf 'RPUSH %sscan:%d v\n' "$P" "$i"; done | cli >/dev/null
  expect_eq "$(cli --scan --pattern "${P}scan:*" | sort -u | wc -l)" 120 "--scan --pattern finds all keys"
  expect_eq "$(cli --scan --pattern "${P}scan:1?" | sort | tr '\n' ' ')" \
    "${P}scan:10 ${P}scan:11 ${P}scan:12 ${P}scan:13 ${P}scan:14 ${P}scan:15 ${P}scan:16 ${P}scan:17 ${P}scan:18 ${P}scan:19 " \
    "--scan with ? pattern"
  cli --scan --pattern "${P}scan:*" | xargs -r -n 100 timeout 60 redis-cli -h "$HOST" -p "$PORT" del >/dev/null
  expect_eq "$(cli --scan --pattern "${P}scan:*" | wc -l)" 0 "keys deleted"
}

t_commands_from_stdin() {
  # Commands on stdin, one per line, as in `redis-cli < script.txt`.
  local out
  out=$(printf 'RPUSH %sin a\nRPUSH %sin b\nLRANGE %sin 0 -1\n' "$P" "$P" "$P" | cli)
  expect_eq "$out" $'1\n2\na\nb' "commands read from stdin"
  cli del "${P}in" >/dev/null
}

t_pipe_mass_insert() {
  local n=100000 k="${P}mass" out rc
  # RESP for "RPUSH <k> item:<i>", generated the way the redis-cli docs suggest.
  awk -v n="$n" -v k="$k" 'BEGIN {
    for (i = 1; i <= n; i++) {
      v = "item:" i
      printf "*3\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
    } }' >"$WORK/mass.resp"
  out=$(cli --pipe <"$WORK/mass.resp" 2>&1)
  expect_contains "$out" "errors: 0, replies: $n" "--pipe summary"
  expect_eq "$(cli llen "$k")" "$n" "LLEN after --pipe"
  expect_eq "$(cli lindex "$k" 0)" "item:1" "first element"
  expect_eq "$(cli lindex "$k" -1)" "item:$n" "last element"
  expect_eq "$(cli lindex "$k" 49999)" "item:50000" "middle element"
  # Inline commands through --pipe as well.
  out=$(printf 'RPUSH %sinl a\r\nRPUSH %sinl b\r\n' "$P" "$P" | cli --pipe 2>&1)
  expect_contains "$out" "errors: 0, replies: 2" "--pipe with inline commands"
  expect_eq "$(cli lrange "${P}inl" 0 -1)" $'a\nb' "inline --pipe data"
  # Errors are counted, not fatal.
  rc=0
  out=$(printf 'LPUSH %spstr\r\nRPUSH %sinl c\r\n' "$P" "$P" | cli --pipe 2>&1) || rc=$?
  expect_contains "$out" "errors: 1, replies: 2" "--pipe counts an error reply"
  [[ $rc -ne 0 ]] || fail "--pipe exit status 0 although a reply was an error"
  expect_eq "$(cli llen "${P}inl")" 3 "command after the error applied"
  expect_eq "$(cli exists "${P}pstr")" 0 "the failed command created nothing"
  cli del "$k" "${P}inl" >/dev/null
}

t_interactive_pty() {
  # redis-cli on a pseudo-terminal: it must start without complaint, show its
  # prompt, and run commands typed at it.
  HOME="$WORK" "$PY" "$HERE/pty_redis_cli.py" "$HOST" "$PORT" "${P}tty"
}

# ------------------------------------------------------------------------ runner

TESTS=(
  t_one_shot_commands t_error_replies t_no_raw_formatting t_raw_output t_repeat_r
  t_stdin_x t_select_db t_scan t_commands_from_stdin t_pipe_mass_insert t_interactive_pty
)
if (($# > 1)); then TESTS=("${@:2}"); fi # test_redis_cli.sh PORT t_name... runs only those

echo "# redis-cli $(redis-cli --version | awk '{print $2}') against $HOST:$PORT"
run_tap_tests "${TESTS[@]}"
