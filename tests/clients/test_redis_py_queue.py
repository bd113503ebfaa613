#!/usr/bin/python3
"""Queue-style use of a Redis-protocol server through redis-py: transactions, WATCH, pub/sub,
blocking moves and the reliable-queue pattern.

Run with Debian's /usr/bin/python3 (python3-redis 4.3.4).

Server under test: --host/--port, or PB_HOST and PB_PORT from the environment (tests/clients/run
sets them).  Output is TAP ("ok N - name", "not ok N - name" with "# " diagnostics, then "1..N");
exit status 1 if any test failed.  Every key and channel carries a per-run prefix.
"""

import os
import queue
import random
import sys
import threading
import time

import redis
from redis.exceptions import ResponseError, WatchError

import pbtest
from pbtest import Background, blocked_clients, check, eq, wait_blocked, wait_until

HOST = "127.0.0.1"
PORT = 0
NS = "pbq:%d:%x:" % (os.getpid(), random.getrandbits(32))

ALL_TESTS = []


def case(fn):
    ALL_TESTS.append(fn)
    return fn


def conn(**kw):
    kw.setdefault("decode_responses", True)
    kw.setdefault("socket_timeout", 20)
    return redis.Redis(host=HOST, port=PORT, **kw)


def k(name):
    return NS + name


def drop(r, *names):
    r.delete(*[k(n) for n in names])


