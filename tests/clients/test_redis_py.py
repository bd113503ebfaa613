#!/usr/bin/python3
"""Drive a Redis-protocol server with redis-py, the way applications use it.

Run with Debian's /usr/bin/python3 (python3-redis 4.3.4), not a pyenv python.

Server under test: --port/--host/--dir/--server-bin, or PB_PORT, PB_HOST, PB_DIR
and PB_SERVER_BIN from the environment (tests/clients/run sets them).
PB_SERVER_BIN is needed for the AUTH test, which starts a second server with
--requirepass; PB_DIR lets CONFIG GET dir be checked.

Output is TAP: "ok N - name" / "not ok N - name" plus "# ..." diagnostics,
then "1..N".  Exit status 1 if any test failed.
"""

import gc
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import redis
from redis.exceptions import AuthenticationError, ResponseError

import pbtest
from pbtest import check, eq, raises, start_server, wait_blocked, wait_until

HOST = "127.0.0.1"
PORT = 0
DIR = ""
SERVER_BIN = ""
PREFIX = "pbpy:%d:%d:" % (os.getpid(), random.randrange(1 << 30))

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def client(db=0, decode=True, **kw):
    return redis.Redis(host=HOST, port=PORT, db=db, decode_responses=decode,
                       socket_timeout=30, **kw)


def key(name):
    return PREFIX + name


def wipe(r, pattern="*"):
    """Delete this run's keys (matching pattern) in r's database."""
    ks = list(r.scan_iter(match=PREFIX + pattern, count=500))
    for i in range(0, len(ks), 500):
        r.delete(*ks[i:i + 500])


# --------------------------------------------------------------------------- lists

@test
def lists_push_range_pop():
    r = client()
    k = key("list")
    try:
        eq(r.rpush(k, "a", "b", "c"), 3, "RPUSH")
        eq(r.lpush(k, "z"), 4, "LPUSH")
        eq(r.lpush(k, "y", "x"), 6, "LPUSH two values")
        eq(r.lrange(k, 0, -1), ["x", "y", "z", "a", "b", "c"], "LRANGE 0 -1")
        eq(r.lrange(k, 1, 2), ["y", "z"], "LRANGE 1 2")
        eq(r.lrange(k, -2, -1), ["b", "c"], "LRANGE -2 -1")
        eq(r.lrange(k, 10, 20), [], "LRANGE past the end")
        eq(r.llen(k), 6, "LLEN")
        eq(r.lpop(k), "x", "LPOP")
        eq(r.lpop(k, 2), ["y", "z"], "LPOP count 2")
        eq(r.rpop(k), "c", "RPOP")
        eq(r.lpop(k, 10), ["a", "b"], "LPOP count larger than the list")
        eq(r.exists(k), 0, "list deleted when emptied")
        eq(r.lpop(k), None, "LPOP on missing key")
        eq(r.lpop(k, 3), None, "LPOP count on missing key")
        eq(r.lrange(k, 0, -1), [], "LRANGE on missing key")
        eq(r.llen(k), 0, "LLEN on missing key")
    finally:
        r.delete(k)


@test
def lists_binary_safe_values():
    r = client(decode=False)
    k = key("bin")
    vals = [b"", b"\x00\x01\x02", b"line1\r\nline2\n", bytes(range(256)), b"x" * 100000]
    try:
        eq(r.rpush(k, *vals), len(vals), "RPUSH")
        eq(r.lrange(k, 0, -1), vals, "LRANGE returns the bytes pushed")
        eq(r.lpop(k, len(vals)), vals, "LPOP count returns the bytes pushed")
    finally:
        r.delete(k)


