#!/usr/bin/python3
"""Run redis-cli interactively on a pseudo-terminal and check what a user sees.

usage: pty_redis_cli.py HOST PORT KEY

Starts `redis-cli -h HOST -p PORT` on a pty (TERM=xterm, 120x40), waits for
its prompt, types a few commands (using KEY, deleted again at the end) and
checks their replies, the db-numbered prompt after SELECT, a clean exit on
QUIT, and that nothing on the screen looks like a complaint (error, warning,
"not connected", ...).  Exits non-zero with the screen contents on failure.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

if len(sys.argv) != 4:
    raise SystemExit(__doc__)
host, port, key = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.environ["REDISCLI_HISTFILE"] = os.path.join(os.environ["HOME"], "hist")
    os.execvp("redis-cli", ["redis-cli", "-h", host, "-p", port])
# A real window size, so the line editor does not probe the terminal.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

buf = b""
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")

def text():
    return ansi.sub(b"", buf).decode("utf-8", "replace")

pos = 0  # what has been matched so far; expect() looks only after it

def expect(what, timeout=10.0):
    global buf, pos
    end = time.monotonic() + timeout
    while True:
        at = text().find(what, pos)
        if at >= 0:
            pos = at + len(what)
            return
        left = end - time.monotonic()
        if left <= 0:
            raise SystemExit("timed out waiting for %r; screen so far:\n%s" % (what, text()))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise SystemExit("redis-cli exited while waiting for %r; screen:\n%s" % (what, text()))
            buf += chunk

def typed(line):
    # Only call this once the prompt is on screen: redis-cli switches the
    # terminal to raw mode with TCSAFLUSH, discarding anything typed earlier.
    os.write(fd, line.encode() + b"\r")

try:
    prompt = "%s:%s> " % (host, port)
    expect(prompt)
    start = text()
    typed("rpush %s hello world" % key)
    expect("(integer) 2")
    expect(prompt)
    typed("lrange %s 0 -1" % key)
    expect('1) "hello"')
    expect('2) "world"')
    expect(prompt)
    typed("select 1")
    expect("OK")
    expect("%s:%s[1]> " % (host, port))
    typed("llen %s" % key)
    expect("(integer) 0")
    expect("%s:%s[1]> " % (host, port))
    typed("select 0")
    expect(prompt)
    typed("del %s" % key)
    expect("(integer) 1")
    expect(prompt)
    typed("quit")
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid:
            status = st
            break
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                pass
    if status is None:
        raise SystemExit("redis-cli did not exit after quit; screen:\n" + text())
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise SystemExit("redis-cli exit status %r after quit" % status)
    bad = re.compile(r"error|could not|unknown|not connected|warning|refused|unsupported", re.I)
    bad_lines = [l for l in text().splitlines() if bad.search(l)]
    if bad_lines:
        raise SystemExit("complaints on the terminal: %r\nscreen:\n%s" % (bad_lines, text()))
    if start.strip() != prompt.strip():
        raise SystemExit("redis-cli printed something before its prompt: %r" % start)
finally:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