def next_message(p, kinds=("message", "pmessage"), limit=5.0):
    """The next pub/sub message of one of `kinds` (others are skipped), or an AssertionError."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        m = p.get_message(timeout=max(0.01, deadline - time.monotonic()))
        if m is not None and m["type"] in kinds:
            return m
    raise AssertionError("no %s message within %.1fs" % ("/".join(kinds), limit))


# ------------------------------------------------------------------ pipelines and transactions

@case
def pipeline_transaction_runs_atomically():
    r = conn()
    q, p = k("tx:q"), k("tx:p")
    try:
        pipe = r.pipeline()  # transaction=True: MULTI ... EXEC
        pipe.rpush(q, "a", "b", "c")
        pipe.lpush(q, "z")
        pipe.lmove(q, p, "RIGHT", "LEFT")
        pipe.lrange(q, 0, -1)
        pipe.llen(p)
        eq(pipe.execute(), [3, 4, "c", ["z", "a", "b"], 1], "EXEC results")
        eq(r.lrange(p, 0, -1), ["c"], "destination after EXEC")
        with r.pipeline() as pipe:
            eq(pipe.execute(), [], "empty transaction")
    finally:
        r.delete(q, p)


@case
def pipeline_without_transaction():
    r = conn()
    q = k("pipe:q")
    try:
        pipe = r.pipeline(transaction=False)
        for i in range(500):
            pipe.rpush(q, "v%d" % i)
        pipe.lrange(q, 0, 2)
        pipe.lset(k("pipe:missing"), 0, "x")  # an error in the middle
        pipe.llen(q)
        res = pipe.execute(raise_on_error=False)
        eq(res[:500], list(range(1, 501)), "RPUSH replies")
        eq(res[500], ["v0", "v1", "v2"], "LRANGE")
        check(isinstance(res[501], ResponseError), "LSET on a missing key is an error")
        eq(str(res[501]), "no such key", "error text")
        eq(res[502], 500, "command after the error ran")
    finally:
        r.delete(q)


@case
def transaction_with_queuing_error_is_discarded():
    r = conn()
    q = k("abort:q")
    try:
        pipe = r.pipeline()
        pipe.rpush(q, "a")
        pipe.execute_command("NOSUCHCOMMAND", "x")
        pipe.rpush(q, "b")
        try:
            pipe.execute()
            raise AssertionError("execute() did not raise")
        except ResponseError as e:
            # redis-py reports the command that was refused while queuing.
            check("unknown command" in str(e), "error names the cause: %s" % e)
        eq(r.exists(q), 0, "nothing of the aborted transaction ran")
        # The same connection works afterwards.
        pipe = r.pipeline()
        pipe.rpush(q, "ok")
        eq(pipe.execute(), [1], "next transaction")
    finally:
        r.delete(q)


@case
def transaction_runtime_error_does_not_stop_the_rest():
    r = conn()
    q = k("rt:q")
    try:
        pipe = r.pipeline()
        pipe.lset(k("rt:missing"), 0, "v")
        pipe.rpush(q, "a")
        pipe.lset(q, 5, "v")
        pipe.rpush(q, "b")
        res = pipe.execute(raise_on_error=False)
        check(isinstance(res[0], ResponseError) and str(res[0]) == "no such key",
                    "LSET missing key: %r" % (res[0],))
        eq(res[1], 1, "RPUSH after the error")
        check(isinstance(res[2], ResponseError) and str(res[2]) == "index out of range",
                    "LSET out of range: %r" % (res[2],))
        eq(res[3], 2, "last RPUSH")
        pipe = r.pipeline()
        pipe.lset(k("rt:missing"), 0, "v")
        pipe.rpush(q, "c")
        try:
            pipe.execute()
            raise AssertionError("execute() did not raise")
        except ResponseError as e:
            check("no such key" in str(e), "raised error: %s" % e)
        eq(r.lrange(q, 0, -1), ["a", "b", "c"], "all pushes ran")
    finally:
        r.delete(q)


@case
def blocking_commands_in_a_transaction_do_not_block():
    r = conn()
    q, d = k("txb:q"), k("txb:d")
    try:
        pipe = r.pipeline()
        pipe.blpop(k("txb:empty"), 0)
        pipe.blmove(k("txb:empty"), d, 0)
        pipe.rpush(q, "x")
        pipe.brpoplpush(q, d, 0)
        t0 = time.monotonic()
        eq(pipe.execute(), [None, None, 1, "x"], "EXEC results")
        check(time.monotonic() - t0 < 2, "EXEC returned at once")
        eq(r.lrange(d, 0, -1), ["x"], "moved inside the transaction")
    finally:
        r.delete(q, d)


@case
def watch_with_transaction_helper_retries():
    r = conn()
    other = conn()
    q = k("watch:q")
    calls = []
    try:
        r.rpush(q, "seed")

        def append_length(pipe):
            n = pipe.llen(q)  # immediate mode: WATCH is in effect
            calls.append(n)
            if len(calls) == 1:
                other.rpush(q, "sneaked-in")  # invalidates the first attempt
            pipe.multi()
            pipe.rpush(q, "len=%d" % n)

        res = r.transaction(append_length, q)
        eq(len(calls), 2, "attempts (first one hit WatchError)")
        eq(calls, [1, 2], "lengths seen")
        eq(res, [3], "EXEC result of the retry")
        eq(r.lrange(q, 0, -1), ["seed", "sneaked-in", "len=2"], "list")
    finally:
        r.delete(q)


@case
def watch_error_when_key_changes():
    r = conn()
    other = conn()
    q = k("watch2:q")
    try:
        with r.pipeline() as pipe:
            pipe.watch(q)
            other.lpush(q, "x")
            pipe.multi()
            pipe.rpush(q, "mine")
            try:
                pipe.execute()
                raise AssertionError("no WatchError")
            except WatchError:
                pass
        eq(r.lrange(q, 0, -1), ["x"], "the transaction did not run")
        # A watched key left alone lets it run.
        with r.pipeline() as pipe:
            pipe.watch(q)
            other.rpush(k("watch2:unrelated"), "y")
            pipe.multi()
            pipe.rpush(q, "mine")
            eq(pipe.execute(), [2], "EXEC")
        # UNWATCH (pipe.reset / unwatch) forgets the watch.
        with r.pipeline() as pipe:
            pipe.watch(q)
            pipe.unwatch()
            other.lpush(q, "y")
            pipe.multi()
            pipe.llen(q)
            eq(pipe.execute(), [3], "EXEC after UNWATCH")
    finally:
        r.delete(q, k("watch2:unrelated"))


@case
def optimistic_locking_under_contention():
    """Threads append the list's current length under WATCH: the result must be 0..N-1."""
    r = conn()
    q = k("race:q")
    threads, per_thread = 4, 25
    retries = []

    def worker():
        c = conn()
        for _ in range(per_thread):
            attempts = [0]

            def step(pipe):
                attempts[0] += 1
                n = pipe.llen(q)
                pipe.multi()
                pipe.rpush(q, str(n))

            c.transaction(step, q)
            retries.append(attempts[0] - 1)

    try:
        ts = [threading.Thread(target=worker) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        total = threads * per_thread
        eq(r.lrange(q, 0, -1), [str(i) for i in range(total)], "appends are serialised")
        print("#   %d transactions, %d WatchError retries" % (total, sum(retries)), flush=True)
    finally:
        r.delete(q)


# ------------------------------------------------------------------------------------ pub/sub

@case
def pubsub_listener_thread_receives_in_order():
    r = conn()
    ch1, ch2 = k("ps:ch1"), k("ps:ch2")
    p = r.pubsub()
    got = queue.Queue()
    stop = threading.Event()
    try:
        p.subscribe(ch1, ch2)
        confirmations = []
        while len(confirmations) < 2:
            m = p.get_message(timeout=5)
            check(m is not None, "subscribe confirmation arrived")
            confirmations.append((m["type"], m["channel"], m["data"]))
        eq(confirmations, [("subscribe", ch1, 1), ("subscribe", ch2, 2)], "confirmations")

        def listen():
            while not stop.is_set():
                m = p.get_message(ignore_subscribe_messages=True, timeout=0.1)
                if m is not None:
                    got.put(m)

        t = threading.Thread(target=listen, daemon=True)
        t.start()
        n = 200
        for i in range(n):
            eq(r.publish(ch1 if i % 2 == 0 else ch2, "m%d" % i), 1, "PUBLISH receivers")
        eq(r.publish(k("ps:nobody"), "lost"), 0, "PUBLISH to a channel nobody hears")
        msgs = [got.get(timeout=5) for _ in range(n)]
        eq([m["data"] for m in msgs], ["m%d" % i for i in range(n)], "payloads in order")
        eq([m["channel"] for m in msgs[:2]], [ch1, ch2], "channels")
        eq({m["type"] for m in msgs}, {"message"}, "message types")
        check(got.empty(), "no extra messages")
        stop.set()
        t.join(5)
    finally:
        stop.set()
        p.close()


@case
def pubsub_patterns():
    r = conn()
    p = r.pubsub()
    pat = k("news.*")
    try:
        p.psubscribe(pat)
        m = p.get_message(timeout=5)
        eq((m["type"], m["channel"], m["data"]), ("psubscribe", pat, 1), "confirmation")
        p.subscribe(k("news.sport"))
        m = p.get_message(timeout=5)
        eq((m["type"], m["data"]), ("subscribe", 2), "channel subscription counted too")
        eq(r.publish(k("news.sport"), "goal"), 2, "one channel and one pattern receiver")
        eq(r.publish(k("news.weather"), "rain"), 1, "pattern only")
        eq(r.publish(k("sports"), "x"), 0, "no match")
        seen = []
        while len(seen) < 3:
            m = p.get_message(timeout=5)
            check(m is not None, "message %d arrived" % len(seen))
            seen.append((m["type"], m["pattern"], m["channel"], m["data"]))
        eq(sorted(seen[:2]), sorted([
            ("pmessage", pat, k("news.sport"), "goal"),
            ("message", None, k("news.sport"), "goal"),
        ]), "both deliveries of the first message")
        eq(seen[2], ("pmessage", pat, k("news.weather"), "rain"), "pattern delivery")
        p.punsubscribe(pat)
        m = p.get_message(timeout=5)
        eq((m["type"], m["channel"], m["data"]), ("punsubscribe", pat, 1), "punsubscribe")
        eq(r.publish(k("news.weather"), "sun"), 0, "no pattern any more")
    finally:
        p.close()


@case
def pubsub_introspection_and_unsubscribe():
    r = conn()
    a, b = k("intro:a"), k("intro:b")
    p = r.pubsub()
    try:
        p.subscribe(a, b)
        p.psubscribe(k("intro:*"))
        for _ in range(3):
            check(p.get_message(timeout=5) is not None, "confirmation")
        chans = sorted(c for c in r.pubsub_channels(k("intro:*")))
        eq(chans, [a, b], "PUBSUB CHANNELS pattern")
        eq(r.pubsub_numsub(a, b, k("intro:none")), [(a, 1), (b, 1), (k("intro:none"), 0)],
               "PUBSUB NUMSUB")
        check(r.pubsub_numpat() >= 1, "PUBSUB NUMPAT counts the pattern")
        p.unsubscribe(a)
        m = p.get_message(timeout=5)
        eq((m["type"], m["channel"], m["data"]), ("unsubscribe", a, 2), "unsubscribe count")
        eq(r.publish(a, "x"), 1, "only the pattern hears a now")
        p.unsubscribe()
        p.punsubscribe()
        kinds = []
        while len(kinds) < 2:
            m = p.get_message(timeout=5)
            check(m is not None, "more messages")
            if m["type"] != "pmessage":
                kinds.append((m["type"], m["data"]))
        eq(kinds[-1][1], 0, "no subscriptions left")
        eq(r.publish(b, "x"), 0, "nobody left")
        eq(r.pubsub_numsub(a), [(a, 0)], "NUMSUB after unsubscribe")
    finally:
        p.close()


@case
def pubsub_run_in_thread_with_handlers():
    r = conn()
    ch = k("handler:ch")
    received = queue.Queue()
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{ch: lambda m: received.put(m["data"])})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        check(wait_until(lambda: r.pubsub_numsub(ch) == [(ch, 1)]), "subscribed")
        for i in range(50):
            r.publish(ch, "job-%d" % i)
        eq([received.get(timeout=5) for _ in range(50)],
               ["job-%d" % i for i in range(50)], "handled payloads")
    finally:
        worker.stop()
        worker.join(5)
        p.close()


