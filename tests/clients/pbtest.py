"""What the redis-py client tests share: assertions, polling, blocked-client waits, a thread
runner, a second server of their own, and the command line and TAP output every script has.

Imported by the test_redis_py*.py scripts, which tests/clients/run starts as
`python3 tests/clients/<script>`: Python puts the script's own directory first on sys.path,
so this module is found wherever the runner is started from.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

import redis


class Skip(Exception):
    """Raised by a test whose feature the server does not have yet."""


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what or "value", got, want))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def raises(exc, fn, *args, contains=None, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        if contains is not None and contains not in str(e):
            raise AssertionError("error %r does not contain %r" % (str(e), contains))
        return e
    raise AssertionError("%s did not raise %s" % (getattr(fn, "__name__", fn), exc))


def wait_until(cond, timeout=5.0, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def blocked_clients(r):
    return int(r.info("clients").get("blocked_clients", -1))


def wait_blocked(r, n, exactly=False):
    """Waits until INFO counts n blocked clients (or at least n): a blocking call made in another
    thread is only known to wait once the server counts it."""
    if not wait_until(lambda: blocked_clients(r) == n if exactly else blocked_clients(r) >= n):
        raise AssertionError("expected %s%d blocked client(s), INFO says %d"
                             % ("" if exactly else "at least ", n, blocked_clients(r)))


class Background:
    """Runs fn in a thread and keeps its result or exception, and how long it took (dt)."""

    def __init__(self, fn, *args, **kw):
        self.result = None
        self.error = None
        self.t0 = time.monotonic()
        self.dt = None
        self.thread = threading.Thread(target=self._run, args=(fn, args, kw), daemon=True)
        self.thread.start()

    def _run(self, fn, args, kw):
        try:
            self.result = fn(*args, **kw)
        except Exception as e:  # handed to the test thread by get()
            self.error = e
        self.dt = time.monotonic() - self.t0

    def get(self, timeout=10):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("background call still running after %ss" % timeout)
        if self.error is not None:
            raise self.error
        return self.result


def start_server(binary, data_dir, args=(), host="127.0.0.1", password=None):
    """Starts `binary` on a free port with --dir data_dir and `args`, appending its output to
    data_dir/server.log. Returns (process, port) once it answers PING, or (None, None).

    Another port is tried when the server dies at once: the one picked may have been taken
    between free_port() and the server's bind."""
    for _attempt in range(5):
        port = free_port()
        with open(os.path.join(data_dir, "server.log"), "ab") as log:
            proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                     "--dir", data_dir, "--save", "", *args],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def up():
            try:
                return redis.Redis(host=host, port=port, password=password,
                                   socket_timeout=2).ping()
            except Exception:
                return False

        if wait_until(lambda: proc.poll() is not None or up(), timeout=20, step=0.05) \
                and proc.poll() is None:
            return proc, port
        proc.kill()
        proc.wait()
    return None, None


def parse_args(doc, tests, *options):
    """The command line of a test script: --host and --port (default PB_HOST and PB_PORT, which
    tests/clients/run sets), the `options` named ("dir": --dir or PB_DIR, "server-bin":
    --server-bin or PB_SERVER_BIN), then the names of the tests to run, all by default. Returns
    the parsed arguments, with the tests chosen in `.tests`."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--host", default=os.environ.get("PB_HOST", "127.0.0.1"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("PB_PORT", "0")))
    if "dir" in options:
        ap.add_argument("--dir", default=os.environ.get("PB_DIR", ""))
    if "server-bin" in options:
        ap.add_argument("--server-bin", default=os.environ.get("PB_SERVER_BIN", ""))
    ap.add_argument("only", nargs="*", help="run only these tests")
    a = ap.parse_args()
    if not a.port:
        ap.error("no port: pass --port or set PB_PORT")
    a.tests = [t for t in tests if not a.only or t.__name__ in a.only]
    if a.only and len(a.tests) != len(set(a.only)):
        ap.error("unknown test in %r; known: %s" % (a.only, " ".join(t.__name__ for t in tests)))
    return a


def run(tests, title):
    """Runs `tests` in order and prints TAP: "# title", then "ok N - redis-py name (time)" or
    "not ok N - ..." with the traceback as "#" lines, then "1..N". Returns the exit status."""
    # On SIGTERM unwind normally, so that finally blocks stop any server started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print("# " + title, flush=True)
    failed = 0
    for i, t in enumerate(tests, 1):
        t0 = time.monotonic()
        try:
            t()
            print("ok %d - redis-py %s (%.2fs)" % (i, t.__name__, time.monotonic() - t0), flush=True)
        except Skip as e:
            print("ok %d - redis-py %s # SKIP %s" % (i, t.__name__, e), flush=True)
        except Exception:
            failed += 1
            print("not ok %d - redis-py %s" % (i, t.__name__), flush=True)
            for line in traceback.format_exc().rstrip().splitlines():
                print("#   " + line, flush=True)
    print("1..%d" % len(tests), flush=True)
    return 1 if failed else 0
