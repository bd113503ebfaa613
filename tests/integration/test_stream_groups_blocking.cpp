// Blocking stream reads: XREAD BLOCK and XREADGROUP BLOCK, woken by XADD, timing out, served in
// arrival order, ended by DESTROY, DEL or CLIENT UNBLOCK, answering at once inside MULTI, and
// woken with a map under RESP3. Blocking is checked with several clients of the server under
// test; only the answers inside MULTI are diffed against redis-server 7.0.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_stream_groups.h"

using namespace postbox::it;
using namespace postbox::it::stream_groups;

namespace {

const char* kGroupGone = "NOGROUP the consumer group this client was blocked on no longer exists";
const char* kKeyGone = "UNBLOCKED the stream key no longer exists";
const char* kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

}  // namespace

TEST_SUITE("stream-groups") {
  TEST_CASE("Inside MULTI, XREAD and XREADGROUP with BLOCK answer at once") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
            {"MULTI"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "0"},
            {"XADD", "s", "1-1", "a", "b"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "0"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREAD", "BLOCK", "0", "STREAMS", "nokey", "0"},
            {"EXEC"},
            {"HELLO", "3"},
            {"MULTI"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"EXEC"},
        },
        stream_norm);
  }

  TEST_CASE("XREAD BLOCK $ is woken by an XADD from another client and gets only that entry") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "1-1", "old", "x"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    CHECK_FALSE(reader.try_read(150ms).has_value());  // BLOCK 0 waits with no timeout
    CHECK(admin.cmd({"XADD", "s", "2-1", "new", "y"}) == bulk("2-1"));
    CHECK(reader.read() == array({stream_reply("s", {entry("2-1", {"new", "y"})})}));
    CHECK(blocked_clients(admin) == 0);
    // With the data already there, BLOCK does not wait.
    auto began = Clock::now();
    CHECK(reader.cmd({"XREAD", "BLOCK", "1000", "STREAMS", "s", "1-1"}) ==
          array({stream_reply("s", {entry("2-1", {"new", "y"})})}));
    CHECK(since(began) < 500ms);
  }

  TEST_CASE("XREAD BLOCK on several streams answers with just the stream that got data") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "a", "5-1", "f", "v"});
    start(reader,
          {"XREAD", "COUNT", "10", "BLOCK", "2000", "STREAMS", "a", "b", "c", "$", "$", "0"});
    await_blocked(admin, 1);
    admin.cmd({"XADD", "b", "1-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("b", {entry("1-1", {"f", "v"})})}));
  }

  TEST_CASE("XREAD BLOCK with an explicit id waits for an entry above it") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "3-1", "f", "v"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "5-0"});
    await_blocked(admin, 1);
    admin.cmd({"XADD", "s", "4-1", "f", "v"});  // not above 5-0
    CHECK_FALSE(reader.try_read(100ms).has_value());
    CHECK(blocked_clients(admin) == 1);
    admin.cmd({"XADD", "s", "6-1", "g", "w"});
    CHECK(reader.read() == array({stream_reply("s", {entry("6-1", {"g", "w"})})}));
  }

  TEST_CASE("XREAD and XREADGROUP BLOCK time out with a null array, or null under RESP3") {
    Server server;
    Client c = server.client();
    c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    auto began = Clock::now();
    CHECK(c.cmd({"XREAD", "BLOCK", "150", "STREAMS", "s", "$"}) == nil_array());
    Millis waited = since(began);
    CHECK(waited >= 140ms);
    CHECK(waited < 1500ms);
    began = Clock::now();
    CHECK(c.cmd({"XREAD", "BLOCK", "100", "STREAMS", "nokey", "0"}) == nil_array());
    CHECK(since(began) >= 90ms);
    began = Clock::now();
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "100", "STREAMS", "s", ">"}) ==
          nil_array());
    CHECK(since(began) >= 90ms);
    // An XREADGROUP > that found nothing (and so blocked) did not create its consumer.
    CHECK(c.cmd({"XINFO", "CONSUMERS", "s", "g"}) == array({}));
    c.cmd({"HELLO", "3"});
    CHECK(c.cmd({"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}).type == ReplyType::Null);
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "100", "STREAMS", "s", ">"}).type ==
          ReplyType::Null);
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("Every client blocked by XREAD gets the new entries, each within its COUNT") {
    Server server;
    Client admin = server.client();
    Client all = server.client();
    Client one = server.client();
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    start(all, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    start(one, {"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 2);
    // Both entries are added before the blocked clients are served.
    admin.send({"MULTI"});
    admin.send({"XADD", "s", "2-1", "a", "1"});
    admin.send({"XADD", "s", "3-1", "b", "2"});
    admin.send({"EXEC"});
    admin.flush();
    for (int i = 0; i < 3; ++i) admin.read();
    CHECK(admin.read() == array({bulk("2-1"), bulk("3-1")}));
    CHECK(all.read() ==
          array({stream_reply("s", {entry("2-1", {"a", "1"}), entry("3-1", {"b", "2"})})}));
    CHECK(one.read() == array({stream_reply("s", {entry("2-1", {"a", "1"})})}));
    CHECK(blocked_clients(admin) == 0);
  }

  TEST_CASE("XREADGROUP BLOCK is woken by XADD and the entry becomes the consumer's pending") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client noack = server.client();
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    admin.cmd({"XGROUP", "CREATE", "s", "h", "$"});
    start(reader, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(noack, {"XREADGROUP", "GROUP", "h", "bob", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    CHECK_FALSE(reader.try_read(100ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
    CHECK(noack.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
    CHECK(admin.cmd({"XPENDING", "s", "g"}) ==
          array({integer(1), bulk("1-1"), bulk("1-1"), array({bulks({"alice", "1"})})}));
    CHECK(admin.cmd({"XPENDING", "s", "h"}) == array({integer(0), nil(), nil(), nil_array()}));
    Reply groups = admin.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 2);
    CHECK(groups.elements[0].elements[7] == bulk("1-1"));  // last-delivered-id
    CHECK(groups.elements[1].elements[7] == bulk("1-1"));
    // A history read never blocks, even with BLOCK and nothing to return.
    auto began = Clock::now();
    CHECK(reader.cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "1000", "STREAMS", "s",
                      "1-1"}) == array({stream_reply("s", {})}));
    CHECK(since(began) < 500ms);
  }

  TEST_CASE("Clients blocked by XREADGROUP on one group are served in arrival order") {
    Server server;
    Client admin = server.client();
    std::vector<std::unique_ptr<Client>> w;
    const std::vector<std::string> names = {"c1", "c2", "c3"};
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    for (size_t i = 0; i < names.size(); ++i) {
      w.push_back(std::make_unique<Client>(server.port()));
      start(*w.back(), {"XREADGROUP", "GROUP", "g", names[i], "BLOCK", "0", "STREAMS", "s", ">"});
      await_blocked(admin, static_cast<long long>(i) + 1);
    }
    // A plain reader blocked in between gets every entry regardless.
    Client plain = server.client();
    start(plain, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 4);
    admin.cmd({"XADD", "s", "1-1", "n", "1"});
    CHECK(w[0]->read() == array({stream_reply("s", {entry("1-1", {"n", "1"})})}));
    CHECK(plain.read() == array({stream_reply("s", {entry("1-1", {"n", "1"})})}));
    CHECK_FALSE(w[1]->try_read(50ms).has_value());
    await_blocked(admin, 2);
    admin.cmd({"XADD", "s", "2-1", "n", "2"});
    CHECK(w[1]->read() == array({stream_reply("s", {entry("2-1", {"n", "2"})})}));
    CHECK_FALSE(w[2]->try_read(50ms).has_value());
    // Two entries in one transaction all go to the first waiting consumer.
    start(*w[0], {"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    admin.send({"MULTI"});
    admin.send({"XADD", "s", "3-1", "n", "3"});
    admin.send({"XADD", "s", "4-1", "n", "4"});
    admin.send({"EXEC"});
    admin.flush();
    for (int i = 0; i < 4; ++i) admin.read();
    CHECK(w[2]->read() ==
          array({stream_reply("s", {entry("3-1", {"n", "3"}), entry("4-1", {"n", "4"})})}));
    CHECK_FALSE(w[0]->try_read(50ms).has_value());
    CHECK(blocked_clients(admin) == 1);
    CHECK(admin.cmd({"XPENDING", "s", "g"}) ==
          array({integer(4), bulk("1-1"), bulk("4-1"),
                 array({bulks({"c1", "1"}), bulks({"c2", "1"}), bulks({"c3", "2"})})}));
  }

  TEST_CASE("A blocked XREADGROUP gets NOGROUP when its group is destroyed") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client other = server.client();
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    admin.cmd({"XGROUP", "CREATE", "s", "keep", "$"});
    start(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(other, {"XREADGROUP", "GROUP", "keep", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    CHECK(admin.cmd({"XGROUP", "DESTROY", "s", "g"}) == integer(1));
    CHECK(reader.read() == error(kGroupGone));
    await_blocked(admin, 1);  // the client of the other group still waits
    CHECK_FALSE(other.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(other.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
  }

  TEST_CASE(
      "A blocked XREADGROUP gets UNBLOCKED when its key goes, a blocked XREAD keeps waiting") {
    Server server;
    Client admin = server.client();
    Client group_reader = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});  // $ is 1-1 from now on
    await_blocked(admin, 2);
    CHECK(admin.cmd({"DEL", "s"}) == integer(1));
    CHECK(group_reader.read() == error(kKeyGone));
    await_blocked(admin, 1);
    CHECK_FALSE(reader.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "old", "id"});  // a new stream, but not above 1-1
    CHECK_FALSE(reader.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "2-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("s", {entry("2-1", {"f", "v"})})}));

    // Replacing the key by a list (RENAME over it) or FLUSHALL does the same.
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$"});
    admin.cmd({"RPUSH", "list", "x"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    admin.cmd({"RENAME", "list", "s"});
    CHECK(group_reader.read() == error(kKeyGone));
    admin.cmd({"DEL", "s"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    admin.cmd({"FLUSHALL"});
    CHECK(group_reader.read() == error(kKeyGone));
    CHECK(blocked_clients(admin) == 0);
  }

  TEST_CASE("CLIENT UNBLOCK ends XREAD BLOCK with a null array, or an error with ERROR") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    const std::string id = std::to_string(reader.cmd({"CLIENT", "ID"}).integer);
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(reader.read() == nil_array());
    start(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "ERROR"}) == integer(1));
    CHECK(reader.read() == error(kUnblocked));
    admin.cmd({"XADD", "s", "1-1", "f", "v"});  // nobody waits any more: nothing delivered
    CHECK(admin.cmd({"XPENDING", "s", "g"}) == array({integer(0), nil(), nil(), nil_array()}));
    CHECK(reader.cmd({"PING"}) == status("PONG"));
  }

  TEST_CASE("Blocked XREAD and XREADGROUP clients under RESP3 are woken with a map") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client group_reader = server.client();
    reader.cmd({"HELLO", "3"});
    group_reader.cmd({"HELLO", "3"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    for (Client* c : {&reader, &group_reader}) {
      Reply r = c->read();
      CHECK(r.type == ReplyType::Map);
      REQUIRE(r.elements.size() == 2);
      CHECK(r.elements[0] == bulk("s"));
      CHECK(r.elements[1] == array({entry("1-1", {"f", "v"})}));
    }
  }
}