@case
def pubsub_fanout_to_many_subscribers():
    r = conn()
    ch = k("fan:ch")
    subs = [r.pubsub() for _ in range(10)]
    try:
        for s in subs:
            s.subscribe(ch)
            eq(next_message(s, ("subscribe",))["data"], 1, "confirmation")
        for i in range(20):
            eq(r.publish(ch, "m%d" % i), 10, "receivers")
        for n, s in enumerate(subs):
            got = [next_message(s)["data"] for _ in range(20)]
            eq(got, ["m%d" % i for i in range(20)], "subscriber %d" % n)
    finally:
        for s in subs:
            s.close()


@case
def pubsub_binary_payloads():
    r = conn(decode_responses=False)
    ch = (NS + "bin").encode()
    p = r.pubsub()
    try:
        p.subscribe(ch)
        next_message(p, (b"subscribe", "subscribe"))
        payloads = [b"", b"\x00\xff\r\n", bytes(range(256)), b"x" * 200000]
        for pl in payloads:
            eq(r.publish(ch, pl), 1, "receivers")
        got = [next_message(p)["data"] for _ in payloads]
        eq(got, payloads, "binary payloads")
    finally:
        p.close()


# ----------------------------------------------------------------------------- blocking moves

@case
def blmove_waits_for_a_push():
    r = conn()
    waiter = conn()
    src, dst = k("bm:src"), k("bm:dst")
    try:
        before = blocked_clients(r)
        job = Background(waiter.blmove, src, dst, 0, "RIGHT", "LEFT")
        wait_blocked(r, before + 1, exactly=True)
        eq(r.rpush(src, "a", "b"), 2, "RPUSH")
        eq(job.get(), "b", "BLMOVE result")
        eq(r.lrange(dst, 0, -1), ["b"], "destination")
        eq(r.lrange(src, 0, -1), ["a"], "source")
        t0 = time.monotonic()
        eq(waiter.blmove(k("bm:none"), dst, 0.2), None, "BLMOVE timeout")
        check(time.monotonic() - t0 >= 0.15, "waited for the timeout")
    finally:
        drop(r, "bm:src", "bm:dst")


