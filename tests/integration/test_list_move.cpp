// Moving and multi-key popping: LMOVE, RPOPLPUSH, LMPOP and their blocking forms BLMOVE,
// BRPOPLPUSH, BLMPOP, plus CLIENT UNBLOCK. Argument handling and reply shapes are diffed against
// redis-server; serving order, chains and wake-ups are checked with several clients.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

const char* kSyntax = "ERR syntax error";
const char* kNumkeys = "ERR numkeys should be greater than 0";
const char* kCount = "ERR count should be greater than 0";
const char* kNegative = "ERR timeout is negative";
const char* kNotFloat = "ERR timeout is not a float or out of range";
const char* kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// HELLO replies carry the server's name, version and client id: both sides must succeed only.
const auto mask_hello = mask_if([](const Cmd& c) { return c[0] == "HELLO"; });

}  // namespace

TEST_SUITE("list-move") {
  TEST_CASE("LMOVE moves between either end and matches Redis, including rotation") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "src", "a", "b", "c", "d", "e", "f"},
        {"LMOVE", "src", "dst", "LEFT", "LEFT"},
        {"LMOVE", "src", "dst", "LEFT", "RIGHT"},
        {"LMOVE", "src", "dst", "RIGHT", "LEFT"},
        {"LMOVE", "src", "dst", "RIGHT", "RIGHT"},
        {"LRANGE", "src", "0", "-1"},
        {"LRANGE", "dst", "0", "-1"},
        {"LMOVE", "src", "dst", "left", "Right"},
        {"LMOVE", "dst", "dst", "LEFT", "RIGHT"},  // rotation
        {"LRANGE", "dst", "0", "-1"},
        {"LMOVE", "dst", "dst", "RIGHT", "LEFT"},
        {"LMOVE", "dst", "dst", "LEFT", "LEFT"},
        {"LMOVE", "dst", "dst", "RIGHT", "RIGHT"},
        {"LRANGE", "dst", "0", "-1"},
        {"LMOVE", "src", "dst", "LEFT", "LEFT"},  // source gone: the last element left it
        {"EXISTS", "src"},
        {"LMOVE", "nosuch", "dst", "LEFT", "LEFT"},
        {"LMOVE", "nosuch", "nosuch", "LEFT", "LEFT"},
        {"EXISTS", "nosuch"},
        {"LLEN", "dst"},
        {"RPUSH", "one", "x"},
        {"LMOVE", "one", "one", "LEFT", "RIGHT"},
        {"LRANGE", "one", "0", "-1"},
        {"LMOVE", "one", "fresh", "RIGHT", "LEFT"},
        {"EXISTS", "one"},
        {"LRANGE", "fresh", "0", "-1"},
        {"LMOVE", "dst", "x", "UP", "LEFT"},
        {"LMOVE", "dst", "x", "LEFT", "DOWN"},
        {"LMOVE", "dst", "x", "LEFTX", "LEFT"},
        {"LMOVE", "dst", "x", "", "LEFT"},
        {"LMOVE", "dst", "x", "LEFT"},
        {"LMOVE", "dst", "x", "LEFT", "LEFT", "LEFT"},
        {"LMOVE"},
        {"EXISTS", "x"},
        {"LRANGE", "dst", "0", "-1"},
    });
  }

  TEST_CASE("RPOPLPUSH moves tail to head and matches Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "q", "1", "2", "3"},
        {"RPOPLPUSH", "q", "p"},
        {"RPOPLPUSH", "q", "p"},
        {"LRANGE", "p", "0", "-1"},
        {"RPOPLPUSH", "p", "p"},
        {"LRANGE", "p", "0", "-1"},
        {"RPOPLPUSH", "q", "p"},
        {"EXISTS", "q"},
        {"RPOPLPUSH", "q", "p"},
        {"RPOPLPUSH", "missing", "missing"},
        {"EXISTS", "missing"},
        {"RPOPLPUSH", "q"},
        {"RPOPLPUSH", "q", "p", "extra"},
        {"LRANGE", "p", "0", "-1"},
    });
  }

  TEST_CASE("LMPOP pops from the first non-empty key with Redis's arguments and errors") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "k2", "a", "b", "c", "d"},
        {"RPUSH", "k3", "z"},
        {"LMPOP", "3", "k1", "k2", "k3", "LEFT"},
        {"LMPOP", "3", "k1", "k2", "k3", "RIGHT"},
        {"LMPOP", "2", "k3", "k2", "left", "count", "1"},
        {"LMPOP", "2", "k1", "k2", "LEFT", "COUNT", "10"},  // more than there is: all, key gone
        {"EXISTS", "k2"},
        {"LMPOP", "1", "k3", "RIGHT", "COUNT", "5"},
        {"LMPOP", "2", "k1", "k3", "LEFT"},  // nothing anywhere: null array
        {"LMPOP", "2", "k1", "k3", "LEFT", "COUNT", "3"},
        {"RPUSH", "k1", "1", "2", "3", "4", "5"},
        {"LMPOP", "1", "k1", "RIGHT", "COUNT", "2"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "2"},
        {"LRANGE", "k1", "0", "-1"},
        // numkeys
        {"LMPOP", "0", "k1", "LEFT"},
        {"LMPOP", "-1", "k1", "LEFT"},
        {"LMPOP", "x", "k1", "LEFT"},
        {"LMPOP", "1.5", "k1", "LEFT"},
        {"LMPOP", "", "k1", "LEFT"},
        {"LMPOP", "2", "k1", "LEFT"},  // numkeys swallows the direction
        {"LMPOP", "3", "k1", "LEFT"},
        {"LMPOP", "99999999999", "k1", "LEFT"},
        // direction and COUNT
        {"LMPOP", "1", "k1", "MIDDLE"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "0"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "-1"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "x"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "99999999999999999999"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT"},
        {"LMPOP", "1", "k1", "LEFT", "COUNT", "1", "COUNT", "1"},
        {"LMPOP", "1", "k1", "LEFT", "LIMIT", "1"},
        {"LMPOP", "1", "k1", "LEFT", "extra"},
        {"LMPOP", "1", "k1"},
        {"LMPOP", "1"},
        {"LMPOP"},
        {"LRANGE", "k1", "0", "-1"},  // no failed command touched the data
    });
  }

  TEST_CASE("LMPOP and the blocking commands' errors have Redis's exact text") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "k", "v"});
    CHECK(c.cmd({"LMPOP", "0", "k", "LEFT"}) == error(kNumkeys));
    CHECK(c.cmd({"LMPOP", "2", "k", "LEFT"}) == error(kSyntax));
    CHECK(c.cmd({"LMPOP", "1", "k", "LEFT", "COUNT", "0"}) == error(kCount));
    CHECK(c.cmd({"LMPOP", "1"}) == error("ERR wrong number of arguments for 'lmpop' command"));
    CHECK(c.cmd({"LMOVE", "k", "d", "UP", "LEFT"}) == error(kSyntax));
    CHECK(c.cmd({"BLMPOP", "-1", "1", "k", "LEFT"}) == error(kNegative));
    CHECK(c.cmd({"BLMPOP", "soon", "1", "k", "LEFT"}) == error(kNotFloat));
    CHECK(c.cmd({"BLMPOP", "0", "0", "k", "LEFT"}) == error(kNumkeys));
    CHECK(c.cmd({"BLMOVE", "k", "d", "LEFT", "LEFT", "-0.5"}) == error(kNegative));
    CHECK(c.cmd({"BRPOPLPUSH", "k", "d", "x"}) == error(kNotFloat));
    CHECK(c.cmd({"CLIENT", "UNBLOCK", "1", "LATER"}) ==
          error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
    CHECK(c.cmd({"LRANGE", "k", "0", "-1"}) == bulks({"v"}));
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("Blocking moves and pops answer at once when there is data and match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "src", "a", "b", "c", "d"},
        {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"},
        {"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0.5"},
        {"BRPOPLPUSH", "src", "dst", "0"},
        {"LRANGE", "dst", "0", "-1"},
        {"BLMOVE", "dst", "dst", "LEFT", "RIGHT", "1"},
        {"LRANGE", "dst", "0", "-1"},
        {"RPUSH", "k2", "1", "2", "3"},
        {"BLMPOP", "0", "2", "k1", "k2", "LEFT"},
        {"BLMPOP", "1", "2", "k1", "k2", "RIGHT", "COUNT", "5"},
        {"EXISTS", "k2"},
        // Timeouts (all a null array in Redis 7.0, the moves included).
        {"BLMOVE", "none", "dst", "LEFT", "LEFT", "0.02"},
        {"BRPOPLPUSH", "none", "dst", ".02"},
        {"BLMPOP", "0.02", "2", "none", "nada", "LEFT"},
        {"BLMPOP", "0.02", "1", "none", "RIGHT", "COUNT", "3"},
        // Errors.
        {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "-1"},
        {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "abc"},
        {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "inf"},
        {"BLMOVE", "src", "dst", "SIDEWAYS", "RIGHT", "1"},
        {"BLMOVE", "src", "dst", "LEFT", "RIGHT"},
        {"BRPOPLPUSH", "src", "dst", "-1"},
        {"BRPOPLPUSH", "src", "dst", "one"},
        {"BRPOPLPUSH", "src", "dst"},
        {"BLMPOP", "-1", "1", "k", "LEFT"},
        {"BLMPOP", "x", "1", "k", "LEFT"},
        {"BLMPOP", "0", "0", "k", "LEFT"},
        {"BLMPOP", "0", "-2", "k", "LEFT"},
        {"BLMPOP", "0", "2", "k", "LEFT"},
        {"BLMPOP", "0", "1", "k", "UP"},
        {"BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"},
        {"BLMPOP", "0", "1", "k", "LEFT", "COUNT"},
        {"BLMPOP", "0", "1", "k"},
        {"BLMPOP", "0", "1"},
        {"LRANGE", "dst", "0", "-1"},
    });
  }

  TEST_CASE("Under RESP3 the blocking moves and pops time out with null, like Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.same({"HELLO", "3"}, mask_hello);
    d.expect_same({
        {"BLMOVE", "none", "dst", "LEFT", "LEFT", "0.02"},
        {"BRPOPLPUSH", "none", "dst", "0.02"},
        {"BLMPOP", "0.02", "1", "none", "LEFT"},
        {"LMPOP", "1", "none", "LEFT"},
        {"LMOVE", "none", "dst", "LEFT", "LEFT"},
        {"RPUSH", "q", "a", "b"},
        {"BLMPOP", "0.02", "1", "q", "LEFT", "COUNT", "5"},
    });
  }

  TEST_CASE("CLIENT UNBLOCK arguments and replies for clients that are not blocked match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"CLIENT", "UNBLOCK", "999999"},
        {"CLIENT", "UNBLOCK", "999999", "TIMEOUT"},
        {"CLIENT", "UNBLOCK", "999999", "error"},
        {"CLIENT", "UNBLOCK", "-1"},
        {"CLIENT", "UNBLOCK", "0"},
        {"CLIENT", "UNBLOCK", "x"},
        {"CLIENT", "UNBLOCK", "1", "SOON"},
        {"CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"},
        {"CLIENT", "UNBLOCK"},
    });
    // A client cannot be blocked while it is asking: unblocking oneself answers 0.
    Reply ours = d.a().cmd({"CLIENT", "ID"});
    Reply theirs = d.b().cmd({"CLIENT", "ID"});
    d.a().send({"CLIENT", "UNBLOCK", std::to_string(ours.integer)});
    d.b().send({"CLIENT", "UNBLOCK", std::to_string(theirs.integer)});
    d.a().flush();
    d.b().flush();
    CHECK(d.a().read() == integer(0));
    CHECK(d.b().read() == integer(0));
  }

  TEST_CASE("BLMOVE with timeout 0 waits until a push and moves the element to the destination") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    start(waiter, {"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"});
    await_blocked(pusher, 1);
    CHECK_FALSE(waiter.try_read(300ms).has_value());
    pusher.cmd({"RPUSH", "dst", "old"});
    CHECK_FALSE(waiter.try_read(50ms).has_value());  // a push to the destination is not enough
    CHECK(pusher.cmd({"RPUSH", "src", "1", "2", "3"}) == integer(3));
    CHECK(waiter.read() == bulk("3"));
    CHECK(pusher.cmd({"LRANGE", "src", "0", "-1"}) == bulks({"1", "2"}));
    CHECK(pusher.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"3", "old"}));
    CHECK(blocked_clients(pusher) == 0);
  }

  TEST_CASE("BRPOPLPUSH blocks, takes the tail and pushes it onto the destination's head") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    pusher.cmd({"RPUSH", "dst", "x"});
    start(waiter, {"BRPOPLPUSH", "src", "dst", "5"});
    await_blocked(pusher, 1);
    auto began = Clock::now();
    pusher.cmd({"LPUSH", "src", "c", "b", "a"});
    CHECK(waiter.read() == bulk("c"));
    CHECK(since(began) < 1000ms);
    CHECK(pusher.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"c", "x"}));
    CHECK(pusher.cmd({"LRANGE", "src", "0", "-1"}) == bulks({"a", "b"}));
  }

  TEST_CASE("Blocking moves and pops time out after the timeout with a null array") {
    Server server;
    Client c = server.client();
    auto began = Clock::now();
    // Redis 7.0 answers a timed-out BLMOVE / BRPOPLPUSH with a null ARRAY (*-1), although the
    // same commands answer a null bulk string when they do not block (inside MULTI).
    CHECK(c.cmd({"BLMOVE", "none", "dst", "LEFT", "LEFT", "0.15"}) == nil_array());
    Millis waited = since(began);
    CHECK(waited >= 140ms);
    CHECK(waited < 1500ms);
    began = Clock::now();
    CHECK(c.cmd({"BRPOPLPUSH", "none", "dst", "0.1"}) == nil_array());
    CHECK(since(began) >= 90ms);
    began = Clock::now();
    CHECK(c.cmd({"BLMPOP", "0.1", "2", "none", "nada", "LEFT", "COUNT", "2"}) == nil_array());
    CHECK(since(began) >= 90ms);
    CHECK(c.cmd({"EXISTS", "dst"}) == integer(0));
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("BLMPOP with timeout 0 waits forever and takes up to COUNT from one push") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    start(waiter, {"BLMPOP", "0", "2", "k1", "k2", "LEFT", "COUNT", "2"});
    await_blocked(pusher, 1);
    CHECK_FALSE(waiter.try_read(400ms).has_value());
    CHECK(pusher.cmd({"LPUSH", "k2", "a", "b", "c"}) == integer(3));
    CHECK(waiter.read() == array({bulk("k2"), bulks({"c", "b"})}));
    CHECK(pusher.cmd({"LRANGE", "k2", "0", "-1"}) == bulks({"a"}));
  }

  TEST_CASE("A client blocked on several keys is served from the key that first gets data") {
    Server server;
    Client admin = server.client();
    Client pop = server.client();
    Client mpop = server.client();
    start(pop, {"BLPOP", "k1", "k2", "k3", "0"});
    await_blocked(admin, 1);
    start(mpop, {"BLMPOP", "0", "3", "k1", "k2", "k3", "RIGHT", "COUNT", "3"});
    await_blocked(admin, 2);
    // Both pushes arrive in one read; k3 gets data first, then k1.
    admin.send({"RPUSH", "k3", "z1", "z2"});
    admin.send({"RPUSH", "k1", "a1"});
    admin.flush();
    CHECK(admin.read() == integer(2));
    CHECK(admin.read() == integer(1));
    CHECK(pop.read() == bulks({"k3", "z1"}));
    CHECK(mpop.read() == array({bulk("k3"), bulks({"z2"})}));
    CHECK(admin.cmd({"LRANGE", "k1", "0", "-1"}) == bulks({"a1"}));
    CHECK(admin.cmd({"EXISTS", "k3"}) == integer(0));
  }

  TEST_CASE("Clients blocked on one key by different commands are served in arrival order") {
    Server server;
    Client admin = server.client();
    std::vector<std::unique_ptr<Client>> w;
    const std::vector<Cmd> cmds = {
        {"BLMOVE", "q", "out1", "LEFT", "RIGHT", "0"},
        {"BLMPOP", "0", "1", "q", "LEFT"},
        {"BRPOPLPUSH", "q", "out2", "0"},
        {"BLPOP", "q", "0"},
        {"BLMOVE", "q", "out1", "LEFT", "RIGHT", "0"},
    };
    for (size_t i = 0; i < cmds.size(); ++i) {
      w.push_back(std::make_unique<Client>(server.port()));
      start(*w.back(), cmds[i]);
      await_blocked(admin, static_cast<long long>(i) + 1);
    }
    CHECK(admin.cmd({"RPUSH", "q", "m1"}) == integer(1));
    CHECK(w[0]->read() == bulk("m1"));
    CHECK(admin.cmd({"RPUSH", "q", "m2", "m3"}) == integer(2));
    CHECK(w[1]->read() == array({bulk("q"), bulks({"m2"})}));
    // BRPOPLPUSH pops from the tail.
    CHECK(w[2]->read() == bulk("m3"));
    CHECK_FALSE(w[3]->try_read(100ms).has_value());
    CHECK(admin.cmd({"RPUSH", "q", "m4", "m5", "m6"}) == integer(3));
    CHECK(w[3]->read() == bulks({"q", "m4"}));
    CHECK(w[4]->read() == bulk("m5"));
    CHECK(admin.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"m6"}));
    CHECK(admin.cmd({"LRANGE", "out1", "0", "-1"}) == bulks({"m1", "m5"}));
    CHECK(admin.cmd({"LRANGE", "out2", "0", "-1"}) == bulks({"m3"}));
    CHECK(blocked_clients(admin) == 0);
  }

  TEST_CASE("A BLMOVE chain is served in one go: a -> b -> c, both movers get the element") {
    Server server;
    Client admin = server.client();
    Client first = server.client();
    Client second = server.client();
    Client third = server.client();
    start(first, {"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"});
    await_blocked(admin, 1);
    start(second, {"BLMOVE", "b", "c", "LEFT", "LEFT", "0"});
    await_blocked(admin, 2);
    start(third, {"BLPOP", "d", "0"});
    await_blocked(admin, 3);
    CHECK(admin.cmd({"LPUSH", "a", "elem"}) == integer(1));
    CHECK(first.read() == bulk("elem"));
    CHECK(second.read() == bulk("elem"));
    CHECK(admin.cmd({"EXISTS", "a", "b"}) == integer(0));
    CHECK(admin.cmd({"LRANGE", "c", "0", "-1"}) == bulks({"elem"}));
    CHECK(blocked_clients(admin) == 1);  // the bystander on d still waits
    CHECK_FALSE(third.try_read(50ms).has_value());
  }

  TEST_CASE("A BLMOVE chain ending in a blocked BLPOP hands the element all the way") {
    Server server;
    Client admin = server.client();
    Client mover = server.client();
    Client popper = server.client();
    start(popper, {"BLPOP", "b", "0"});
    await_blocked(admin, 1);
    start(mover, {"BLMOVE", "a", "b", "RIGHT", "LEFT", "0"});
    await_blocked(admin, 2);
    CHECK(admin.cmd({"RPUSH", "a", "x", "y"}) == integer(2));
    CHECK(mover.read() == bulk("y"));
    CHECK(popper.read() == bulks({"b", "y"}));
    CHECK(admin.cmd({"LRANGE", "a", "0", "-1"}) == bulks({"x"}));
    CHECK(admin.cmd({"EXISTS", "b"}) == integer(0));
  }

  TEST_CASE("LMOVE and RPOPLPUSH into a key with a blocked client serve that client") {
    Server server;
    Client admin = server.client();
    Client waiter = server.client();
    admin.cmd({"RPUSH", "src", "1", "2", "3"});
    start(waiter, {"BLPOP", "dst", "0"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"LMOVE", "src", "dst", "LEFT", "LEFT"}) == bulk("1"));
    CHECK(waiter.read() == bulks({"dst", "1"}));
    CHECK(admin.cmd({"EXISTS", "dst"}) == integer(0));
    start(waiter, {"BLMPOP", "0", "1", "dst", "RIGHT", "COUNT", "9"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"RPOPLPUSH", "src", "dst"}) == bulk("3"));
    CHECK(waiter.read() == array({bulk("dst"), bulks({"3"})}));
    CHECK(admin.cmd({"LRANGE", "src", "0", "-1"}) == bulks({"2"}));
  }

  TEST_CASE("A blocked BLMOVE from a list onto itself rotates the pushed element") {
    Server server;
    Client admin = server.client();
    Client waiter = server.client();
    start(waiter, {"BLMOVE", "q", "q", "RIGHT", "LEFT", "0"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"RPUSH", "q", "a", "b"}) == integer(2));
    CHECK(waiter.read() == bulk("b"));
    CHECK(admin.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"b", "a"}));
  }

  TEST_CASE("CLIENT UNBLOCK ends a wait with the timeout reply, or with an error if asked") {
    Server server;
    Client admin = server.client();
    Client waiter = server.client();
    const std::string id = std::to_string(waiter.cmd({"CLIENT", "ID"}).integer);

    start(waiter, {"BLMOVE", "src", "dst", "LEFT", "LEFT", "0"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(waiter.read() == nil_array());  // a timeout's reply: *-1 even for BLMOVE in Redis 7.0
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(0));  // not blocked any more

    start(waiter, {"BLMPOP", "0", "1", "src", "LEFT"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "TIMEOUT"}) == integer(1));
    CHECK(waiter.read() == nil_array());

    start(waiter, {"BRPOPLPUSH", "src", "dst", "0"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "ERROR"}) == integer(1));
    CHECK(waiter.read() == error(kUnblocked));

    start(waiter, {"BLPOP", "src", "100"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "error"}) == integer(1));
    CHECK(waiter.read() == error(kUnblocked));

    // The client works normally afterwards and nothing was moved.
    CHECK(waiter.cmd({"PING"}) == status("PONG"));
    CHECK(blocked_clients(admin) == 0);
    admin.cmd({"RPUSH", "src", "v"});
    CHECK(admin.cmd({"LRANGE", "src", "0", "-1"}) == bulks({"v"}));
    CHECK(admin.cmd({"EXISTS", "dst"}) == integer(0));
  }

  TEST_CASE("CLIENT UNBLOCK under RESP3 gives the unblocked client null") {
    Server server;
    Client admin = server.client();
    Client waiter = server.client();
    waiter.cmd({"HELLO", "3"});
    const std::string id = std::to_string(waiter.cmd({"CLIENT", "ID"}).integer);
    start(waiter, {"BLMPOP", "0", "1", "q", "LEFT"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "TIMEOUT"}) == integer(1));
    CHECK(waiter.read().type == ReplyType::Null);
    start(waiter, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(waiter.read().type == ReplyType::Null);
  }

  TEST_CASE("An unblocked client no longer waits: a later push stays in the list") {
    Server server;
    Client admin = server.client();
    Client waiter = server.client();
    Client other = server.client();
    const std::string id = std::to_string(waiter.cmd({"CLIENT", "ID"}).integer);
    start(waiter, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0"});
    await_blocked(admin, 1);
    start(other, {"BLPOP", "q", "0"});
    await_blocked(admin, 2);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(waiter.read() == nil_array());
    await_blocked(admin, 1);
    admin.cmd({"RPUSH", "q", "x", "y"});
    CHECK(other.read() == bulks({"q", "x"}));  // the one still waiting gets it
    CHECK(admin.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"y"}));
    CHECK(admin.cmd({"EXISTS", "d"}) == integer(0));
  }

  TEST_CASE("A blocked BLMOVE or BLMPOP client that disconnects is not served later") {
    Server server;
    Client admin = server.client();
    Client stays = server.client();
    {
      Client gone1 = server.client();
      Client gone2 = server.client();
      start(gone1, {"BLMOVE", "q", "moved", "LEFT", "LEFT", "0"});
      await_blocked(admin, 1);
      start(gone2, {"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5"});
      await_blocked(admin, 2);
      start(stays, {"BRPOPLPUSH", "q", "kept", "0"});
      await_blocked(admin, 3);
    }
    await_blocked(admin, 1);
    CHECK(admin.cmd({"RPUSH", "q", "a", "b"}) == integer(2));
    CHECK(stays.read() == bulk("b"));
    CHECK(admin.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a"}));
    CHECK(admin.cmd({"EXISTS", "moved"}) == integer(0));
    CHECK(admin.cmd({"LRANGE", "kept", "0", "-1"}) == bulks({"b"}));
  }

  TEST_CASE("A negative timeout is refused without blocking, for every blocking form") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"BLMOVE", "q", "d", "LEFT", "LEFT", "-1"}) == error(kNegative));
    CHECK(c.cmd({"BRPOPLPUSH", "q", "d", "-0.01"}) == error(kNegative));
    CHECK(c.cmd({"BLMPOP", "-5", "1", "q", "LEFT"}) == error(kNegative));
    CHECK(blocked_clients(c) == 0);
    CHECK(c.cmd({"PING"}) == status("PONG"));
  }
}