@test
def lists_wrongtype_leaves_data():
    r = client()
    k, lk = key("stream"), key("notastream")
    try:
        r.delete(k, lk)
        sid = r.xadd(k, {"f": "v"})
        eq(r.type(k), "stream", "TYPE")
        raises(ResponseError, r.lpush, k, "x", contains="WRONGTYPE")
        raises(ResponseError, r.rpush, k, "x", contains="WRONGTYPE")
        raises(ResponseError, r.lrange, k, 0, -1, contains="WRONGTYPE")
        raises(ResponseError, r.llen, k, contains="WRONGTYPE")
        raises(ResponseError, r.lpop, k, contains="WRONGTYPE")
        raises(ResponseError, r.blpop, [k], 1, contains="WRONGTYPE")
        raises(ResponseError, r.lmove, k, lk, "LEFT", "RIGHT", contains="WRONGTYPE")
        eq(r.exists(lk), 0, "LMOVE from a stream created no destination")
        eq(r.xlen(k), 1, "stream untouched after WRONGTYPE")
        eq(r.xrange(k), [(sid, {"f": "v"})], "stream entry untouched after WRONGTYPE")
        # And the other way round: stream commands on a list.
        r.rpush(lk, "a", "b")
        raises(ResponseError, r.xadd, lk, {"f": "v"}, contains="WRONGTYPE")
        raises(ResponseError, r.xlen, lk, contains="WRONGTYPE")
        raises(ResponseError, r.xread, {lk: "0"}, contains="WRONGTYPE")
        raises(ResponseError, r.xgroup_create, lk, "g", contains="WRONGTYPE")
        eq(r.lrange(lk, 0, -1), ["a", "b"], "list untouched after WRONGTYPE")
    finally:
        r.delete(k, lk)


@test
def lists_argument_errors():
    r = client()
    k = key("args")
    try:
        r.rpush(k, "a")
        raises(ResponseError, r.execute_command, "LPUSH", k,
               contains="wrong number of arguments for 'lpush' command")
        raises(ResponseError, r.lrange, k, "x", -1, contains="value is not an integer or out of range")
        raises(ResponseError, r.lpop, k, -1, contains="must be positive")
        raises(ResponseError, r.blpop, [k], "soon", contains="timeout is not a float or out of range")
        raises(ResponseError, r.blpop, [k], -1, contains="timeout is negative")
        eq(r.lrange(k, 0, -1), ["a"], "list untouched by the bad commands")
    finally:
        r.delete(k)


@test
def blpop_times_out():
    r = client()
    k = key("empty")
    r.delete(k)
    t0 = time.monotonic()
    eq(r.blpop([k], timeout=1), None, "BLPOP timeout 1 on empty list")
    dt = time.monotonic() - t0
    check(0.9 <= dt < 3.0, "BLPOP timeout 1 took %.2fs" % dt)
    t0 = time.monotonic()
    eq(r.blpop([k], timeout=0.3), None, "BLPOP with a fractional timeout")
    dt = time.monotonic() - t0
    check(0.25 <= dt < 2.0, "BLPOP timeout 0.3 took %.2fs" % dt)
    eq(r.ping(), True, "connection usable after the timeout")


@test
def blpop_returns_at_once_when_data_present():
    r = client()
    k1, k2 = key("bl1"), key("bl2")
    try:
        r.delete(k1, k2)
        r.rpush(k2, "v1", "v2")
        t0 = time.monotonic()
        eq(r.blpop([k1, k2], timeout=5), (k2, "v1"), "BLPOP picks the first non-empty list")
        check(time.monotonic() - t0 < 1.0, "BLPOP with data present blocked")
        eq(r.brpop([k1, k2], timeout=5), (k2, "v2"), "BRPOP")
        eq(r.exists(k2), 0, "list gone after popping its last element")
    finally:
        r.delete(k1, k2)


@test
def blpop_woken_by_another_connection():
    waiter, pusher = client(), client()
    k = key("wake")
    waiter.delete(k)
    result = {}

    def consume():
        t0 = time.monotonic()
        try:
            result["v"] = waiter.blpop([k], timeout=10)
        except Exception as e:  # reported below
            result["err"] = e
        result["dt"] = time.monotonic() - t0

    th = threading.Thread(target=consume)
    th.start()
    try:
        wait_blocked(pusher, 1)
        time.sleep(0.2)
        eq(pusher.rpush(k, "hello"), 1, "RPUSH onto the list a client waits on")
        th.join(10)
        check(not th.is_alive(), "BLPOP not woken within 10s")
        if "err" in result:
            raise result["err"]
        eq(result["v"], (k, "hello"), "woken BLPOP reply")
        check(0.2 <= result["dt"] < 5.0, "woken after %.2fs" % result["dt"])
        eq(pusher.llen(k), 0, "element delivered once, not left in the list")
    finally:
        th.join(15)
        pusher.delete(k)