@case
def brpoplpush_waits_and_times_out():
    r = conn()
    waiter = conn()
    src, dst = k("brpl:src"), k("brpl:dst")
    try:
        before = blocked_clients(r)
        job = Background(waiter.brpoplpush, src, dst, 5)
        wait_blocked(r, before + 1, exactly=True)
        r.lpush(src, "x", "y")
        eq(job.get(), "x", "BRPOPLPUSH result")
        eq(r.lrange(dst, 0, -1), ["x"], "destination")
        eq(waiter.brpoplpush(k("brpl:none"), dst, 1), None, "timeout")
    finally:
        r.delete(src, dst)


@case
def blmpop_and_lmpop():
    r = conn()
    waiter = conn()
    k1, k2 = k("mp:1"), k("mp:2")
    try:
        r.rpush(k2, "a", "b", "c")
        eq(r.lmpop(2, k1, k2, direction="LEFT"), [k2, ["a"]], "LMPOP")
        eq(r.lmpop(2, k1, k2, direction="RIGHT", count=5), [k2, ["c", "b"]], "LMPOP COUNT")
        eq(r.lmpop(2, k1, k2, direction="LEFT"), None, "LMPOP on nothing")
        eq(waiter.blmpop(0.1, 2, k1, k2, direction="LEFT"), None, "BLMPOP timeout")
        before = blocked_clients(r)
        job = Background(waiter.blmpop, 0, 2, k1, k2, direction="LEFT", count=2)
        wait_blocked(r, before + 1, exactly=True)
        r.rpush(k2, "x", "y", "z")
        eq(job.get(), [k2, ["x", "y"]], "BLMPOP served")
        eq(r.lrange(k2, 0, -1), ["z"], "rest stays")
        try:
            r.execute_command("BLMPOP", 0, 0, k1, "LEFT")
            raise AssertionError("no error")
        except ResponseError as e:
            eq(str(e), "numkeys should be greater than 0", "error text")
    finally:
        r.delete(k1, k2)


