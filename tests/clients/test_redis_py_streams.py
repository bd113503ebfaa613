#!/usr/bin/python3
"""Streams and consumer groups through redis-py, the way applications use them: producers with
MAXLEN, worker pools on XREADGROUP BLOCK, XACK, recovery of a crashed worker's messages with
XPENDING/XCLAIM/XAUTOCLAIM, XINFO through redis-py's reply parsers, blocking XREAD,
MULTI/EXEC, RESP3 reply types and a restart of the server.

Run with Debian's /usr/bin/python3 (python3-redis 4.3.4, which has no protocol=3: the RESP3
test speaks RESP3 over a plain socket).

Server under test: --host/--port/--server-bin, or PB_HOST, PB_PORT and PB_SERVER_BIN from the
environment (tests/clients/run sets them).  PB_SERVER_BIN is needed by the restart test, which
starts a second server of its own on a temporary --dir.  Output is TAP ("ok N - name",
"not ok N - name" with "# " diagnostics, then "1..N"); exit status 1 if any test failed.  Every
key carries a per-run prefix.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis
from redis.exceptions import ResponseError, WatchError

import pbtest
from pbtest import Background, check, eq, raises, start_server, wait_blocked, wait_until

HOST = "127.0.0.1"
PORT = 0
SERVER_BIN = ""
PREFIX = "pbst:%d:%x:" % (os.getpid(), random.getrandbits(32))

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def client(decode=True, port=None, **kw):
    return redis.Redis(host=HOST, port=port or PORT, decode_responses=decode,
                       socket_timeout=30, **kw)


def key(name):
    return PREFIX + name


def sid(s):
    """A stream id as a comparable (ms, seq) tuple."""
    ms, seq = s.split("-")
    return int(ms), int(seq)


# ------------------------------------------------------------------------------- producers

@test
def producer_xadd_with_maxlen():
    r = client()
    s, a, b = key("events"), key("approx"), key("bin")
    try:
        r.delete(s, a, b)
        eq(r.xadd(s, {"n": "0"}, nomkstream=True), None, "XADD NOMKSTREAM on a missing key")
        eq(r.exists(s), 0, "NOMKSTREAM created no key")

        # Exact MAXLEN: the stream never holds more than 10 entries, the newest ones.
        p = r.pipeline(transaction=False)
        for i in range(25):
            p.xadd(s, {"n": str(i), "kind": "exact"}, maxlen=10, approximate=False)
        ids = p.execute()
        eq(len(set(ids)), 25, "25 distinct ids")
        eq([sid(x) for x in ids], sorted(sid(x) for x in ids), "ids increase")
        eq(r.xlen(s), 10, "XLEN after XADD MAXLEN = 10")
        got = r.xrange(s)
        eq([e[0] for e in got], ids[-10:], "XRANGE holds the 10 newest ids")
        eq(got[0][1], {"n": "15", "kind": "exact"}, "oldest kept entry's fields")
        eq(r.xrevrange(s, count=2), [(ids[-1], {"n": "24", "kind": "exact"}),
                                     (ids[-2], {"n": "23", "kind": "exact"})], "XREVRANGE COUNT 2")
        eq(r.xrange(s, min=ids[20], max=ids[22]), got[5:8], "XRANGE between two ids")
        raises(ResponseError, r.xadd, s, {"x": "y"}, id="1-1",
               contains="equal or smaller than the target stream top item")
        eq(r.xtrim(s, minid=ids[-3], approximate=False), 7, "XTRIM MINID removes the older entries")
        eq([e[0] for e in r.xrange(s)], ids[-3:], "entries left after XTRIM MINID")

        # Approximate MAXLEN (~): whole nodes of stream-node-max-entries are dropped, so
        # between maxlen and maxlen + node - 1 entries remain, the newest ones.
        node = int(r.config_get("stream-node-max-entries").get("stream-node-max-entries") or 100)
        total = 10 * node + node // 2
        p = r.pipeline(transaction=False)
        for i in range(total):
            p.xadd(a, {"n": str(i)}, maxlen=node, approximate=True)
        aids = p.execute()
        n = r.xlen(a)
        print("#   XADD MAXLEN ~ %d after %d entries: XLEN %d" % (node, total, n), flush=True)
        check(node <= n < 2 * node, "XLEN %d after MAXLEN ~ %d: not within one node" % (n, node))
        eq((total - n) % node, 0, "entries trimmed by MAXLEN ~ are whole nodes")
        first = r.xrange(a, count=1)
        eq(first, [(aids[total - n], {"n": str(total - n)})], "first entry kept")
        info = r.xinfo_stream(a)
        eq(info["length"], n, "XINFO STREAM length")
        eq(info["entries-added"], total, "XINFO STREAM entries-added counts trimmed entries")
        eq(info["last-generated-id"], aids[-1], "XINFO STREAM last-generated-id")
        eq(info["first-entry"], (aids[total - n], {"n": str(total - n)}), "first-entry parsed")
        eq(info["last-entry"], (aids[-1], {"n": str(total - 1)}), "last-entry parsed")
        eq(r.xtrim(a, maxlen=node, approximate=False), n - node, "XTRIM MAXLEN = node")
        eq(r.xlen(a), node, "XLEN after exact XTRIM")

        # Binary field names and values round-trip.
        rb = client(decode=False)
        fields = {b"bin\x00name": bytes(range(256)), b"empty": b"", b"crlf": b"a\r\nb"}
        bid = rb.xadd(b, fields)
        check(isinstance(bid, bytes), "XADD id is bytes without decode_responses: %r" % bid)
        eq(rb.xrange(b), [(bid, fields)], "binary fields through XRANGE")
    finally:
        r.delete(s, a, b)


# ------------------------------------------------------------------------------- consumer groups

@test
def consumer_group_workers_share_the_stream():
    """3 workers XREADGROUP COUNT 5 BLOCK in threads while a producer XADDs; every message is
    handled and acknowledged exactly once."""
    r = client()
    s, g = key("jobs"), "workers"
    n_msgs, names = 300, ["w0", "w1", "w2"]
    stop = threading.Event()
    handled, batches, errors = [], [], []
    lock = threading.Lock()

    def worker(name):
        try:
            c = client()
            while not stop.is_set():
                resp = c.xreadgroup(g, name, {s: ">"}, count=5, block=200)
                for stream, entries in resp:
                    if stream != s:
                        errors.append("%s: reply for stream %r" % (name, stream))
                    with lock:
                        batches.append(len(entries))
                    for mid, fields in entries:
                        with lock:
                            handled.append((name, mid, fields.get("n")))
                        if c.xack(s, g, mid) != 1:
                            errors.append("%s: XACK %s did not acknowledge" % (name, mid))
        except Exception as e:
            errors.append("%s: %r" % (name, e))

    threads = []
    try:
        r.delete(s)
        raises(ResponseError, r.xgroup_create, s, g, contains="requires the key to exist")
        eq(r.xgroup_create(s, g, id="$", mkstream=True), True, "XGROUP CREATE MKSTREAM")
        eq(r.type(s), "stream", "TYPE of the stream MKSTREAM made")
        eq(r.xlen(s), 0, "MKSTREAM makes an empty stream")
        raises(ResponseError, r.xgroup_create, s, g, contains="BUSYGROUP")
        raises(ResponseError, r.xreadgroup, "nosuchgroup", "x", {s: ">"}, contains="NOGROUP")
        groups = r.xinfo_groups(s)
        eq([(x["name"], x["consumers"], x["pending"], x["last-delivered-id"]) for x in groups],
           [(g, 0, 0, "0-0")], "XINFO GROUPS of the new group")

        # The workers block one after the other on the empty stream.
        for i, name in enumerate(names):
            t = threading.Thread(target=worker, args=(name,), daemon=True)
            t.start()
            threads.append(t)
            wait_blocked(r, i + 1)
        producer = client()
        produced = [producer.xadd(s, {"n": str(i)}) for i in range(n_msgs)]
        check(wait_until(lambda: len(handled) >= n_msgs, timeout=30),
              "only %d of %d messages handled; errors: %s" % (len(handled), n_msgs, errors[:3]))
        stop.set()
        for t in threads:
            t.join(10)
        eq(errors, [], "worker errors")
        eq(len(handled), n_msgs, "messages handled (none twice)")
        eq(sorted((m for _, m, _ in handled), key=sid), produced, "every message handled once")
        eq({m: n for _, m, n in handled}, {m: str(i) for i, m in enumerate(produced)},
           "fields delivered with their ids")
        check(max(batches) <= 5, "a batch larger than COUNT 5: %d" % max(batches))
        owner = {m: w for w, m, _ in handled}
        # XADDs are served to blocked XREADGROUPs in the order the workers blocked.
        eq([owner[m] for m in produced[:3]], names, "first three messages go to w0, w1, w2")
        print("#   per worker: %s" % {w: sum(1 for x, _, _ in handled if x == w) for w in names},
              flush=True)

        eq(r.xpending(s, g), {"pending": 0, "min": None, "max": None, "consumers": []},
           "XPENDING after every XACK")
        grp = r.xinfo_groups(s)[0]
        eq((grp["consumers"], grp["pending"], grp["last-delivered-id"], grp["entries-read"],
            grp["lag"]), (3, 0, produced[-1], n_msgs, 0), "XINFO GROUPS after the run")
        cons = r.xinfo_consumers(s, g)
        eq(sorted((c["name"], c["pending"]) for c in cons), [(w, 0) for w in names],
           "XINFO CONSUMERS: the 3 workers, nothing pending")
        check(all(isinstance(c["idle"], int) and c["idle"] >= 0 for c in cons),
              "idle is a non-negative int: %r" % cons)

        # A backlog is handed out COUNT at a time, oldest first, and BLOCK does not wait
        # when there is something to read.
        p = r.pipeline(transaction=False)
        for i in range(12):
            p.xadd(s, {"n": "b%d" % i})
        backlog = p.execute()
        t0 = time.monotonic()
        got = r.xreadgroup(g, "w0", {s: ">"}, count=5, block=5000)
        check(time.monotonic() - t0 < 1.0, "XREADGROUP BLOCK waited with a backlog")
        eq(got, [[s, [(m, {"n": "b%d" % i}) for i, m in enumerate(backlog[:5])]]],
           "XREADGROUP COUNT 5 on a backlog")
        got = r.xreadgroup(g, "w1", {s: ">"}, count=100)
        eq([m for m, _ in got[0][1]], backlog[5:], "the rest of the backlog to w1")
        eq(r.xreadgroup(g, "w2", {s: ">"}, count=5), [], "nothing left for w2")
        # History: a consumer re-reads its own pending entries with id 0.
        eq([m for m, _ in r.xreadgroup(g, "w0", {s: "0"})[0][1]], backlog[:5],
           "XREADGROUP with id 0 returns w0's pending entries")
        eq(r.xack(s, g, *backlog), 12, "XACK of the backlog")
        eq(r.xack(s, g, *backlog), 0, "XACK again acknowledges nothing")
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        r.delete(s)


IDLE_MS = 500  # "idle long enough to be presumed dead" in the claim test


@test
def crashed_consumer_messages_are_claimed():
    r = client()
    s, g = key("claim"), "g"
    try:
        r.delete(s)
        r.xgroup_create(s, g, id="0", mkstream=True)
        ids = [r.xadd(s, {"job": "j%d" % i}) for i in range(6)]
        alice = client()
        got = alice.xreadgroup(g, "alice", {s: ">"}, count=3)
        eq([m for m, _ in got[0][1]], ids[:3], "alice reads three")
        eq(alice.xack(s, g, ids[0]), 1, "alice acknowledges the first")
        alice.connection_pool.disconnect()  # alice crashes holding ids[1] and ids[2]
        time.sleep(IDLE_MS * 1.5 / 1000)
        bob = client()
        got = bob.xreadgroup(g, "bob", {s: ">"}, count=2)
        eq([m for m, _ in got[0][1]], ids[3:5], "bob reads the next two")

        summary = r.xpending(s, g)
        eq((summary["pending"], summary["min"], summary["max"]), (4, ids[1], ids[4]),
           "XPENDING summary")
        eq(sorted(summary["consumers"], key=lambda c: c["name"]),
           [{"name": "alice", "pending": 2}, {"name": "bob", "pending": 2}],
           "XPENDING summary per consumer")
        rng = r.xpending_range(s, g, "-", "+", 10)
        eq([(x["message_id"], x["consumer"], x["times_delivered"]) for x in rng],
           [(ids[1], "alice", 1), (ids[2], "alice", 1), (ids[3], "bob", 1), (ids[4], "bob", 1)],
           "XPENDING - + 10")
        check(all(x["time_since_delivered"] >= IDLE_MS for x in rng[:2]),
              "alice's entries idle >= %dms: %r" % (IDLE_MS, rng[:2]))
        check(all(x["time_since_delivered"] < IDLE_MS for x in rng[2:]),
              "bob's entries idle < %dms: %r" % (IDLE_MS, rng[2:]))
        eq([x["message_id"] for x in r.xpending_range(s, g, "-", "+", 10, idle=IDLE_MS)], ids[1:3],
           "XPENDING IDLE lists alice's entries only")
        eq([x["message_id"] for x in r.xpending_range(s, g, "-", "+", 10, consumername="bob")],
           ids[3:5], "XPENDING for consumer bob")
        eq([x["message_id"] for x in r.xpending_range(s, g, ids[2], "+", 1)], [ids[2]],
           "XPENDING from an id with count 1")

        # carol takes over one of alice's messages.
        carol = client()
        eq(carol.xclaim(s, g, "carol", IDLE_MS, [ids[1]]), [(ids[1], {"job": "j1"})],
           "XCLAIM of an idle message")
        eq(carol.xclaim(s, g, "carol", IDLE_MS, [ids[3]]), [], "XCLAIM of bob's recent message")
        eq(carol.xclaim(s, g, "carol", 60000, [ids[2]]), [], "XCLAIM with a longer min-idle")
        one = r.xpending_range(s, g, ids[1], ids[1], 1)[0]
        eq((one["consumer"], one["times_delivered"]), ("carol", 2), "claimed entry's owner/count")
        check(one["time_since_delivered"] < IDLE_MS, "XCLAIM reset the idle time: %r" % one)

        # The reaper: XAUTOCLAIM picks up what is idle, i.e. alice's other message.
        dave = client()
        nxt, claimed, deleted = dave.xautoclaim(s, g, "dave", IDLE_MS, "0-0", count=10)
        eq((nxt, claimed, deleted), ("0-0", [(ids[2], {"job": "j2"})], []), "XAUTOCLAIM")

        # Later everything is idle; one pending entry was deleted meanwhile.
        time.sleep(IDLE_MS * 1.5 / 1000)
        eq(r.xdel(s, ids[3]), 1, "XDEL of a pending entry")
        nxt, claimed, deleted = client().xautoclaim(s, g, "erin", IDLE_MS, "0-0", count=10)
        eq(nxt, "0-0", "XAUTOCLAIM cursor after a full scan")
        eq(claimed, [(ids[1], {"job": "j1"}), (ids[2], {"job": "j2"}), (ids[4], {"job": "j4"})],
           "XAUTOCLAIM claims every idle entry")
        eq(deleted, [ids[3]], "XAUTOCLAIM reports the deleted entry")
        nxt, claimed, _ = r.xautoclaim(s, g, "erin", 0, "0-0", count=1)
        eq((nxt, [m for m, _ in claimed]), (ids[2], [ids[1]]), "XAUTOCLAIM COUNT 1 cursor")
        eq(r.xautoclaim(s, g, "frank", 0, "0-0", count=1, justid=True), [ids[1]],
           "XAUTOCLAIM JUSTID")
        eq(r.xclaim(s, g, "carol", 0, [ids[2]], justid=True), [ids[2]], "XCLAIM JUSTID")
        rng = r.xpending_range(s, g, "-", "+", 10)
        eq([(x["message_id"], x["consumer"], x["times_delivered"]) for x in rng],
           [(ids[1], "frank", 4), (ids[2], "carol", 3), (ids[4], "erin", 2)],
           "PEL: owners and delivery counts (JUSTID does not count a delivery)")
        cons = {c["name"]: c["pending"] for c in r.xinfo_consumers(s, g)}
        eq(cons, {"alice": 0, "bob": 0, "carol": 1, "dave": 0, "erin": 1, "frank": 1},
           "XINFO CONSUMERS pending per consumer")
        eq(r.xack(s, g, ids[1], ids[2], ids[4]), 3, "XACK of the recovered messages")
        eq(r.xpending(s, g)["pending"], 0, "nothing pending at the end")
        eq(r.xgroup_delconsumer(s, g, "alice"), 0, "XGROUP DELCONSUMER alice")
        eq(sorted(c["name"] for c in r.xinfo_consumers(s, g)),
           ["bob", "carol", "dave", "erin", "frank"], "alice gone")
    finally:
        r.delete(s)


@test
def xinfo_replies_parse():
    r = client()
    s = key("info")
    try:
        r.delete(s)
        raises(ResponseError, r.xinfo_stream, s, contains="no such key")
        r.xgroup_create(s, "g1", id="$", mkstream=True)
        info = r.xinfo_stream(s)
        eq((info["length"], info["first-entry"], info["last-entry"], info["groups"],
            info["last-generated-id"]), (0, None, None, 1, "0-0"), "XINFO STREAM of an empty stream")
        for i in range(5):
            r.xadd(s, {"f": str(i), "g": "x"}, id="%d-0" % (i + 1))
        r.xgroup_create(s, "g2", id="0")
        r.xreadgroup("g2", "c1", {s: ">"}, count=2)
        r.xreadgroup("g2", "c2", {s: ">"}, count=1)
        # entries-read is nil for a group that has read nothing yet; lag counts the entries
        # the group has not read.
        eq(r.xinfo_groups(s),
           [{"name": "g1", "consumers": 0, "pending": 0, "last-delivered-id": "0-0",
             "entries-read": None, "lag": 5},
            {"name": "g2", "consumers": 2, "pending": 3, "last-delivered-id": "3-0",
             "entries-read": 3, "lag": 2}], "XINFO GROUPS")
        eq(r.xdel(s, "5-0"), 1, "XDEL of the last entry")

        info = r.xinfo_stream(s)
        want = {"length": 4, "last-generated-id": "5-0", "max-deleted-entry-id": "5-0",
                "entries-added": 5, "recorded-first-entry-id": "1-0", "groups": 2,
                "first-entry": ("1-0", {"f": "0", "g": "x"}),
                "last-entry": ("4-0", {"f": "3", "g": "x"})}
        eq({k: info.get(k) for k in want}, want, "XINFO STREAM")
        check(isinstance(info.get("radix-tree-keys"), int) and info["radix-tree-keys"] >= 1,
              "radix-tree-keys: %r" % info.get("radix-tree-keys"))
        check(isinstance(info.get("radix-tree-nodes"), int), "radix-tree-nodes is an int")

        # A deleted entry the groups have not read makes their lag unknowable: nil.
        eq(r.xinfo_groups(s),
           [{"name": "g1", "consumers": 0, "pending": 0, "last-delivered-id": "0-0",
             "entries-read": None, "lag": None},
            {"name": "g2", "consumers": 2, "pending": 3, "last-delivered-id": "3-0",
             "entries-read": 3, "lag": None}], "XINFO GROUPS after XDEL")
        cons = r.xinfo_consumers(s, "g2")
        eq([(c["name"], c["pending"]) for c in cons], [("c1", 2), ("c2", 1)], "XINFO CONSUMERS")
        check(all(isinstance(c["idle"], int) for c in cons), "idle parsed as int: %r" % cons)
        eq(r.xinfo_consumers(s, "g1"), [], "XINFO CONSUMERS of a group without consumers")
        raises(ResponseError, r.xinfo_consumers, s, "nope", contains="NOGROUP")

        full = r.xinfo_stream(s, full=True)
        eq(full["entries"], {"%d-0" % (i + 1): {"f": str(i), "g": "x"} for i in range(4)},
           "XINFO STREAM FULL entries")
        eq(full["length"], 4, "XINFO STREAM FULL length")
        byname = {x["name"]: x for x in full["groups"]}
        eq(sorted(byname), ["g1", "g2"], "XINFO STREAM FULL groups")
        g2 = byname["g2"]
        eq((g2["last-delivered-id"], g2["pel-count"], g2["entries-read"], g2["lag"]),
           ("3-0", 3, 3, None), "XINFO STREAM FULL group g2")
        eq([(p[0], p[1], p[3]) for p in g2["pending"]],
           [("1-0", "c1", 1), ("2-0", "c1", 1), ("3-0", "c2", 1)], "group PEL in FULL")
        fc = [dict(zip(c[::2], c[1::2])) for c in g2["consumers"]]
        eq([(c["name"], c["pel-count"], [p[0] for p in c["pending"]]) for c in fc],
           [("c1", 2, ["1-0", "2-0"]), ("c2", 1, ["3-0"])], "XINFO STREAM FULL consumers")
    finally:
        r.delete(s)


# ------------------------------------------------------------------------------- blocking XREAD

@test
def xread_block_woken_by_xadd():
    reader, writer = client(), client()
    s1, s2 = key("feed1"), key("feed2")
    try:
        writer.delete(s1, s2)
        old = writer.xadd(s1, {"old": "1"})
        bg = Background(reader.xread, {s1: "$", s2: "$"}, block=10000)
        wait_blocked(writer, 1)
        time.sleep(0.2)
        new = writer.xadd(s2, {"hello": "world"})
        eq(bg.get(10), [[s2, [(new, {"hello": "world"})]]], "XREAD BLOCK woken by XADD")
        check(0.2 <= bg.dt < 5.0, "woken after %.2fs" % bg.dt)

        # BLOCK 0 waits for as long as it takes; from an explicit id.
        bg = Background(reader.xread, {s1: old}, block=0)
        wait_blocked(writer, 1)
        n2 = writer.xadd(s1, {"n": "2"})
        eq(bg.get(10), [[s1, [(n2, {"n": "2"})]]], "XREAD BLOCK 0 woken by XADD")

        t0 = time.monotonic()
        eq(reader.xread({s1: "$"}, block=300), [], "XREAD BLOCK 300 times out")
        dt = time.monotonic() - t0
        check(0.25 <= dt < 2.0, "XREAD BLOCK 300 took %.2fs" % dt)
        eq(reader.xread({s1: "0-0", s2: "0-0"}, count=1),
           [[s1, [(old, {"old": "1"})]], [s2, [(new, {"hello": "world"})]]], "XREAD COUNT 1")
        eq(reader.xread({s1: n2, s2: new}), [], "XREAD past the end of both streams")

        # A blocked XREADGROUP is woken as well, and a second waiter keeps waiting.
        writer.xgroup_create(s2, "g", id="$")
        c1, c2 = client(), client()
        b1 = Background(c1.xreadgroup, "g", "c1", {s2: ">"}, count=10, block=10000)
        wait_blocked(writer, 1)
        b2 = Background(c2.xreadgroup, "g", "c2", {s2: ">"}, count=10, block=10000)
        wait_blocked(writer, 2)
        m1 = writer.xadd(s2, {"m": "1"})
        eq(b1.get(10), [[s2, [(m1, {"m": "1"})]]], "first XREADGROUP waiter gets the entry")
        time.sleep(0.2)
        check(b2.thread.is_alive(), "second waiter returned without an entry: %r %r"
              % (b2.result, b2.error))
        m2 = writer.xadd(s2, {"m": "2"})
        eq(b2.get(10), [[s2, [(m2, {"m": "2"})]]], "second XREADGROUP waiter gets the next")
        eq(writer.xpending(s2, "g")["consumers"], [{"name": "c1", "pending": 1},
                                                  {"name": "c2", "pending": 1}],
           "each woken reader owns its entry")
    finally:
        writer.delete(s1, s2)


# ------------------------------------------------------------------------------- transactions

@test
def pipeline_transaction_with_xadd():
    r, other = client(), client()
    s = key("tx")
    try:
        r.delete(s)
        r.xgroup_create(s, "g", id="$", mkstream=True)
        with r.pipeline(transaction=True) as pipe:
            pipe.xadd(s, {"a": "1"})
            pipe.xadd(s, {"b": "2"})
            pipe.xlen(s)
            pipe.xreadgroup("g", "c", {s: ">"}, count=10)
            pipe.xpending(s, "g")
            res = pipe.execute()
        id1, id2 = res[0], res[1]
        check(sid(id1) < sid(id2), "ids from EXEC increase: %r" % res[:2])
        eq(res[2:4], [2, [[s, [(id1, {"a": "1"}), (id2, {"b": "2"})]]]], "XLEN and XREADGROUP")
        eq(res[4], {"pending": 2, "min": id1, "max": id2,
                    "consumers": [{"name": "c", "pending": 2}]}, "XPENDING inside EXEC")

        with r.pipeline(transaction=True) as pipe:
            pipe.xack(s, "g", id1, id2)
            pipe.xadd(s, {"c": "3"}, maxlen=1, approximate=False)
            pipe.xrange(s)
            res = pipe.execute()
        eq((res[0], res[2]), (2, [(res[1], {"c": "3"})]), "XACK, XADD MAXLEN 1, XRANGE in EXEC")

        # Nothing blocks inside MULTI: BLOCK replies at once with nothing.
        eq(r.xreadgroup("g", "c", {s: ">"}), [[s, [(res[1], {"c": "3"})]]], "drain the group")
        t0 = time.monotonic()
        with r.pipeline(transaction=True) as pipe:
            pipe.xread({s: "$"}, block=3000)
            pipe.xreadgroup("g", "c", {s: ">"}, block=3000)
            eq(pipe.execute(), [[], []], "blocking reads inside MULTI")
        check(time.monotonic() - t0 < 2.0, "EXEC with BLOCK reads blocked")

        # A command failing at run time does not stop the others.
        with r.pipeline(transaction=True) as pipe:
            pipe.xadd(s, {"d": "4"})
            pipe.xadd(s, {"bad": "id"}, id="1-1")
            pipe.xlen(s)
            res = pipe.execute(raise_on_error=False)
        check(isinstance(res[1], ResponseError) and "equal or smaller" in str(res[1]),
              "XADD with a small id fails inside EXEC: %r" % (res[1],))
        eq(res[2], 2, "XLEN after the failed XADD")

        # WATCH on a stream: another client's XADD aborts the transaction.
        with r.pipeline(transaction=True) as pipe:
            pipe.watch(s)
            n = pipe.xlen(s)
            other.xadd(s, {"other": "1"})
            pipe.multi()
            pipe.xadd(s, {"never": str(n)})
            raises(WatchError, pipe.execute)
        check(all("never" not in f for _, f in r.xrange(s)), "aborted XADD not applied")
        eq(r.xlen(s), 3, "stream after the aborted transaction")

        def append(pipe):
            last = pipe.xrevrange(s, count=1)[0][0]
            pipe.multi()
            pipe.xadd(s, {"after": last})

        res = r.transaction(append, s)
        eq(r.xrevrange(s, count=1)[0], (res[0], {"after": r.xrange(s)[-2][0]}),
           "transaction() helper with XADD")
    finally:
        r.delete(s)


# ------------------------------------------------------------------------------- RESP3

class Resp3:
    """A minimal RESP3 connection: redis-py 4.3.4 has no protocol=3."""

    def __init__(self, port=None):
        self.sock = socket.create_connection((HOST, port or PORT), timeout=20)
        self.f = self.sock.makefile("rb")

    def close(self):
        self.f.close()
        self.sock.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def read(self):
        """Replies as (type, value); maps as lists of pairs, to keep their order."""
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise AssertionError("connection closed or bad line %r" % line)
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return ("simple", rest.decode())
        if t == b"-":
            return ("error", rest.decode())
        if t == b":":
            return ("int", int(rest))
        if t == b"$":
            n = int(rest)
            return ("null", None) if n < 0 else ("bulk", self.f.read(n + 2)[:-2].decode())
        if t in (b"*", b"~", b">"):
            n = int(rest)
            kind = {b"*": "array", b"~": "set", b">": "push"}[t]
            return ("null", None) if n < 0 else (kind, [self.read() for _ in range(n)])
        if t == b"%":
            return ("map", [(self.read(), self.read()) for _ in range(int(rest))])
        if t == b"_":
            return ("null", None)
        if t == b"#":
            return ("bool", rest == b"t")
        if t == b",":
            return ("double", float(rest))
        raise AssertionError("unexpected RESP3 type in %r" % line)


def plain(v):
    """A RESP3 reply without type tags: maps become dicts."""
    t, x = v
    if t == "map":
        return {plain(a): plain(b) for a, b in x}
    if t in ("array", "set", "push"):
        return [plain(e) for e in x]
    return x


def entry3(mid, *fv):
    return ("array", [("bulk", mid), ("array", [("bulk", x) for x in fv])])


@test
def resp3_stream_reply_types():
    s = key("r3")
    c = Resp3()
    w = client()
    try:
        w.delete(s)
        hello = c.call("HELLO", "3")
        eq(hello[0], "map", "HELLO 3 reply type")
        eq(plain(hello).get("proto"), 3, "HELLO 3 proto")
        eq(c.call("XADD", s, "1-1", "a", "1"), ("bulk", "1-1"), "XADD")
        eq(c.call("XADD", s, "2-1", "b", "2"), ("bulk", "2-1"), "XADD")
        eq(c.call("XGROUP", "CREATE", s, "g", "0"), ("simple", "OK"), "XGROUP CREATE")
        eq(c.call("XRANGE", s, "-", "+"), ("array", [entry3("1-1", "a", "1"), entry3("2-1", "b", "2")]),
           "XRANGE: array of [id, [field, value]]")
        eq(c.call("XREAD", "COUNT", "1", "STREAMS", s, "0"),
           ("map", [(("bulk", s), ("array", [entry3("1-1", "a", "1")]))]), "XREAD: a map")
        eq(c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", s, ">"),
           ("map", [(("bulk", s), ("array", [entry3("1-1", "a", "1")]))]), "XREADGROUP: a map")
        eq(c.call("XPENDING", s, "g"),
           ("array", [("int", 1), ("bulk", "1-1"), ("bulk", "1-1"),
                      ("array", [("array", [("bulk", "c1"), ("bulk", "1")])])]),
           "XPENDING summary (per-consumer count as a bulk string)")
        eq(c.call("XAUTOCLAIM", s, "g", "c2", "0", "0-0"),
           ("array", [("bulk", "0-0"), ("array", [entry3("1-1", "a", "1")]), ("array", [])]),
           "XAUTOCLAIM")
        eq(c.call("XCLAIM", s, "g", "c3", "0", "1-1", "JUSTID"), ("array", [("bulk", "1-1")]),
           "XCLAIM JUSTID")
        info = c.call("XINFO", "STREAM", s)
        eq(info[0], "map", "XINFO STREAM: a map")
        fields = dict((k[1], v) for k, v in info[1])
        eq((fields["length"], fields["last-generated-id"], fields["first-entry"], fields["last-entry"]),
           (("int", 2), ("bulk", "2-1"), entry3("1-1", "a", "1"), entry3("2-1", "b", "2")),
           "XINFO STREAM fields")
        groups = c.call("XINFO", "GROUPS", s)
        eq(groups[0], "array", "XINFO GROUPS: an array")
        eq([g[0] for g in groups[1]], ["map"], "XINFO GROUPS: of maps")
        eq(plain(groups)[0], {"name": "g", "consumers": 3, "pending": 1, "last-delivered-id": "1-1",
                              "entries-read": 1, "lag": 1}, "XINFO GROUPS content")
        cons = c.call("XINFO", "CONSUMERS", s, "g")
        eq([x[0] for x in cons[1]], ["map", "map", "map"], "XINFO CONSUMERS: maps")
        eq([(x["name"], x["pending"]) for x in plain(cons)], [("c1", 0), ("c2", 0), ("c3", 1)],
           "XINFO CONSUMERS content")
        eq(c.call("XREADGROUP", "GROUP", "g", "c1", "STREAMS", s, "0"),
           ("map", [(("bulk", s), ("array", []))]), "XREADGROUP history of a consumer with none")
        # Blocking reads: a timeout is a RESP3 null, a wake-up is a map.
        eq(c.call("XREAD", "BLOCK", "100", "STREAMS", s, "$"), ("null", None), "XREAD timeout")
        eq(c.call("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "100", "STREAMS", s, ">"),
           ("map", [(("bulk", s), ("array", [entry3("2-1", "b", "2")]))]),
           "XREADGROUP BLOCK with an entry available")
        eq(c.call("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "100", "STREAMS", s, ">"),
           ("null", None), "XREADGROUP timeout")
        c.send("XREAD", "BLOCK", "10000", "STREAMS", s, "$")
        wait_blocked(w, 1)
        eq(w.xadd(s, {"c": "3"}, id="3-1"), "3-1", "XADD from a RESP2 client")
        eq(c.read(), ("map", [(("bulk", s), ("array", [entry3("3-1", "c", "3")]))]),
           "XREAD woken by XADD: a map")
        eq(c.call("PING"), ("simple", "PONG"), "connection usable afterwards")
    finally:
        c.close()
        w.delete(s)


# ------------------------------------------------------------------------------- restart

class Server:
    """A server of our own on a temporary --dir, to be stopped and started again."""

    def __init__(self):
        if not SERVER_BIN:
            raise AssertionError("PB_SERVER_BIN / --server-bin not given: cannot start a server")
        self.dir = tempfile.mkdtemp(prefix="pb-streams-restart.")
        self.proc = None
        self.port = None

    def start(self):
        # --appendonly yes is a no-op knob for Postbox; it makes a stand-in redis-server keep
        # the data across a restart too.
        proc, port = start_server(SERVER_BIN, self.dir,
                                  ["--appendonly", "yes", "--appendfsync", "always"], host=HOST)
        if proc is None:
            raise AssertionError("could not start %s on %s" % (SERVER_BIN, self.dir))
        self.proc, self.port = proc, port
        return client(port=port)

    def stop(self, sig):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server ignored signal %d for 20s" % sig)
        self.proc = None
        return rc

    def cleanup(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        subprocess.run(["rm", "-rf", "--", self.dir], check=False)


def stream_state(r, s, g):
    """What must survive a restart (everything but times)."""
    info = r.xinfo_stream(s)
    groups = r.xinfo_groups(s)
    if "postbox_version" not in r.info("server"):
        # A stand-in redis-server 7.0 reloads its AOF with entries-read unknown (nil).
        for x in groups:
            x.pop("entries-read")
    return {
        "entries": r.xrange(s),
        "info": {k: info[k] for k in ("length", "last-generated-id", "max-deleted-entry-id",
                                       "entries-added", "recorded-first-entry-id", "groups")},
        "groups": groups,
        "consumers": [(c["name"], c["pending"]) for c in r.xinfo_consumers(s, g)],
        "pel": [(x["message_id"], x["consumer"], x["times_delivered"])
                for x in r.xpending_range(s, g, "-", "+", 100)],
    }


@test
def streams_survive_a_restart():
    srv = Server()
    s, g = key("durable"), "g"
    try:
        r = srv.start()
        ids = [r.xadd(s, {"n": str(i), "payload": "x" * i}) for i in range(20)]
        r.xgroup_create(s, g, id="0")
        r.xgroup_create(s, "late", id="$")
        got = r.xreadgroup(g, "w1", {s: ">"}, count=5)
        eq(len(got[0][1]), 5, "w1 reads 5")
        r.xreadgroup(g, "w2", {s: ">"}, count=3)
        eq(r.xack(s, g, ids[0], ids[1], ids[5]), 3, "acks before the crash")
        r.xclaim(s, g, "w3", 0, [ids[2]])
        eq(r.xdel(s, ids[19]), 1, "XDEL of the newest entry")
        before = stream_state(r, s, g)
        eq(before["pel"], [(ids[2], "w3", 2), (ids[3], "w1", 1), (ids[4], "w1", 1),
                           (ids[6], "w2", 1), (ids[7], "w2", 1)], "PEL before the crash")
        r.connection_pool.disconnect()

        # kill -9: acknowledged writes are on disk.
        srv.stop(signal.SIGKILL)
        r = srv.start()
        eq(r.type(s), "stream", "TYPE after kill -9 and restart")
        eq(stream_state(r, s, g), before, "stream, groups, consumers and PEL after kill -9")
        # The group goes on where it stopped; ids keep increasing past the deleted top entry.
        got = r.xreadgroup(g, "w1", {s: ">"}, count=100)
        eq([m for m, _ in got[0][1]], ids[8:19], "XREADGROUP > continues after last-delivered-id")
        raises(ResponseError, r.xadd, s, {"x": "y"}, id=ids[19],
               contains="equal or smaller")
        nid = r.xadd(s, {"n": "new"})
        check(sid(nid) > sid(ids[19]), "new id %s after the deleted top %s" % (nid, ids[19]))
        eq(r.xreadgroup("late", "l1", {s: ">"}), [[s, [(nid, {"n": "new"})]]],
           "group created at $ sees only the new entry")
        eq(r.xack(s, g, *ids[8:19]), 11, "acks after the restart")
        before = stream_state(r, s, g)
        r.connection_pool.disconnect()

        # A clean shutdown as well.
        eq(srv.stop(signal.SIGTERM), 0, "exit status after SIGTERM")
        r = srv.start()
        eq(stream_state(r, s, g), before, "stream state after SIGTERM and restart")
        eq(r.xpending(s, "late")["consumers"], [{"name": "l1", "pending": 1}],
           "second group's PEL after restart")
        r.connection_pool.disconnect()
    finally:
        srv.cleanup()


# --------------------------------------------------------------------------- main

def main():
    global HOST, PORT, SERVER_BIN
    a = pbtest.parse_args(__doc__, TESTS, "server-bin")
    HOST, PORT, SERVER_BIN = a.host, a.port, a.server_bin
    return pbtest.run(a.tests, "redis-py %s (streams) against %s:%d"
                      % (redis.__version__, HOST, PORT))


if __name__ == "__main__":
    sys.exit(main())
