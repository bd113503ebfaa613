// Transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis 7.0's rules. Queuing, abort
// and error replies are diffed against redis-server; WATCH invalidation by other clients, by
// expiry and by served blocked clients is checked with several clients; one durability test
// kills the server right after EXEC.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

const char* kExecAbort = "EXECABORT Transaction discarded because of previous errors.";

const auto mask_hello = mask_if([](const Cmd& c) { return c[0] == "HELLO"; });

// One way another client can touch a watched key. `prepare` runs before WATCH, `touch` after it
// (on another connection), both on key `k`.
struct Toucher {
  const char* name;
  std::function<void(Client&, const std::string&)> prepare;
  std::function<void(Server&, Client&, const std::string&)> touch;
};

}  // namespace

TEST_SUITE("tx") {
  TEST_CASE("MULTI queues commands and EXEC runs them in order, like Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"MULTI"},
        {"RPUSH", "q", "a", "b", "c"},
        {"LPUSH", "q", "z"},
        {"LMOVE", "q", "p", "RIGHT", "LEFT"},
        {"LRANGE", "q", "0", "-1"},
        {"LLEN", "p"},
        {"EXEC"},
        {"LRANGE", "q", "0", "-1"},
        {"MULTI"},
        {"EXEC"},  // empty transaction: empty array
        {"EXEC"},
        {"MULTI"},
        {"RPUSH", "q", "never"},
        {"DISCARD"},
        {"DISCARD"},
        {"LRANGE", "q", "0", "-1"},
        {"MULTI"},
        {"PING"},
        {"ECHO", "hi"},
        {"SELECT", "1"},
        {"RPUSH", "q1", "in-db1"},
        {"EXEC"},
        {"LRANGE", "q1", "0", "-1"},  // the SELECT inside the transaction stuck
        {"SELECT", "0"},
        {"EXISTS", "q1"},
        {"multi"},
        {"rpush", "q", "lower"},
        {"exec"},
    });
  }

  TEST_CASE("A command refused while queuing makes EXEC answer EXECABORT and run nothing") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"MULTI"},
        {"RPUSH", "q", "a"},
        {"NOSUCHCOMMAND", "x", "y"},
        {"RPUSH", "q", "b"},
        {"EXEC"},
        {"EXISTS", "q"},
        {"EXEC"},  // the transaction is gone
        {"MULTI"},
        {"LPUSH", "q"},  // arity
        {"RPUSH", "q", "a"},
        {"EXEC"},
        {"MULTI"},
        {"RPUSH", "q", "a"},
        {"CLIENT", "NOSUCHSUB"},
        {"EXEC"},
        {"MULTI"},
        {"DISCARD", "x"},  // arity of DISCARD itself while queuing flags the transaction too
        {"RPUSH", "q", "a"},
        {"EXEC"},
        {"MULTI"},
        {"RPUSH", "q", "a"},
        {"EXEC", "now"},  // wrong arity of EXEC aborts with the reason
        {"EXEC"},
        {"EXISTS", "q"},
        {"EXEC", "x"},  // even outside a transaction
        {"MULTI"},
        {"FOO"},
        {"DISCARD"},  // DISCARD still works on a flagged transaction
        {"EXISTS", "q"},
    });
  }

  TEST_CASE("EXECABORT and MULTI misuse errors have Redis's exact text") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"EXEC"}) == error("ERR EXEC without MULTI"));
    CHECK(c.cmd({"DISCARD"}) == error("ERR DISCARD without MULTI"));
    CHECK(c.cmd({"MULTI"}) == status("OK"));
    CHECK(c.cmd({"MULTI"}) == error("ERR MULTI calls can not be nested"));
    CHECK(c.cmd({"WATCH", "k"}) == error("ERR WATCH inside MULTI is not allowed"));
    CHECK(c.cmd({"RPUSH", "q", "v"}) == status("QUEUED"));
    CHECK(c.cmd({"NOPE"}) == error("ERR unknown command 'NOPE', with args beginning with: "));
    CHECK(c.cmd({"RPUSH", "q"}) == error("ERR wrong number of arguments for 'rpush' command"));
    CHECK(c.cmd({"EXEC"}) == error(kExecAbort));
    CHECK(c.cmd({"EXISTS", "q"}) == integer(0));
    CHECK(c.cmd({"MULTI"}) == status("OK"));
    CHECK(c.cmd({"EXEC", "x"}) ==
          error("EXECABORT Transaction discarded because of: wrong number of arguments for "
                "'exec' command"));
    CHECK(c.cmd({"WATCH"}) == error("ERR wrong number of arguments for 'watch' command"));
  }

  TEST_CASE("Nested MULTI and WATCH inside MULTI are errors that do not abort the transaction") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"MULTI"},
        {"MULTI"},
        {"WATCH", "q"},
        {"RPUSH", "q", "a"},
        {"UNWATCH"},  // queued, answers OK inside EXEC
        {"EXEC"},
        {"LRANGE", "q", "0", "-1"},
        {"WATCH"},
        {"UNWATCH", "x"},
        {"MULTI", "x"},
        {"DISCARD", "x"},
    });
  }

  TEST_CASE("Runtime errors inside EXEC are replies in the array and the rest still runs") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"MULTI"},
        {"LSET", "nokey", "0", "v"},
        {"RPUSH", "q", "a", "b"},
        {"LSET", "q", "99", "v"},
        {"LSET", "q", "0", "A"},
        {"LPOP", "q", "-1"},
        {"LPOP", "q", "0"},
        {"LRANGE", "q", "0", "-1"},
        {"LMPOP", "1", "q", "LEFT", "COUNT", "1"},
        {"EXEC"},
        {"LRANGE", "q", "0", "-1"},
    });
  }

  TEST_CASE("LSET on a missing key inside EXEC answers ERR no such key and the rest runs") {
    Server server;
    Client c = server.client();
    c.cmd({"MULTI"});
    CHECK(c.cmd({"LSET", "nokey", "0", "v"}) == status("QUEUED"));
    CHECK(c.cmd({"RPUSH", "q", "a"}) == status("QUEUED"));
    CHECK(c.cmd({"LSET", "q", "5", "v"}) == status("QUEUED"));
    CHECK(c.cmd({"RPUSH", "q", "b"}) == status("QUEUED"));
    CHECK(c.cmd({"EXEC"}) == array({error("ERR no such key"), integer(1),
                                    error("ERR index out of range"), integer(2)}));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a", "b"}));
  }

  TEST_CASE("Blocking commands inside MULTI do not block: empty lists give their null reply") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"MULTI"},
        {"BLPOP", "empty", "0"},
        {"BRPOP", "empty", "other", "0"},
        {"BLMOVE", "empty", "dst", "LEFT", "LEFT", "0"},
        {"BRPOPLPUSH", "empty", "dst", "0"},
        {"BLMPOP", "0", "2", "empty", "other", "LEFT", "COUNT", "2"},
        {"RPUSH", "q", "a", "b", "c", "d"},
        {"BLPOP", "empty", "q", "0"},
        {"BLMOVE", "q", "dst", "RIGHT", "LEFT", "0"},
        {"BLMPOP", "5", "1", "q", "LEFT", "COUNT", "5"},
        {"BLPOP", "q", "-1"},
        {"EXEC"},
        {"LRANGE", "dst", "0", "-1"},
        {"EXISTS", "q"},
    });
  }

  TEST_CASE("BLPOP on an empty list inside MULTI answers a null array in EXEC at once") {
    Server server;
    Client c = server.client();
    c.cmd({"MULTI"});
    c.cmd({"BLPOP", "empty", "0"});
    c.cmd({"BLMOVE", "empty", "d", "LEFT", "LEFT", "0"});
    c.cmd({"BLMPOP", "0", "1", "empty", "LEFT"});
    auto began = std::chrono::steady_clock::now();
    CHECK(c.cmd({"EXEC"}) == array({nil_array(), nil(), nil_array()}));
    CHECK(std::chrono::steady_clock::now() - began < 1000ms);
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("WATCH rules of a single client match Redis: own writes abort, no-ops do not") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "q", "a"},
        // The client's own write to a watched key aborts its transaction.
        {"WATCH", "q"},
        {"RPUSH", "q", "own"},
        {"MULTI"},
        {"RPUSH", "q", "queued"},
        {"EXEC"},
        {"LRANGE", "q", "0", "-1"},
        // EXEC unwatched everything: the next transaction goes through.
        {"RPUSH", "q", "b"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        // Commands that change nothing do not touch the key.
        {"WATCH", "q", "nokey"},
        {"DEL", "nokey"},
        {"LPUSHX", "nokey", "x"},
        {"RPOP", "nokey"},
        {"EXPIRE", "nokey", "100"},
        {"LREM", "q", "0", "zzz"},
        {"LRANGE", "q", "0", "-1"},
        {"LMOVE", "nokey", "q", "LEFT", "LEFT"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        // UNWATCH forgets the watch.
        {"WATCH", "q"},
        {"LPUSH", "q", "c"},
        {"UNWATCH"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        // DISCARD forgets it too.
        {"WATCH", "q"},
        {"MULTI"},
        {"DISCARD"},
        {"LPUSH", "q", "d"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        // Queuing errors win over a touched key.
        {"WATCH", "q"},
        {"LPUSH", "q", "e"},
        {"MULTI"},
        {"FOO"},
        {"EXEC"},
        // A key with a TTL that does not run out is fine.
        {"PEXPIRE", "q", "100000"},
        {"WATCH", "q"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        // FLUSHDB touches a watched key only if it existed.
        {"WATCH", "ghost"},
        {"FLUSHDB"},
        {"MULTI"},
        {"PING"},
        {"EXEC"},
        {"RPUSH", "q", "a"},
        {"WATCH", "q"},
        {"FLUSHDB"},
        {"MULTI"},
        {"PING"},
        {"EXEC"},
    });
  }

  TEST_CASE("A transaction aborted by WATCH answers null under RESP3, like Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.same({"HELLO", "3"}, mask_hello);
    d.expect_same({
        {"WATCH", "q"},
        {"RPUSH", "q", "x"},
        {"MULTI"},
        {"LLEN", "q"},
        {"EXEC"},
        {"MULTI"},
        {"BLPOP", "none", "0"},
        {"BLMOVE", "none", "d", "LEFT", "LEFT", "0"},
        {"EXEC"},
    });
  }

  TEST_CASE("A watched key touched by another client makes EXEC return a null array") {
    Server server;
    Client tx = server.client();
    Client other = server.client();
    auto push = [](const char* cmd) {
      return [cmd](Server&, Client& o, const std::string& k) { o.cmd({cmd, k, "x"}); };
    };
    auto has_list = [](Client& o, const std::string& k) { o.cmd({"RPUSH", k, "v1", "v2"}); };
    auto nothing = [](Client&, const std::string&) {};
    const std::vector<Toucher> touchers = {
        {"RPUSH", nothing, push("RPUSH")},
        {"LPUSH onto a list", has_list, push("LPUSH")},
        {"LPUSHX", has_list, push("LPUSHX")},
        {"RPOP", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"RPOP", k});
         }},
        {"DEL", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"DEL", k});
         }},
        {"UNLINK", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"UNLINK", k});
         }},
        {"EXPIRE", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"EXPIRE", k, "1000"});
         }},
        {"PERSIST",
         [](Client& o, const std::string& k) {
           o.cmd({"RPUSH", k, "v"});
           o.cmd({"EXPIRE", k, "1000"});
         },
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"PERSIST", k});
         }},
        {"expiry of a short TTL",
         [](Client& o, const std::string& k) {
           o.cmd({"RPUSH", k, "v"});
           o.cmd({"PEXPIRE", k, "300"});  // still alive when WATCH runs
         },
         [](Server&, Client& o, const std::string& k) {
           std::this_thread::sleep_for(600ms);
           (void)o;
           (void)k;
         }},
        {"FLUSHDB", has_list, [](Server&, Client& o, const std::string&) { o.cmd({"FLUSHDB"}); }},
        {"FLUSHALL", has_list, [](Server&, Client& o, const std::string&) { o.cmd({"FLUSHALL"}); }},
        {"SWAPDB bringing the key in", nothing,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"SELECT", "3"});
           o.cmd({"RPUSH", k, "from-db3"});
           o.cmd({"SWAPDB", "0", "3"});
           o.cmd({"SELECT", "0"});
         }},
        {"SWAPDB taking the key away", has_list,
         [](Server&, Client& o, const std::string&) {
           o.cmd({"SWAPDB", "0", "4"});
         }},
        {"RENAME onto it", nothing,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"RPUSH", "tmp-src", "v"});
           o.cmd({"RENAME", "tmp-src", k});
         }},
        {"LMOVE into it", nothing,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"RPUSH", "tmp-src2", "v"});
           o.cmd({"LMOVE", "tmp-src2", k, "LEFT", "LEFT"});
         }},
        {"LSET", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"LSET", k, "0", "new"});
         }},
        {"LREM", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"LREM", k, "1", "v1"});
         }},
        {"LTRIM", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"LTRIM", k, "0", "0"});
         }},
        {"LINSERT", has_list,
         [](Server&, Client& o, const std::string& k) {
           o.cmd({"LINSERT", k, "BEFORE", "v1", "n"});
         }},
        {"a push served to a blocked client", nothing,
         [](Server& s, Client& o, const std::string& k) {
           Client waiter = s.client();
           waiter.send({"BLPOP", k, "0"});
           waiter.flush();
           await_blocked(o, 1);
           o.cmd({"RPUSH", k, "x"});
           CHECK(waiter.read() == bulks({k, "x"}));
           CHECK(o.cmd({"EXISTS", k}) == integer(0));
         }},
        {"a blocked BLMOVE served into it", nothing,
         [](Server& s, Client& o, const std::string& k) {
           Client waiter = s.client();
           waiter.send({"BLMOVE", "feed", k, "LEFT", "LEFT", "0"});
           waiter.flush();
           await_blocked(o, 1);
           o.cmd({"RPUSH", "feed", "x"});
           CHECK(waiter.read() == bulk("x"));
         }},
    };
    int n = 0;
    for (const auto& t : touchers) {
      INFO("touched by: ", t.name);
      const std::string k = "w" + std::to_string(n++);
      tx.cmd({"FLUSHALL"});
      t.prepare(other, k);
      REQUIRE(tx.cmd({"WATCH", k, "unrelated"}) == status("OK"));
      t.touch(server, other, k);
      REQUIRE(tx.cmd({"MULTI"}) == status("OK"));
      REQUIRE(tx.cmd({"RPUSH", "marker", "ran"}) == status("QUEUED"));
      CHECK(tx.cmd({"EXEC"}) == nil_array());
      CHECK(tx.cmd({"EXISTS", "marker"}) == integer(0));
      // The failed EXEC unwatched the key: the same transaction now goes through.
      tx.cmd({"MULTI"});
      tx.cmd({"RPUSH", "marker", "ran"});
      CHECK(tx.cmd({"EXEC"}) == array({integer(1)}));
    }
  }

  TEST_CASE("Untouched watched keys, or the same key in another database, let EXEC run") {
    Server server;
    Client tx = server.client();
    Client other = server.client();
    other.cmd({"RPUSH", "q", "a"});
    CHECK(tx.cmd({"WATCH", "q", "r"}) == status("OK"));
    other.cmd({"RPUSH", "unrelated", "x"});
    other.cmd({"LRANGE", "q", "0", "-1"});  // reads do not touch
    other.cmd({"LLEN", "q"});
    other.cmd({"SELECT", "1"});
    other.cmd({"RPUSH", "q", "db1"});  // same name, other database
    other.cmd({"DEL", "r"});
    other.cmd({"SELECT", "0"});
    other.cmd({"DEL", "r"});  // r never existed in db 0
    tx.cmd({"MULTI"});
    tx.cmd({"RPUSH", "q", "b"});
    CHECK(tx.cmd({"EXEC"}) == array({integer(2)}));

    // WATCH in db 1 follows that database.
    tx.cmd({"SELECT", "1"});
    CHECK(tx.cmd({"WATCH", "q"}) == status("OK"));
    other.cmd({"RPUSH", "q", "db0"});  // other is in db 0
    tx.cmd({"MULTI"});
    tx.cmd({"LLEN", "q"});
    CHECK(tx.cmd({"EXEC"}) == array({integer(1)}));
    CHECK(tx.cmd({"WATCH", "q"}) == status("OK"));
    other.cmd({"SELECT", "1"});
    other.cmd({"RPUSH", "q", "db1-again"});
    tx.cmd({"MULTI"});
    tx.cmd({"LLEN", "q"});
    CHECK(tx.cmd({"EXEC"}) == nil_array());
  }

  TEST_CASE("Queued commands do not run before EXEC while other clients' commands do") {
    Server server;
    Client tx = server.client();
    Client other = server.client();
    tx.cmd({"MULTI"});
    tx.cmd({"RPUSH", "q", "a"});
    tx.cmd({"RPUSH", "q", "b"});
    CHECK(other.cmd({"EXISTS", "q"}) == integer(0));
    other.cmd({"RPUSH", "q", "other"});
    CHECK(tx.cmd({"EXEC"}) == array({integer(2), integer(3)}));
    CHECK(other.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"other", "a", "b"}));
  }

  TEST_CASE("A client that disconnects inside MULTI leaves no trace of its queued commands") {
    Server server;
    Client other = server.client();
    {
      Client tx = server.client();
      tx.cmd({"MULTI"});
      tx.cmd({"RPUSH", "q", "never"});
      tx.cmd({"DEL", "keep"});
    }
    other.cmd({"RPUSH", "keep", "v"});
    std::this_thread::sleep_for(100ms);
    CHECK(other.cmd({"EXISTS", "q"}) == integer(0));
    CHECK(other.cmd({"LRANGE", "keep", "0", "-1"}) == bulks({"v"}));
  }

  TEST_CASE("Blocked clients are served after EXEC, not in the middle of the transaction") {
    Server server;
    Client tx = server.client();
    Client admin = server.client();
    Client waiter = server.client();
    Client multi_waiter = server.client();
    waiter.send({"BLPOP", "q", "0"});
    waiter.flush();
    await_blocked(admin, 1);
    multi_waiter.send({"BLMPOP", "0", "3", "k1", "k2", "k3", "LEFT"});
    multi_waiter.flush();
    await_blocked(admin, 2);
    tx.cmd({"MULTI"});
    tx.cmd({"RPUSH", "q", "a", "b"});
    tx.cmd({"LLEN", "q"});
    tx.cmd({"LPOP", "q"});
    tx.cmd({"RPUSH", "k3", "three"});
    tx.cmd({"RPUSH", "k1", "one"});
    tx.cmd({"LLEN", "k3"});
    CHECK(tx.cmd({"EXEC"}) ==
          array({integer(2), integer(2), bulk("a"), integer(1), integer(1), integer(1)}));
    CHECK(waiter.read() == bulks({"q", "b"}));
    // k3 got data first inside the transaction, so the multi-key waiter is served from k3.
    CHECK(multi_waiter.read() == array({bulk("k3"), bulks({"three"})}));
    CHECK(admin.cmd({"LRANGE", "k1", "0", "-1"}) == bulks({"one"}));
    CHECK(admin.cmd({"EXISTS", "q", "k3"}) == integer(0));
  }

  TEST_CASE("A transaction's effects all survive kill -9 right after EXEC returns") {
    SKIP_UNLESS_DURABLE();
    Server server;
    {
      Client c = server.client();
      c.cmd({"RPUSH", "src", "s1", "s2", "s3"});
      c.cmd({"RPUSH", "gone", "x"});
      c.cmd({"RPUSH", "edit", "e0", "e1", "e2", "e3"});
      c.cmd({"MULTI"});
      c.cmd({"RPUSH", "q", "a", "b", "c"});
      c.cmd({"LPUSH", "q", "z"});
      c.cmd({"LMOVE", "src", "dst", "LEFT", "RIGHT"});
      c.cmd({"RPOPLPUSH", "src", "dst"});
      c.cmd({"DEL", "gone"});
      c.cmd({"EXPIRE", "q", "100000"});
      c.cmd({"LSET", "edit", "0", "E0"});
      c.cmd({"LREM", "edit", "1", "e2"});
      c.cmd({"SELECT", "2"});
      c.cmd({"RPUSH", "db2", "v"});
      Reply r = c.cmd({"EXEC"});
      REQUIRE(r.type == ReplyType::Array);
      REQUIRE(r.elements.size() == 10);
      CHECK(r.elements[2] == bulk("s1"));
      CHECK(r.elements[3] == bulk("s3"));
      CHECK(r.elements[9] == integer(1));
      server.kill9();
    }
    server.start();
    Client c = server.client();
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"z", "a", "b", "c"}));
    Reply ttl = c.cmd({"TTL", "q"});
    CHECK(ttl.integer > 99000);
    CHECK(ttl.integer <= 100000);
    CHECK(c.cmd({"LRANGE", "src", "0", "-1"}) == bulks({"s2"}));
    CHECK(c.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"s3", "s1"}));
    CHECK(c.cmd({"EXISTS", "gone"}) == integer(0));
    CHECK(c.cmd({"LRANGE", "edit", "0", "-1"}) == bulks({"E0", "e1", "e3"}));
    c.cmd({"SELECT", "2"});
    CHECK(c.cmd({"LRANGE", "db2", "0", "-1"}) == bulks({"v"}));
  }
}