@case
def client_unblock_from_redis_py():
    r = conn()
    waiter = conn()
    try:
        wid = waiter.client_id()
        before = blocked_clients(r)
        job = Background(waiter.blmove, k("ub:src"), k("ub:dst"), 0)
        wait_blocked(r, before + 1, exactly=True)
        eq(r.client_unblock(wid), True, "CLIENT UNBLOCK")
        eq(job.get(), None, "unblocked BLMOVE returns None")
        eq(r.client_unblock(wid), False, "not blocked any more")
        job = Background(waiter.blpop, k("ub:src"), 0)
        wait_blocked(r, before + 1, exactly=True)
        eq(r.client_unblock(wid, error=True), True, "CLIENT UNBLOCK ERROR")
        try:
            job.get()
            raise AssertionError("BLPOP did not raise")
        except ResponseError as e:
            eq(str(e), "UNBLOCKED client unblocked via CLIENT UNBLOCK", "error text")
        eq(waiter.ping(), True, "connection usable")
    finally:
        drop(r, "ub:src", "ub:dst")


@case
def reliable_queue_pattern():
    """Producers LPUSH; workers BLMOVE to a processing list, work, LREM; every job done once."""
    r = conn()
    q, processing = k("rq:queue"), k("rq:processing")
    n_jobs, n_workers = 300, 3
    done = queue.Queue()
    stop = threading.Event()
    errors = []

    def worker(wid):
        try:
            c = conn()
            while not stop.is_set():
                job = c.blmove(q, processing, 0.2, "RIGHT", "LEFT")
                if job is None:
                    continue
                removed = c.lrem(processing, 1, job)  # the acknowledgement
                if removed != 1:
                    errors.append("LREM of %s removed %r" % (job, removed))
                done.put((wid, job))
        except Exception as e:
            errors.append("worker %d: %r" % (wid, e))

    def producer(start, count):
        c = conn()
        for i in range(start, start + count):
            c.lpush(q, "job-%04d" % i)

    try:
        ws = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n_workers)]
        for w in ws:
            w.start()
        ps = [threading.Thread(target=producer, args=(i * 100, 100)) for i in range(3)]
        for p in ps:
            p.start()
        for p in ps:
            p.join(30)
        results = []
        while len(results) < n_jobs:
            try:
                results.append(done.get(timeout=10))
            except queue.Empty:
                raise AssertionError("only %d of %d jobs done; errors: %s"
                                     % (len(results), n_jobs, errors))
        stop.set()
        for w in ws:
            w.join(5)
        eq(errors, [], "worker errors")
        jobs = sorted(j for _, j in results)
        eq(jobs, ["job-%04d" % i for i in range(n_jobs)], "each job processed exactly once")
        check(done.empty(), "no job processed twice")
        eq(r.llen(q), 0, "queue drained")
        eq(r.llen(processing), 0, "processing list empty")
        print("#   per worker: %s" % sorted(
            sum(1 for w, _ in results if w == i) for i in range(n_workers)), flush=True)
    finally:
        stop.set()
        r.delete(q, processing)


@case
def reliable_queue_recovers_a_crashed_workers_job():
    r = conn()
    q, processing = k("rq2:queue"), k("rq2:processing")
    try:
        r.lpush(q, "j1", "j2", "j3")
        # A worker takes j1 and dies before acknowledging it.
        eq(r.lmove(q, processing, "RIGHT", "LEFT"), "j1", "take j1")
        # Another takes j2 and acknowledges it.
        eq(r.lmove(q, processing, "RIGHT", "LEFT"), "j2", "take j2")
        eq(r.lrem(processing, 1, "j2"), 1, "ack j2")
        eq(r.lrange(processing, 0, -1), ["j1"], "j1 stranded in processing")
        # The reaper puts stranded jobs back at the consuming end of the queue.
        while r.lmove(processing, q, "RIGHT", "RIGHT") is not None:
            pass
        eq(r.lrange(q, 0, -1), ["j3", "j1"], "j1 is next again")
        eq(r.blmove(q, processing, 1, "RIGHT", "LEFT"), "j1", "j1 redelivered")
        eq(r.lrem(processing, 0, "j1"), 1, "ack j1")
        eq(r.lpos(q, "j3"), 0, "LPOS of the remaining job")
        eq(r.exists(processing), 0, "processing list gone when empty")
    finally:
        r.delete(q, processing)


def main():
    global HOST, PORT
    a = pbtest.parse_args(__doc__, ALL_TESTS)
    HOST, PORT = a.host, a.port
    return pbtest.run(a.tests, "redis-py %s (queue patterns) against %s:%d"
                      % (redis.__version__, HOST, PORT))


if __name__ == "__main__":
    sys.exit(main())