@test
def blpop_waiters_served_in_order():
    k = key("fifo")
    a, b, pusher = client(), client(), client()
    pusher.delete(k)
    got = {}

    def wait(name, c):
        got[name] = c.blpop([k], timeout=10)

    ta = threading.Thread(target=wait, args=("a", a))
    tb = threading.Thread(target=wait, args=("b", b))
    try:
        ta.start()
        wait_blocked(pusher, 1)
        tb.start()
        wait_blocked(pusher, 2)
        eq(pusher.rpush(k, "first", "second"), 2, "RPUSH two")
        ta.join(10)
        tb.join(10)
        eq(got.get("a"), (k, "first"), "client blocked first gets the first element")
        eq(got.get("b"), (k, "second"), "client blocked second gets the second element")
    finally:
        ta.join(15)
        tb.join(15)
        pusher.delete(k)


@test
def competing_consumers_threads():
    """4 producers and 4 BLPOP consumers sharing one connection pool."""
    pool = redis.ConnectionPool(host=HOST, port=PORT, decode_responses=True, socket_timeout=30)
    r = redis.Redis(connection_pool=pool)
    k = key("jobs")
    r.delete(k)
    per, nprod, ncons = 500, 4, 4
    consumed = [[] for _ in range(ncons)]
    errors = []

    def produce(p):
        try:
            for i in range(per):
                r.rpush(k, "%d:%d" % (p, i))
        except Exception as e:
            errors.append(e)

    def consume(c):
        try:
            while True:
                item = r.blpop([k], timeout=2)
                if item is None:
                    return
                consumed[c].append(item[1])
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=consume, args=(c,)) for c in range(ncons)]
    threads += [threading.Thread(target=produce, args=(p,)) for p in range(nprod)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        check(not errors, "errors in threads: %r" % errors[:3])
        allv = [v for c in consumed for v in c]
        eq(len(allv), per * nprod, "messages consumed")
        eq(set(allv), {"%d:%d" % (p, i) for p in range(nprod) for i in range(per)},
           "every message consumed exactly once")
        # FIFO per producer: each consumer sees any one producer's messages in order.
        for c in consumed:
            for p in range(nprod):
                seq = [int(v.split(":")[1]) for v in c if v.startswith("%d:" % p)]
                eq(seq, sorted(seq), "per-producer order seen by a consumer")
    finally:
        r.delete(k)
        pool.disconnect()


# ----------------------------------------------------------------------- pipelines

@test
def pipeline_many_commands():
    r = client()
    k, c = key("pipe"), key("pipecount")
    try:
        p = r.pipeline(transaction=False)
        n = 5000
        for i in range(n):
            p.rpush(k, str(i))
        p.llen(k)
        p.lrange(k, 0, 4)
        for i in range(100):
            p.rpush(c, str(i))
        p.lpop(k, 3)
        res = p.execute()
        eq(len(res), n + 2 + 100 + 1, "number of replies")
        eq(res[:n], list(range(1, n + 1)), "RPUSH replies in order")
        eq(res[n], n, "LLEN in pipeline")
        eq(res[n + 1], ["0", "1", "2", "3", "4"], "LRANGE in pipeline")
        eq(res[n + 2:n + 102], list(range(1, 101)), "RPUSH replies on a second list in order")
        eq(res[-1], ["0", "1", "2"], "LPOP count in pipeline")
        eq(r.llen(k), n - 3, "LLEN after pipeline")
        # A second pipeline on the same client, with large values.
        big = "v" * 65536
        p = r.pipeline(transaction=False)
        for _ in range(64):
            p.rpush(k, big)
        p.rpop(k)
        res = p.execute()
        eq(res[-1], big, "large value back through a pipeline")
    finally:
        r.delete(k, c)


@test
def pipeline_error_does_not_stop_others():
    r = client()
    k = key("plist")
    try:
        r.delete(k)
        p = r.pipeline(transaction=False)
        p.rpush(k, "a")
        p.execute_command("LPUSH", k)  # wrong number of arguments
        p.rpush(k, "b")
        p.execute_command("NOSUCHCOMMAND-XYZ", k)
        p.rpush(k, "c")
        res = p.execute(raise_on_error=False)
        eq(len(res), 5, "replies")
        eq(res[0], 1, "command before the error")
        check(isinstance(res[1], ResponseError) and "wrong number of arguments" in str(res[1]),
              "arity error reply in place: %r" % (res[1],))
        eq(res[2], 2, "command after the error still ran")
        check(isinstance(res[3], ResponseError) and "unknown command" in str(res[3]),
              "unknown-command error reply in place: %r" % (res[3],))
        eq(res[4], 3, "command after the second error still ran")
        p = r.pipeline(transaction=False)
        p.execute_command("LPUSH", k)
        p.rpush(k, "d")
        raises(ResponseError, p.execute)
        eq(r.lrange(k, 0, -1), ["a", "b", "c", "d"], "commands around a raised error applied")
    finally:
        r.delete(k)


# ----------------------------------------------------------------------- databases

@test
def select_db_from_url():
    k = key("db")
    r0 = client()
    r1 = redis.Redis.from_url("redis://%s:%d/1" % (HOST, PORT), decode_responses=True)
    r2 = redis.Redis.from_url("redis://%s:%d?db=2" % (HOST, PORT), decode_responses=True)
    try:
        eq(r1.connection_pool.connection_kwargs.get("db"), 1, "db parsed from the URL path")
        r0.delete(k)
        r1.delete(k)
        r2.delete(k)
        eq(r1.rpush(k, "one"), 1, "RPUSH in db 1")
        eq(r0.lrange(k, 0, -1), [], "db 0 does not see db 1's key")
        eq(r0.exists(k), 0, "EXISTS in db 0")
        r0.rpush(k, "zero", "zero")
        r2.rpush(k, "two", "two", "two")
        eq(r1.lrange(k, 0, -1), ["one"], "db 1 keeps its own list")
        eq(r0.llen(k), 2, "db 0 list")
        eq(r2.llen(k), 3, "db 2 (from ?db=2) holds its own list under the same name")
        r1.connection_pool.disconnect()
        eq(r1.lrange(k, 0, -1), ["one"], "db 1 selected again after reconnect")
        eq(r1.dbsize() >= 1, True, "DBSIZE in db 1")
        ks = r1.info("keyspace")
        check("db1" in ks and ks["db1"]["keys"] >= 1, "INFO keyspace lists db1: %r" % ks)
        raises(ResponseError, r0.execute_command, "SELECT", 16, contains="out of range")
        raises(ResponseError, r0.execute_command, "SELECT", "x")
    finally:
        r0.delete(k)
        r1.delete(k)
        r2.delete(k)


# ----------------------------------------------------------------------- expiry

@test
def expire_and_ttl():
    r = client()
    k, l, gone = key("ttl"), key("ttllist"), key("nokey")
    try:
        r.delete(gone, k)
        r.rpush(k, "v")
        eq(r.ttl(k), -1, "TTL without expiry")
        eq(r.expire(k, 100), True, "EXPIRE")
        t = r.ttl(k)
        check(98 <= t <= 100, "TTL after EXPIRE 100: %r" % t)
        pt = r.pttl(k)
        check(97000 <= pt <= 100000, "PTTL after EXPIRE 100: %r" % pt)
        eq(r.persist(k), True, "PERSIST")
        eq(r.ttl(k), -1, "TTL after PERSIST")
        eq(r.ttl(gone), -2, "TTL of a missing key")
        eq(r.pttl(gone), -2, "PTTL of a missing key")
        eq(r.expire(gone, 10), False, "EXPIRE on a missing key")
        eq(r.expire(k, 50), True, "EXPIRE 50")
        r.rpush(k, "w")
        r.lpop(k)
        t = r.ttl(k)
        check(48 <= t <= 50, "TTL kept when the list is pushed to and popped from: %r" % t)
        r.delete(k)
        r.rpush(k, "v")
        eq(r.ttl(k), -1, "a list re-created after DEL has no TTL")
        eq(r.expire(k, 0), True, "EXPIRE 0")
        eq(r.exists(k), 0, "EXPIRE 0 deletes the key")
        r.rpush(k, "v")
        eq(r.expireat(k, int(time.time()) + 200), True, "EXPIREAT")
        t = r.ttl(k)
        check(195 <= t <= 200, "TTL after EXPIREAT +200: %r" % t)
        # A queue (list) with a TTL vanishes when it expires.
        r.rpush(l, "a", "b")
        eq(r.pexpire(l, 200), True, "PEXPIRE on a list")
        eq(r.lrange(l, 0, -1), ["a", "b"], "list readable before expiry")
        time.sleep(0.5)
        eq(r.exists(l), 0, "list gone after expiry")
        eq(r.lpop(l), None, "LPOP on the expired list")
        eq(r.ttl(l), -2, "TTL of the expired list")
    finally:
        r.delete(k, l)


# ----------------------------------------------------------------------- scanning

@test
def scan_iter_finds_all_keys():
    r = client()
    r1 = client(db=1)
    # Two families of list keys, told apart by the MATCH pattern.
    strings = {key("scan:s:%d" % i) for i in range(300)}
    lists = {key("scan:l:%d" % i) for i in range(25)}
    other_db = key("scan:s:db1only")
    try:
        p = r.pipeline(transaction=False)
        for k in strings:
            p.rpush(k, "v")
        for k in lists:
            p.rpush(k, "a")
        p.execute()
        r1.rpush(other_db, "v")
        found = list(r.scan_iter(match=key("scan:*"), count=50))
        eq(set(found), strings | lists, "SCAN MATCH over all keys")
        eq(set(r.scan_iter(match=key("scan:l:*"))), lists, "SCAN MATCH on a narrower pattern")
        eq(set(r.scan_iter(match=key("scan:*"), _type="list")), strings | lists, "SCAN TYPE list")
        eq(set(r.scan_iter(match=key("scan:*"), _type="string")), set(), "SCAN TYPE string")
        eq(list(r.scan_iter(match=key("nothing:*"))), [], "SCAN MATCH with no match")
        # The raw cursor loop, as written by hand.
        cursor, seen, calls = 0, set(), 0
        while True:
            cursor, batch = r.scan(cursor=cursor, match=key("scan:*"), count=10)
            seen.update(batch)
            calls += 1
            check(calls < 10000, "SCAN cursor never returned to 0")
            if cursor == 0:
                break
        eq(seen, strings | lists, "manual SCAN cursor loop")
        check(other_db not in set(r.scan_iter(match=key("scan:*"))), "db 1 key not seen from db 0")
    finally:
        wipe(r, "scan:*")
        r1.delete(other_db)


# ----------------------------------------------------------------------- server info

@test
def config_get():
    r = client()
    eq(r.config_get("port"), {"port": str(PORT)}, "CONFIG GET port")
    if DIR:
        got = r.config_get("dir").get("dir")
        eq(os.path.realpath(got or ""), os.path.realpath(DIR), "CONFIG GET dir")
    mc = r.config_get("maxclients").get("maxclients")
    check(mc is not None and mc.isdigit() and int(mc) > 0, "CONFIG GET maxclients: %r" % mc)
    eq(r.config_get("databases"), {"databases": "16"}, "CONFIG GET databases")
    fs = r.config_get("*fsync*")
    check(fs.get("appendfsync") in ("always", "everysec", "no"),
          "CONFIG GET *fsync* includes appendfsync: %r" % fs)
    eq(r.config_get("no-such-option-xyz"), {}, "CONFIG GET of an unknown name")
    both = r.execute_command("CONFIG GET", "port", "databases")
    eq(both, {"port": str(PORT), "databases": "16"}, "CONFIG GET with two names")


@test
def info_dict():
    r = client()
    k, kt = key("info"), key("infottl")
    extra = []
    try:
        r.rpush(k, "v")
        r.rpush(kt, "v")
        r.expire(kt, 1000)
        info = r.info()
        check(isinstance(info, dict), "INFO parses to a dict")
        ver = str(info.get("redis_version", ""))
        parts = ver.split(".")
        check(len(parts) >= 2 and all(x.isdigit() for x in parts) and int(parts[0]) >= 6,
              "redis_version looks like a Redis >= 6 version: %r" % ver)
        eq(info.get("tcp_port"), PORT, "tcp_port")
        check(isinstance(info.get("uptime_in_seconds"), int), "uptime_in_seconds is an int")
        check(isinstance(info.get("connected_clients"), int) and info["connected_clients"] >= 1,
              "connected_clients: %r" % info.get("connected_clients"))
        check(isinstance(info.get("used_memory"), int), "used_memory is an int")
        # The default INFO includes the keyspace section.
        db0 = info.get("db0")
        check(isinstance(db0, dict), "db0 in INFO: %r" % db0)
        for field in ("keys", "expires", "avg_ttl"):
            check(field in db0, "db0 has %s: %r" % (field, db0))
        # keys/expires agree with what the client can count itself.
        ks = r.info("keyspace")["db0"]
        eq(ks["keys"], r.dbsize(), "db0 keys == DBSIZE")
        with_ttl = sum(1 for x in r.scan_iter(count=1000) if r.ttl(x) >= 0)
        eq(ks["expires"], with_ttl, "db0 expires == keys with a TTL")
        r.delete(kt)
        eq(r.info("keyspace")["db0"]["expires"], with_ttl - 1, "expires drops after DEL")
        # Sections.
        srv = r.info("server")
        check("redis_version" in srv and "connected_clients" not in srv, "INFO server section only")
        check("connected_clients" in r.info("clients"), "INFO clients section")
        # connected_clients follows connections opening and closing.  Let the
        # connections of earlier tests finish closing first.
        gc.collect()
        last = [None]

        def settled():
            now = r.info("clients")["connected_clients"]
            same, last[0] = now == last[0], now
            return same

        wait_until(settled, timeout=5, step=0.2)
        base = r.info("clients")["connected_clients"]
        for _ in range(3):
            c = client()
            c.ping()
            extra.append(c)
        eq(r.info("clients")["connected_clients"], base + 3, "connected_clients after 3 connects")
        for c in extra:
            c.connection_pool.disconnect()
        extra.clear()
        check(wait_until(lambda: r.info("clients")["connected_clients"] == base),
              "connected_clients back to %d after disconnects" % base)
    finally:
        for c in extra:
            c.connection_pool.disconnect()
        r.delete(k, kt)


@test
def client_setname_getname():
    r = client()
    eq(r.client_getname(), None, "name of a fresh connection")
    eq(r.client_setname("pb-worker-1"), True, "CLIENT SETNAME")
    eq(r.client_getname(), "pb-worker-1", "CLIENT GETNAME")
    cid = r.client_id()
    check(isinstance(cid, int) and cid > 0, "CLIENT ID: %r" % cid)
    entries = r.client_list()
    mine = [e for e in entries if e.get("name") == "pb-worker-1"]
    eq(len(mine), 1, "CLIENT LIST shows the name once")
    eq(int(mine[0]["id"]), cid, "CLIENT LIST entry has our id")
    raises(ResponseError, r.client_setname, "has space")
    eq(r.client_getname(), "pb-worker-1", "name unchanged after a rejected SETNAME")
    named = client(client_name="pb-auto")
    eq(named.client_getname(), "pb-auto", "client_name= is set on connect")
    eq(r.client_setname(""), True, "CLIENT SETNAME '' clears the name")
    eq(r.client_getname(), None, "GETNAME after clearing")


@test
def auth_with_requirepass():
    if not SERVER_BIN:
        raise AssertionError("PB_SERVER_BIN / --server-bin not given: cannot start a --requirepass server")
    pw = "pb-s3cret-%d" % random.randrange(1 << 30)
    tmp = tempfile.mkdtemp(prefix="pb-client-auth.")
    proc = None
    try:
        proc, port = start_server(SERVER_BIN, tmp, ["--requirepass", pw], host=HOST, password=pw)
        check(proc is not None, "second server with --requirepass did not start")

        def c(**kw):
            return redis.Redis(host=HOST, port=port, decode_responses=True, socket_timeout=10, **kw)

        raises(AuthenticationError, c().ping, contains="Authentication required")
        raises(AuthenticationError, c().rpush, key("a"), "v", contains="Authentication required")
        e = raises((AuthenticationError, ResponseError), c(password="wrong").ping)
        check("WRONGPASS" in str(e) or "invalid" in str(e).lower(), "wrong password error: %r" % str(e))
        good = c(password=pw)
        eq(good.ping(), True, "PING with the password")
        eq(good.rpush(key("a"), "v"), 1, "RPUSH after AUTH")
        eq(good.lrange(key("a"), 0, -1), ["v"], "LRANGE after AUTH")
        eq(c(username="default", password=pw).llen(key("a")), 1, "AUTH default <password>")
        viaurl = redis.Redis.from_url("redis://:%s@%s:%d/3" % (pw, HOST, port), decode_responses=True)
        eq(viaurl.rpush(key("b"), "db3"), 1, "password and db from the URL")
        eq(good.exists(key("b")), 0, "URL client wrote to db 3, not db 0")
        eq(c(password=pw, db=3).lrange(key("b"), 0, -1), ["db3"], "db 3 list")
        late = c()
        raises(AuthenticationError, late.llen, key("a"), contains="Authentication required")
        eq(late.execute_command("AUTH", pw), True, "AUTH command on an open connection")
        eq(late.llen(key("a")), 1, "commands work after AUTH")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        subprocess.run(["rm", "-rf", "--", tmp], check=False)


# --------------------------------------------------------------------------- main

def main():
    global HOST, PORT, DIR, SERVER_BIN
    a = pbtest.parse_args(__doc__, TESTS, "dir", "server-bin")
    HOST, PORT, DIR, SERVER_BIN = a.host, a.port, a.dir, a.server_bin
    return pbtest.run(a.tests, "redis-py %s against %s:%d" % (redis.__version__, HOST, PORT))


if __name__ == "__main__":
    sys.exit(main())
