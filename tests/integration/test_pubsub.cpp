// Pub/sub: SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH / SPUBLISH, PUBSUB
// introspection, RESP2 subscribed mode, RESP3 push frames, cleanup on disconnect and the pubsub
// output-buffer limit. Most cases are differential: the same multi-client scenario runs against
// the server under test and a real redis-server, and the two transcripts must be identical.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace postbox::it;

namespace {

// Everything one scenario saw, one line per reply, labelled with the client that got it.
struct Transcript {
  std::vector<std::string> lines;

  void note(const std::string& who, const Reply& r) { lines.push_back(who + ": " + r.repr()); }

  // Sends `cmd` and records `replies` replies (one per channel for the subscribe family).
  void run(Client& c, const std::string& who, const Cmd& cmd, size_t replies = 1) {
    c.send(cmd);
    c.flush();
    lines.push_back(who + "> " + cmd_str(cmd));
    for (size_t i = 0; i < replies; ++i) note(who, c.read());
  }

  // Runs a command whose reply differs between servers by design (HELLO shows the client id):
  // only its success is recorded.
  void quiet(Client& c, const std::string& who, const Cmd& cmd) {
    Reply r = c.cmd(cmd);
    lines.push_back(who + "> " + cmd_str(cmd) + (r.is_error() ? " failed: " + r.str : " ok"));
  }

  // Records `n` frames that must already be on their way (messages), then checks no more come.
  void expect(Client& c, const std::string& who, size_t n) {
    for (size_t i = 0; i < n; ++i) note(who, c.read());
    if (auto extra = c.try_read(50ms)) note(who + " (unexpected)", *extra);
  }

  // An unsubscribe-all answers in the server's hash order: record the names as a sorted set and
  // the counts in arrival order, which is deterministic (n-1 down to 0).
  void run_unordered(Client& c, const std::string& who, const Cmd& cmd, size_t replies) {
    c.send(cmd);
    c.flush();
    std::vector<std::string> names, counts;
    std::string shape;
    for (size_t i = 0; i < replies; ++i) {
      Reply r = c.read();
      REQUIRE(r.elements.size() == 3);
      shape = std::to_string(static_cast<int>(r.type)) + " " + r.elements[0].repr();
      names.push_back(r.elements[1].repr());
      counts.push_back(r.elements[2].repr());
    }
    std::sort(names.begin(), names.end());
    std::string line = who + "> " + cmd_str(cmd) + " -> " + shape + " names";
    for (auto& n : names) line += " " + n;
    line += " counts";
    for (auto& n : counts) line += " " + n;
    lines.push_back(line);
  }
};

using Scenario = std::function<void(Server&, Transcript&)>;

// Plays `scenario` on the server under test and on redis-server; the transcripts must match.
void differential(const Scenario& scenario, std::vector<std::string> extra = {}) {
  Differential d(std::move(extra));
  REQUIRE_ORACLE(d);
  Transcript ours, theirs;
  scenario(d.ours(), ours);
  scenario(d.oracle(), theirs);
  size_t n = std::max(ours.lines.size(), theirs.lines.size());
  for (size_t i = 0; i < n; ++i) {
    std::string a = i < ours.lines.size() ? ours.lines[i] : "<nothing>";
    std::string b = i < theirs.lines.size() ? theirs.lines[i] : "<nothing>";
    CHECK_MESSAGE(a == b, "step " << i << "\n   ours: " << a << "\n  redis: " << b);
  }
}

// A RESP3 push frame, as a subscriber sees confirmations and messages.
Reply push(std::vector<Reply> elements) {
  Reply r;
  r.type = ReplyType::Push;
  r.elements = std::move(elements);
  return r;
}

long long numsub(Client& c, const std::string& channel) {
  Reply r = c.cmd({"PUBSUB", "NUMSUB", channel});
  REQUIRE(r.elements.size() == 2);
  return r.elements[1].integer;
}

long long info_stat(Client& c, const std::string& field) {
  Reply info = c.cmd({"INFO", "stats"});
  size_t at = info.str.find(field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.str.substr(at + field.size() + 1));
}

// omem of the connection named `name` in CLIENT LIST, or -1 when it is gone.
long long output_memory(Client& admin, const std::string& name) {
  std::string list = admin.cmd({"CLIENT", "LIST"}).str;
  size_t at = list.find(" name=" + name + " ");
  if (at == std::string::npos) return -1;
  size_t line_end = list.find('\n', at);
  size_t om = list.find(" omem=", at);
  if (om == std::string::npos || om > line_end) return -1;
  return std::stoll(list.substr(om + 6));
}

const char* kSubscribedOnly =
    "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

}  // namespace

