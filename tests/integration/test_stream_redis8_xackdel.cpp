// Redis 8.2's XACKDEL and XDELEX with KEEPREF, DELREF and ACKED: what they delete, which
// pending lists keep references, their replies for missing keys and groups, their errors, and
// what the deletions do to max-deleted-entry-id. Postbox does not implement these options on
// XADD and XTRIM (README, "Redis 8 verbs"), so no case covers them there.
// Asserted by hand against Redis 8's source and skipped against redis-server 7.0 (see
// test_stream_redis8.h); doctest::skip() marks where Postbox disagrees with Redis 8.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_replies.h"
#include "test_stream_redis8.h"

using namespace postbox::it;
using namespace postbox::it::redis8;

TEST_SUITE("redis8-verbs") {
  TEST_CASE("XACKDEL acknowledges and deletes only ids pending in the group, KEEPREF by default") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XGROUP", "CREATE", "s", "h", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
    c.cmd({"XREADGROUP", "GROUP", "h", "b", "COUNT", "2", "STREAMS", "s", ">"});
    // 3-1 exists but is not pending in g; 9-9 does not exist.
    CHECK(c.cmd({"XACKDEL", "s", "g", "IDS", "3", "1-1", "3-1", "9-9"}) ==
          array({integer(1), integer(-1), integer(-1)}));
    CHECK(c.cmd({"XACKDEL", "s", "g", "KEEPREF", "IDS", "1", "2-1"}) == array({integer(1)}));
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({entry("3-1", fv(3)), entry("4-1", fv(4))}));
    CHECK(pel(c, "s", "g").empty());
    // The other group's references stay; acknowledging one whose entry is gone still gives 1.
    CHECK(pel(c, "s", "h").size() == 2);
    CHECK(c.cmd({"XACKDEL", "s", "h", "IDS", "1", "1-1"}) == array({integer(1)}));
    CHECK(pel(c, "s", "h").size() == 1);
    // Released (unowned) entries are acknowledged the same way.
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"});
    c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "3-1"});
    CHECK(c.cmd({"XACKDEL", "s", "g", "IDS", "1", "3-1"}) == array({integer(1)}));
    CHECK(c.cmd({"XLEN", "s"}) == integer(1));
  }

  TEST_CASE("XACKDEL DELREF removes the id from every group's pending list") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 3);
    c.cmd({"XGROUP", "CREATE", "s", "h", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
    c.cmd({"XREADGROUP", "GROUP", "h", "b", "COUNT", "2", "STREAMS", "s", ">"});
    c.cmd({"XNACK", "s", "h", "FAIL", "IDS", "1", "2-1"});
    CHECK(c.cmd({"XACKDEL", "s", "g", "DELREF", "IDS", "2", "2-1", "3-1"}) ==
          array({integer(1), integer(-1)}));
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({entry("1-1", fv(1)), entry("3-1", fv(3))}));
    CHECK(owners(c, "s") == std::vector<std::string>{"1-1:a:1"});
    std::map<std::string, Pel> h = pel(c, "s", "h");
    CHECK(h.size() == 1);
    CHECK(h.count("1-1") == 1);
  }

  TEST_CASE("XACKDEL ACKED acknowledges but keeps an entry another group still references") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XGROUP", "CREATE", "s", "h", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    c.cmd({"XREADGROUP", "GROUP", "h", "b", "COUNT", "3", "STREAMS", "s", ">"});
    c.cmd({"XACK", "s", "h", "1-1"});
    c.cmd({"XNACK", "s", "h", "FAIL", "IDS", "1", "2-1"});
    // 1-1: h has read and acknowledged it -> deleted. 2-1: released in h, 3-1: pending in h,
    // 4-1: beyond h's last-delivered-id -> kept, but acknowledged in g.
    CHECK(c.cmd({"XACKDEL", "s", "g", "ACKED", "IDS", "5", "1-1", "2-1", "3-1", "4-1", "9-9"}) ==
          array({integer(1), integer(2), integer(2), integer(2), integer(-1)}));
    CHECK(c.cmd({"XLEN", "s"}) == integer(3));
    CHECK(pel(c, "s", "g").empty());
    // Once h is done with them, they go.
    c.cmd({"XACK", "s", "h", "2-1", "3-1"});
    c.cmd({"XREADGROUP", "GROUP", "h", "b", "STREAMS", "s", ">"});
    c.cmd({"XACK", "s", "h", "4-1"});
    c.cmd({"XCLAIM", "s", "g", "a", "0", "4-1", "FORCE", "JUSTID"});
    CHECK(c.cmd({"XACKDEL", "s", "g", "ACKED", "IDS", "1", "4-1"}) == array({integer(1)}));
  }

  TEST_CASE("XDELEX KEEPREF deletes and leaves references, DELREF drops them first") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XDELEX", "s", "IDS", "3", "1-1", "1-1", "9-9"}) ==
          array({integer(1), integer(-1), integer(-1)}));
    CHECK(c.cmd({"XDELEX", "s", "KEEPREF", "IDS", "1", "2-1"}) == array({integer(1)}));
    CHECK(pel(c).size() == 4);
    // DELREF drops the references even of ids no longer in the stream (-1).
    CHECK(c.cmd({"XDELEX", "s", "DELREF", "IDS", "3", "2-1", "3-1", "8-8"}) ==
          array({integer(-1), integer(1), integer(-1)}));
    CHECK(owners(c) == std::vector<std::string>{"1-1:a:1", "4-1:a:1"});
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({entry("4-1", fv(4))}));
    // A stream emptied this way stays.
    CHECK(c.cmd({"XDELEX", "s", "delref", "ids", "1", "4-1"}) == array({integer(1)}));
    CHECK(info_stream(c)["length"] == integer(0));
  }

  TEST_CASE("XDELEX ACKED keeps ids beyond a group's last-delivered-id or pending anywhere") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    for (int i = 1; i <= 6; ++i) {
      std::string k = std::to_string(i);
      c.cmd({"XADD", "s", k + "-1", "f" + k, "v" + k});
    }
    // No groups: nothing is referenced.
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "2", "1-1", "9-9"}) ==
          array({integer(1), integer(-1)}));
    c.cmd({"XGROUP", "CREATE", "s", "g", "3-1"});
    c.cmd({"XGROUP", "CREATE", "s", "h", "5-1"});
    c.cmd({"XREADGROUP", "GROUP", "h", "a", "COUNT", "1", "STREAMS", "s", ">"});  // 6-1 pending
    // Beyond min(last-delivered-id) = 3-1 -> 2, even for an id not in the stream (7-0).
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "6", "2-1", "3-1", "4-1", "6-1", "7-0", "1-1"}) ==
          array({integer(1), integer(1), integer(2), integer(2), integer(2), integer(-1)}));
    // g reads 4-1 and releases it, then reads 5-1: pending anywhere (owned or not) -> 2.
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"});
    c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "4-1"});
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"});
    c.cmd({"XACK", "s", "h", "6-1"});
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "3", "4-1", "5-1", "6-1"}) ==
          array({integer(2), integer(2), integer(2)}));
    c.cmd({"XACK", "s", "g", "4-1", "5-1"});
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "3", "4-1", "5-1", "6-1"}) ==
          array({integer(1), integer(1), integer(2)}));
    // XGROUP DESTROY removes the references.
    c.cmd({"XGROUP", "DESTROY", "s", "g"});
    c.cmd({"XGROUP", "DESTROY", "s", "h"});
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "1", "6-1"}) == array({integer(1)}));
  }

  TEST_CASE("XACKDEL and XDELEX answer -1 for each id of a missing key or group, ids unchecked") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 1);
    CHECK(c.cmd({"XDELEX", "nokey", "IDS", "2", "1-1", "bad"}) ==
          array({integer(-1), integer(-1)}));
    CHECK(c.cmd({"XACKDEL", "nokey", "g", "ACKED", "IDS", "1", "bad"}) == array({integer(-1)}));
    CHECK(c.cmd({"XACKDEL", "s", "nog", "DELREF", "IDS", "3", "1-1", "bad", "+"}) ==
          array({integer(-1), integer(-1), integer(-1)}));
  }

  TEST_CASE("XACKDEL and XDELEX errors: WRONGTYPE first, then options, IDS and the ids") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 2);
    c.cmd({"RPUSH", "list", "x"});
    CHECK(c.cmd({"XACKDEL", "s", "g", "IDS", "1"}) ==
          error("ERR wrong number of arguments for 'xackdel' command"));
    CHECK(c.cmd({"XDELEX", "s", "IDS", "1"}) ==
          error("ERR wrong number of arguments for 'xdelex' command"));
    CHECK(c.cmd({"XACKDEL", "list", "g", "BOGUS", "IDS", "1"}) == error(kWrongType));
    CHECK(c.cmd({"XDELEX", "list", "BOGUS", "IDS", "x"}) == error(kWrongType));
    // Options are parsed before the missing key or group turns into -1s.
    CHECK(c.cmd({"XDELEX", "nokey", "BOGUS", "IDS", "1", "1-1"}) == error(kSyntax));
    CHECK(c.cmd({"XACKDEL", "s", "nog", "IDS", "0", "1-1"}) ==
          error("ERR Number of IDs must be a positive integer"));
    for (const Cmd& cmd : std::vector<Cmd>{
             {"XDELEX", "s", "FOO", "IDS", "1", "1-1"},
             {"XDELEX", "s", "KEEPREF", "KEEPREF", "IDS", "1", "1-1"},
             {"XACKDEL", "s", "g", "KEEPREF", "ACKED", "IDS", "1", "1-1"},
             {"XDELEX", "s", "keepref", "IDS", "1", "1-1", "DELREF"},
             {"XDELEX", "s", "IDS", "1", "1-1", "2-1"},
             {"XACKDEL", "s", "g", "IDS", "1", "1-1", "FOO"},
         }) {
      CAPTURE(cmd_str(cmd));
      CHECK(c.cmd(cmd) == error(kSyntax));
    }
    for (const char* n : {"abc", "0", "-5"}) {
      CAPTURE(n);
      CHECK(c.cmd({"XDELEX", "s", "IDS", n, "1-1"}) ==
            error("ERR Number of IDs must be a positive integer"));
    }
    CHECK(c.cmd({"XDELEX", "s", "IDS", "3", "1-1", "2-1"}) ==
          error("ERR The `numids` parameter must match the number of arguments"));
    CHECK(c.cmd({"XACKDEL", "s", "g", "IDS", "2", "1-1", "+"}) == error(kBadId));
    CHECK(c.cmd({"XDELEX", "s", "IDS", "2", "1-1", "-"}) == error(kBadId));
    // The last IDS wins (and 1-1 survived the failed calls).
    CHECK(c.cmd({"XDELEX", "s", "IDS", "1", "2-1", "IDS", "1", "1-1"}) == array({integer(1)}));
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({entry("2-1", fv(2))}));
  }

  TEST_CASE("Deletions by XACKDEL and XDELEX move max-deleted-entry-id and the first entry") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XACKDEL", "s", "g", "IDS", "1", "2-1"}) == array({integer(1)}));
    auto info = info_stream(c);
    CHECK(info["max-deleted-entry-id"] == bulk("2-1"));
    CHECK(info["recorded-first-entry-id"] == bulk("1-1"));
    CHECK(c.cmd({"XDELEX", "s", "IDS", "1", "1-1"}) == array({integer(1)}));
    info = info_stream(c);
    CHECK(info["max-deleted-entry-id"] == bulk("2-1"));
    CHECK(info["recorded-first-entry-id"] == bulk("3-1"));
    // 2 and -1 change neither.
    CHECK(c.cmd({"XDELEX", "s", "ACKED", "IDS", "3", "4-1", "1-5", "9-9"}) ==
          array({integer(2), integer(-1), integer(2)}));
    info = info_stream(c);
    CHECK(info["max-deleted-entry-id"] == bulk("2-1"));
    CHECK(info["length"] == integer(2));
    CHECK(c.cmd({"XDELEX", "s", "IDS", "2", "4-1", "3-1"}) == array({integer(1), integer(1)}));
    info = info_stream(c);
    CHECK(info["max-deleted-entry-id"] == bulk("4-1"));
    CHECK(info["recorded-first-entry-id"] == bulk("0-0"));
    CHECK(info["entries-added"] == integer(4));
  }
}