TEST_SUITE("pubsub") {
  TEST_CASE("SUBSCRIBE confirms every channel with the running count, duplicates included") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      t.run(c, "c", {"SUBSCRIBE", "c1", "c2", "c1"}, 3);
      t.run(c, "c", {"SUBSCRIBE", "c3"}, 1);
      t.run(c, "c", {"UNSUBSCRIBE", "c2", "never-joined", "c2"}, 3);
      t.run(c, "c", {"PING"});
      t.run(c, "c", {"PING", "hello"});
      t.run(c, "c", {"UNSUBSCRIBE", "c1", "c3"}, 2);
      t.run(c, "c", {"PING"});  // out of subscribed mode: a plain PONG again
      t.run(c, "c", {"SUBSCRIBE", ""}, 1);
    });
  }

  TEST_CASE("UNSUBSCRIBE without arguments leaves every channel, or answers a null name") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      t.run(c, "c", {"UNSUBSCRIBE"});
      t.run(c, "c", {"PUNSUBSCRIBE"});
      t.run(c, "c", {"SUBSCRIBE", "a", "b", "c"}, 3);
      t.run(c, "c", {"PSUBSCRIBE", "p*"});
      t.run_unordered(c, "c", {"UNSUBSCRIBE"}, 3);
      t.run(c, "c", {"UNSUBSCRIBE"});  // the pattern still counts
      t.run(c, "c", {"PUNSUBSCRIBE"});
      t.run(c, "c", {"PUNSUBSCRIBE"});
      Client r3 = s.client();
      t.quiet(r3, "r3", {"HELLO", "3"});
      t.run(r3, "r3", {"UNSUBSCRIBE"});
      t.run(r3, "r3", {"SUBSCRIBE", "x", "y"}, 2);
      t.run_unordered(r3, "r3", {"UNSUBSCRIBE"}, 2);
      t.run(r3, "r3", {"PUNSUBSCRIBE"});
    });
  }

  TEST_CASE("PUBLISH answers the number of receivers and each subscriber gets the message") {
    differential([](Server& s, Transcript& t) {
      Client pub = s.client();
      Client a = s.client();
      Client b = s.client();
      t.run(pub, "pub", {"PUBLISH", "news", "nobody listens"});
      t.run(a, "a", {"SUBSCRIBE", "news", "sport"}, 2);
      t.run(b, "b", {"SUBSCRIBE", "news"}, 1);
      t.run(pub, "pub", {"PUBLISH", "news", "hello"});
      t.expect(a, "a", 1);
      t.expect(b, "b", 1);
      t.run(pub, "pub", {"PUBLISH", "sport", std::string("bin\0ary\r\n", 9)});
      t.expect(a, "a", 1);
      t.expect(b, "b", 0);
      t.run(pub, "pub", {"PUBLISH", "News", "case matters"});
      t.expect(a, "a", 0);
      t.run(b, "b", {"UNSUBSCRIBE", "news"}, 1);
      t.run(pub, "pub", {"PUBLISH", "news", "again"});
      t.expect(a, "a", 1);
      t.expect(b, "b", 0);
      t.run(b, "b", {"PING"});  // b left subscribed mode with its last channel
    });
  }

  TEST_CASE("a message matching a channel and a pattern of one subscriber arrives twice") {
    differential([](Server& s, Transcript& t) {
      Client pub = s.client();
      Client sub = s.client();
      t.run(sub, "sub", {"SUBSCRIBE", "orders.eu"}, 1);
      t.run(sub, "sub", {"PSUBSCRIBE", "orders.*", "orders.*"}, 2);
      t.run(pub, "pub", {"PUBLISH", "orders.eu", "o1"});
      t.expect(sub, "sub", 2);  // message first, then pmessage
      t.run(pub, "pub", {"PUBLISH", "orders.us", "o2"});
      t.expect(sub, "sub", 1);
      t.run(pub, "pub", {"PUBLISH", "orders", "o3"});
      t.expect(sub, "sub", 0);
      t.run(sub, "sub", {"PUNSUBSCRIBE", "orders.*", "nope"}, 2);
      t.run(pub, "pub", {"PUBLISH", "orders.eu", "o4"});
      t.expect(sub, "sub", 1);
    });
  }

  TEST_CASE(
      "patterns use glob rules: sets, ranges, escapes, and * never matches the empty channel") {
    differential([](Server& s, Transcript& t) {
      Client pub = s.client();
      Client sub = s.client();
      t.run(sub, "sub", {"PSUBSCRIBE", "h[ae]llo", "x?z", "lit\\*"}, 3);
      for (const char* ch : {"hello", "hallo", "hillo", "xyz", "xz", "lit*", "litx"}) {
        Reply n = pub.cmd({"PUBLISH", ch, "m"});
        t.note(std::string("pub ") + ch, n);
        t.expect(sub, "sub", static_cast<size_t>(n.integer));
      }
      Client star = s.client();
      t.run(star, "star", {"PSUBSCRIBE", "*"}, 1);
      t.run(pub, "pub", {"PUBLISH", "", "empty channel"});
      t.expect(star, "star", 0);
      t.run(pub, "pub", {"PUBLISH", "any", "m"});
      t.expect(star, "star", 1);
    });
  }

  TEST_CASE("PUBSUB CHANNELS, NUMSUB and NUMPAT describe the current subscriptions") {
    differential([](Server& s, Transcript& t) {
      Client q = s.client();
      Client a = s.client();
      Client b = s.client();
      auto sorted = [&](const Cmd& cmd) {
        Reply r = q.cmd(cmd);
        std::sort(r.elements.begin(), r.elements.end(),
                  [](const Reply& x, const Reply& y) { return x.repr() < y.repr(); });
        t.note("q " + cmd_str(cmd), r);
      };
      t.run(q, "q", {"PUBSUB", "NUMSUB"});
      t.run(q, "q", {"PUBSUB", "NUMPAT"});
      sorted({"PUBSUB", "CHANNELS"});
      t.run(a, "a", {"SUBSCRIBE", "news.eu", "news.us", "", "sport"}, 4);
      t.run(b, "b", {"SUBSCRIBE", "news.eu"}, 1);
      t.run(a, "a", {"PSUBSCRIBE", "news.*", "x"}, 2);
      t.run(b, "b", {"PSUBSCRIBE", "news.*"}, 1);
      sorted({"PUBSUB", "CHANNELS"});
      sorted({"PUBSUB", "CHANNELS", "*"});
      sorted({"PUBSUB", "channels", "news.*"});
      sorted({"PUBSUB", "CHANNELS", "nothing*"});
      t.run(q, "q", {"PUBSUB", "NUMSUB", "news.eu", "sport", "news.*", "absent", "news.eu"});
      t.run(q, "q", {"PUBSUB", "NUMPAT"});
      t.quiet(q, "q", {"HELLO", "3"});
      t.run(q, "q", {"PUBSUB", "NUMSUB", "news.eu"});  // an array in RESP3 too
      t.run(q, "q", {"PUBSUB", "NUMPAT"});
      t.run(a, "a", {"RESET"});
      t.run(q, "q", {"PUBSUB", "NUMSUB", "news.eu", "sport"});
      t.run(q, "q", {"PUBSUB", "NUMPAT"});
    });
  }

  TEST_CASE("PUBSUB, SUBSCRIBE and PUBLISH argument errors and HELP match Redis") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      for (const Cmd& cmd : std::vector<Cmd>{{"PUBSUB"},
                                             {"PUBSUB", "nosuch"},
                                             {"PUBSUB", "CHANNELS", "a", "b"},
                                             {"PUBSUB", "channels", "a", "b"},
                                             {"PUBSUB", "SHARDCHANNELS", "a", "b"},
                                             {"PUBSUB", "NUMPAT", "x"},
                                             {"PUBSUB", "HELP"},
                                             {"PUBSUB", "help", "x"},
                                             {"SUBSCRIBE"},
                                             {"PSUBSCRIBE"},
                                             {"SSUBSCRIBE"},
                                             {"PUBLISH", "x"},
                                             {"PUBLISH", "x", "y", "z"},
                                             {"SPUBLISH", "x"}}) {
        t.run(c, "c", cmd);
      }
    });
  }

  TEST_CASE("COMMAND INFO declares the pub/sub commands as Redis does") {
    Differential d;
    REQUIRE_ORACLE(d);
    for (const char* name : {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish",
                             "ssubscribe", "sunsubscribe", "spublish"}) {
      // Up to the ACL categories: key specs are described differently.
      auto head = [](const Cmd&, Reply& r) {
        if (!r.elements.empty() && r.elements[0].elements.size() > 7) {
          r.elements[0].elements.resize(7);
        }
      };
      d.same({"COMMAND", "INFO", name}, head);
    }
    for (const char* sub : {"pubsub|channels", "pubsub|numsub", "pubsub|numpat", "pubsub|help",
                            "pubsub|shardchannels", "pubsub|shardnumsub"}) {
      d.same({"COMMAND", "INFO", sub});
    }
  }

  TEST_CASE("a RESP2 subscriber may only run the subscribe family, PING, QUIT and RESET") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      t.run(c, "c", {"SUBSCRIBE", "ch"}, 1);
      t.run(c, "c", {"LPUSH", "k", "v"});
      t.run(c, "c", {"DBSIZE"});
      t.run(c, "c", {"CLIENT", "ID"});
      t.run(c, "c", {"MULTI"});
      t.run(c, "c", {"PUBLISH", "ch", "to myself"});
      t.run(c, "c", {"NOSUCHCOMMAND"});  // unknown commands are reported as such first
      t.run(c, "c", {"SUBSCRIBE"});      // and so are arity errors
      t.run(c, "c", {"PING", "still here"});
      t.run(c, "c", {"PSUBSCRIBE", "p"}, 1);
      t.run(c, "c", {"UNSUBSCRIBE"}, 1);
      t.run(c, "c", {"DBSIZE"});  // the pattern keeps it in subscribed mode
      t.run(c, "c", {"RESET"});
      t.run(c, "c", {"DBSIZE"});
      t.run(c, "c", {"PUBSUB", "NUMPAT"});
      t.run(c, "c", {"SUBSCRIBE", "ch"}, 1);
      t.run(c, "c", {"QUIT"});
      CHECK(c.closed_within(2000ms));
    });
  }

  TEST_CASE("the subscribed-mode error names the command as Redis does") {
    Server server;
    Client c = server.client();
    c.send({"SUBSCRIBE", "ch"});
    c.flush();
    c.read();
    CHECK(c.cmd({"LLEN", "q"}) ==
          error(std::string("ERR Can't execute 'llen': ") + kSubscribedOnly));
    CHECK(c.cmd({"CLIENT", "SETNAME", "x"}) ==
          error(std::string("ERR Can't execute 'client|setname': ") + kSubscribedOnly));
    CHECK(c.cmd({"PING"}) == bulks({"pong", ""}));
  }

  TEST_CASE("a RESP3 subscriber may run any command and gets messages as push frames") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      Client pub = s.client();
      t.quiet(c, "c", {"HELLO", "3"});
      t.run(c, "c", {"SUBSCRIBE", "ch"}, 1);
      t.run(c, "c", {"PSUBSCRIBE", "c*"}, 1);
      t.run(c, "c", {"RPUSH", "k", "v"});
      t.run(c, "c", {"LRANGE", "k", "0", "-1"});
      t.run(c, "c", {"PING"});
      t.run(c, "c", {"PING", "x"});
      // Publishing to itself: both pushes come before the PUBLISH reply.
      t.run(c, "c", {"PUBLISH", "ch", "self"}, 3);
      t.run(pub, "pub", {"PUBLISH", "ch", "from outside"});
      t.expect(c, "c", 2);
      t.run(c, "c", {"MULTI"});
      t.run(c, "c", {"PUBLISH", "ch", "in a transaction"});
      t.run(c, "c", {"EXEC"}, 3);
      t.quiet(c, "c", {"HELLO", "2"});  // back to RESP2 while subscribed: subscribed mode
      t.run(c, "c", {"LLEN", "k"});
      t.run(pub, "pub", {"PUBLISH", "ch", "as RESP2"});
      t.expect(c, "c", 2);
    });
  }

  TEST_CASE("RESP3 confirmations and messages are push frames") {
    Server server;
    Client c = server.client();
    Client pub = server.client();
    c.cmd({"HELLO", "3"});
    c.send({"SUBSCRIBE", "ch"});
    c.flush();
    CHECK(c.read() == push({bulk("subscribe"), bulk("ch"), integer(1)}));
    c.send({"PSUBSCRIBE", "c?"});
    c.flush();
    CHECK(c.read() == push({bulk("psubscribe"), bulk("c?"), integer(2)}));
    CHECK(pub.cmd({"PUBLISH", "ch", "m"}) == integer(2));
    CHECK(c.read() == push({bulk("message"), bulk("ch"), bulk("m")}));
    CHECK(c.read() == push({bulk("pmessage"), bulk("c?"), bulk("ch"), bulk("m")}));
    c.send({"UNSUBSCRIBE", "ch"});
    c.flush();
    CHECK(c.read() == push({bulk("unsubscribe"), bulk("ch"), integer(1)}));
    c.send({"UNSUBSCRIBE"});
    c.flush();
    Reply none;
    none.type = ReplyType::Null;
    CHECK(c.read() == push({bulk("unsubscribe"), none, integer(1)}));
  }

  TEST_CASE("SUBSCRIBE inside MULTI takes effect at EXEC") {
    differential([](Server& s, Transcript& t) {
      Client c = s.client();
      Client pub = s.client();
      t.run(c, "c", {"MULTI"});
      t.run(c, "c", {"SUBSCRIBE", "t"});
      t.run(c, "c", {"PSUBSCRIBE", "t*"});
      t.run(c, "c", {"EXEC"});
      t.run(c, "c", {"DBSIZE"});
      t.run(pub, "pub", {"PUBLISH", "t", "m"});
      t.expect(c, "c", 2);
    });
  }

  TEST_CASE("sharded SSUBSCRIBE, SPUBLISH and SUNSUBSCRIBE are a namespace of their own") {
    differential([](Server& s, Transcript& t) {
      Client a = s.client();
      Client pub = s.client();
      t.run(a, "a", {"SUNSUBSCRIBE"});
      t.run(a, "a", {"SSUBSCRIBE", "s1", "s2", "s1"}, 3);
      t.run(a, "a", {"SUBSCRIBE", "x"}, 1);  // its count leaves shard channels out
      t.run(a, "a", {"PSUBSCRIBE", "*"}, 1);
      t.run(pub, "pub", {"SPUBLISH", "s1", "sharded"});
      t.expect(a, "a", 1);
      t.run(pub, "pub", {"PUBLISH", "s1", "plain"});  // the pattern only
      t.expect(a, "a", 1);
      t.run(pub, "pub", {"SPUBLISH", "x", "no shard subscriber"});
      t.expect(a, "a", 0);
      std::vector<Cmd> intro = {{"PUBSUB", "SHARDCHANNELS", "s?"},
                                {"PUBSUB", "SHARDNUMSUB", "s1", "x"},
                                {"PUBSUB", "NUMSUB", "s1", "x"},
                                {"PUBSUB", "CHANNELS"}};
      for (const Cmd& cmd : intro) {
        Reply r = pub.cmd(cmd);
        if (cmd[1] == "SHARDCHANNELS") {
          std::sort(r.elements.begin(), r.elements.end(),
                    [](const Reply& p, const Reply& q) { return p.repr() < q.repr(); });
        }
        t.note("pub " + cmd_str(cmd), r);
      }
      t.run(a, "a", {"SUNSUBSCRIBE", "zz"}, 1);
      t.run(a, "a", {"UNSUBSCRIBE"}, 1);
      t.run(a, "a", {"PUNSUBSCRIBE"}, 1);
      t.run(a, "a", {"DBSIZE"});  // shard channels alone keep it in subscribed mode
      t.run_unordered(a, "a", {"SUNSUBSCRIBE"}, 2);
      t.run(a, "a", {"DBSIZE"});
      t.quiet(a, "a", {"HELLO", "3"});
      t.run(a, "a", {"SSUBSCRIBE", "q"}, 1);
      t.run(a, "a", {"SPUBLISH", "q", "self"}, 2);
    });
  }

  TEST_CASE("a subscriber that disconnects leaves no subscription behind") {
    Server server;
    Client admin = server.client();
    {
      Client sub = server.client();
      sub.send({"SUBSCRIBE", "gone", "shared"});
      sub.send({"PSUBSCRIBE", "g*"});
      sub.send({"SSUBSCRIBE", "sg"});
      sub.flush();
      for (int i = 0; i < 4; ++i) sub.read();
      CHECK(numsub(admin, "gone") == 1);
    }
    Client stays = server.client();
    stays.send({"SUBSCRIBE", "shared"});
    stays.flush();
    stays.read();
    CHECK(eventually([&] { return numsub(admin, "gone") == 0; }));
    CHECK(numsub(admin, "shared") == 1);
    CHECK(admin.cmd({"PUBSUB", "NUMPAT"}) == integer(0));
    CHECK(admin.cmd({"PUBSUB", "SHARDNUMSUB", "sg"}) == array({bulk("sg"), integer(0)}));
    CHECK(admin.cmd({"PUBSUB", "CHANNELS"}) == bulks({"shared"}));
    CHECK(admin.cmd({"PUBLISH", "gone", "m"}) == integer(0));
    CHECK(admin.cmd({"PUBLISH", "shared", "m"}) == integer(1));
  }

  TEST_CASE("RESET drops every subscription of the client") {
    Server server;
    Client admin = server.client();
    Client c = server.client();
    c.send({"SUBSCRIBE", "a", "b"});
    c.send({"PSUBSCRIBE", "p*"});
    c.flush();
    for (int i = 0; i < 3; ++i) c.read();
    CHECK(c.cmd({"RESET"}) == status("RESET"));
    CHECK(admin.cmd({"PUBSUB", "NUMSUB", "a", "b"}) ==
          array({bulk("a"), integer(0), bulk("b"), integer(0)}));
    CHECK(admin.cmd({"PUBSUB", "NUMPAT"}) == integer(0));
    CHECK(admin.cmd({"PUBLISH", "a", "m"}) == integer(0));
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
  }

  TEST_CASE("INFO stats counts distinct channels and patterns") {
    Server server;
    Client admin = server.client();
    Client a = server.client();
    Client b = server.client();
    CHECK(info_stat(admin, "pubsub_channels") == 0);
    CHECK(info_stat(admin, "pubsub_patterns") == 0);
    a.send({"SUBSCRIBE", "x", "y"});
    a.send({"PSUBSCRIBE", "p*"});
    b.send({"SUBSCRIBE", "x"});
    b.send({"PSUBSCRIBE", "p*", "q*"});
    a.flush();
    b.flush();
    for (int i = 0; i < 3; ++i) a.read(), b.read();
    CHECK(info_stat(admin, "pubsub_channels") == 2);
    CHECK(info_stat(admin, "pubsub_patterns") == 2);
    CHECK(admin.cmd({"PUBSUB", "NUMPAT"}) == integer(2));
  }

  TEST_CASE("a thousand pipelined messages reach every subscriber complete and in order") {
    Server server;
    Client pub = server.client();
    Client s1 = server.client();
    Client s2 = server.client();
    s2.cmd({"HELLO", "3"});
    for (Client* s : {&s1, &s2}) {
      s->send({"SUBSCRIBE", "stream"});
      s->flush();
      s->read();
    }
    const int n = 1000;
    for (int i = 0; i < n; ++i) pub.send({"PUBLISH", "stream", "m" + std::to_string(i)});
    pub.flush();
    for (int i = 0; i < n; ++i) REQUIRE(pub.read() == integer(2));
    for (int i = 0; i < n; ++i) {
      std::string want = "m" + std::to_string(i);
      REQUIRE(s1.read() == bulks({"message", "stream", want}));
      REQUIRE(s2.read() == push({bulk("message"), bulk("stream"), bulk(want)}));
    }
    CHECK_FALSE(s1.try_read(50ms).has_value());
  }

  TEST_CASE("CLIENT REPLY OFF does not silence messages from other clients") {
    differential([](Server& s, Transcript& t) {
      Client sub = s.client();
      Client pub = s.client();
      t.quiet(sub, "sub", {"HELLO", "3"});
      t.run(sub, "sub", {"SUBSCRIBE", "q"}, 1);
      sub.send({"CLIENT", "REPLY", "OFF"});
      sub.send({"PING"});
      sub.flush();
      t.run(pub, "pub", {"PUBLISH", "q", "m1"});
      t.expect(sub, "sub", 1);  // the message, and nothing for CLIENT REPLY OFF or PING
      t.run(sub, "sub", {"CLIENT", "REPLY", "ON"});
    });
  }

  TEST_CASE("a subscriber that never reads is disconnected at the pubsub hard limit") {
    Server server({"--client-output-buffer-limit", "pubsub 64kb 32kb 60"});
    Client admin = server.client();
    Client pub = server.client();
    Client slow = server.client();
    Client healthy = server.client();
    for (Client* s : {&slow, &healthy}) {
      s->send({"SUBSCRIBE", "firehose"});
      s->flush();
      s->read();
    }
    CHECK(numsub(admin, "firehose") == 2);
    // Each message is below the limit, so a subscriber that reads keeps up; the slow one's
    // backlog outgrows the kernel's socket buffers and piles up in the server.
    const std::string payload(16 * 1024, 'x');
    const int cap = 8000;  // 128 MB: far beyond any socket buffer
    int published = 0;
    for (; published < cap && numsub(admin, "firehose") == 2; ++published) {
      REQUIRE(pub.cmd({"PUBLISH", "firehose", payload}).integer >= 1);
      // The healthy subscriber keeps up, so only the slow one falls behind.
      REQUIRE(healthy.read() == bulks({"message", "firehose", payload}));
    }
    CHECK(published < cap);
    MESSAGE("slow subscriber disconnected after " << published << " messages of 16 KB");
    CHECK(eventually([&] { return numsub(admin, "firehose") == 1; }));
    CHECK(slow.closed_within(5000ms));
    CHECK(pub.cmd({"PUBLISH", "firehose", "after"}) == integer(1));
    CHECK(healthy.read() == bulks({"message", "firehose", "after"}));
    CHECK(admin.cmd({"PING"}) == status("PONG"));
    CHECK(server.log_tail().find("for overcoming of output buffer limits") != std::string::npos);
  }

  TEST_CASE("a subscriber over the pubsub soft limit for longer than its time is disconnected") {
    Server server({"--client-output-buffer-limit", "pubsub 1mb 32kb 1"});
    Client admin = server.client();
    Client pub = server.client();
    Client slow = server.client();
    slow.cmd({"CLIENT", "SETNAME", "slow"});
    slow.send({"SUBSCRIBE", "ch"});
    slow.flush();
    slow.read();
    // Small messages until the server holds more than the soft limit for the subscriber (the
    // kernel's buffers fill first), staying well below the hard limit.
    const std::string payload(4096, 'y');
    bool over_soft = false;
    for (int i = 0; i < 20000 && !over_soft; ++i) {
      REQUIRE(pub.cmd({"PUBLISH", "ch", payload}) == integer(1));
      over_soft = output_memory(admin, "slow") > 40 * 1024;
    }
    REQUIRE(over_soft);
    CHECK(numsub(admin, "ch") == 1);  // not yet: the soft limit allows one second
    std::this_thread::sleep_for(1300ms);
    pub.cmd({"PUBLISH", "ch", "one more"});
    CHECK(eventually([&] { return numsub(admin, "ch") == 0; }));
    CHECK(slow.closed_within(5000ms));
    CHECK(server.log_tail().find("for overcoming of output buffer limits") != std::string::npos);
  }

  TEST_CASE("subscribers under the limits keep receiving") {
    Server server({"--client-output-buffer-limit", "pubsub 64kb 32kb 1"});
    Client pub = server.client();
    Client sub = server.client();
    sub.send({"SUBSCRIBE", "ch"});
    sub.flush();
    sub.read();
    const std::string payload(1000, 'z');
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 20; ++i) pub.send({"PUBLISH", "ch", payload});
      pub.flush();
      for (int i = 0; i < 20; ++i) REQUIRE(pub.read() == integer(1));
      for (int i = 0; i < 20; ++i) REQUIRE(sub.read() == bulks({"message", "ch", payload}));
      std::this_thread::sleep_for(400ms);
    }
    CHECK(numsub(pub, "ch") == 1);
  }
}

TEST_CASE("Subscription confirmations are sent even with CLIENT REPLY OFF, as in Redis") {
  Differential d;
  REQUIRE_ORACLE(d);
  const char* bytes = "CLIENT REPLY OFF\r\nPING\r\nSUBSCRIBE a b\r\n";
  RawResult ours = raw_exchange(d.ours().port(), bytes);
  RawResult theirs = raw_exchange(d.oracle().port(), bytes);
  CHECK(ours.data == theirs.data);
  CHECK(ours.data.find("subscribe") != std::string::npos);
}
