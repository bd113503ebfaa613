// The pub/sub family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, the sharded
// SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH (Redis 7.0; one shard here, so they act like a separate
// channel namespace) and PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP.
// Who listens to what lives in engine/pubsub; this file parses arguments and writes the frames.
// Confirmations and messages are push frames (">" in RESP3, plain arrays in RESP2), one per
// channel, as Redis sends them.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "util/glob.h"

namespace postbox {
namespace {

struct Verbs {
  const char* subscribe;
  const char* unsubscribe;
  const char* message;
};

const Verbs& verbs(SubKind kind) {
  static const Verbs channel{"subscribe", "unsubscribe", "message"};
  static const Verbs pattern{"psubscribe", "punsubscribe", "pmessage"};
  static const Verbs shard{"ssubscribe", "sunsubscribe", "smessage"};
  return kind == SubKind::Channel ? channel : kind == SubKind::Pattern ? pattern : shard;
}

// The count a confirmation carries: channels plus patterns, or shard channels alone.
size_t confirmed_count(const CommandContext& ctx, SubKind kind) {
  size_t shard = ctx.server.pubsub.count(ctx.client, SubKind::Shard);
  return kind == SubKind::Shard ? shard : ctx.client.subscriptions - shard;
}

// [verb, name, count]: the shape of every (un)subscribe confirmation. A null name answers an
// unsubscribe-all with nothing to unsubscribe from.
void confirm(ReplyBuilder& reply, std::string_view verb, const std::string_view* name,
             size_t count) {
  reply.push(3);
  reply.bulk(verb);
  if (name) {
    reply.bulk(*name);
  } else {
    reply.null();
  }
  reply.integer(static_cast<int64_t>(count));
}

void subscribe_each(CommandContext& ctx, SubKind kind) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    ctx.server.pubsub.subscribe(ctx.client, kind, name);
    confirm(ctx.reply, verbs(kind).subscribe, &name, confirmed_count(ctx, kind));
  }
}

// With names: one confirmation per name, subscribed or not. Without: every subscription of
// that kind goes, or a single confirmation with a null name when there was none.
void unsubscribe_each(CommandContext& ctx, SubKind kind) {
  PubSubRegistry& registry = ctx.server.pubsub;
  const char* verb = verbs(kind).unsubscribe;
  if (ctx.argc() == 1) {
    if (registry.count(ctx.client, kind) == 0) {
      return confirm(ctx.reply, verb, nullptr, confirmed_count(ctx, kind));
    }
    registry.unsubscribe_all(ctx.client, kind, [&](std::string_view name) {
      confirm(ctx.reply, verb, &name, confirmed_count(ctx, kind) - 1);  // called before it goes
    });
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    registry.unsubscribe(ctx.client, kind, name);
    confirm(ctx.reply, verb, &name, confirmed_count(ctx, kind));
  }
}

void subscribe(CommandContext& ctx) {
  subscribe_each(ctx, SubKind::Channel);
}
void unsubscribe(CommandContext& ctx) {
  unsubscribe_each(ctx, SubKind::Channel);
}
void psubscribe(CommandContext& ctx) {
  subscribe_each(ctx, SubKind::Pattern);
}
void punsubscribe(CommandContext& ctx) {
  unsubscribe_each(ctx, SubKind::Pattern);
}
void ssubscribe(CommandContext& ctx) {
  subscribe_each(ctx, SubKind::Shard);
}
void sunsubscribe(CommandContext& ctx) {
  unsubscribe_each(ctx, SubKind::Shard);
}

// Writes one message frame into a subscriber's reply buffer, in the subscriber's protocol.
void deliver(ServerState& server, Client& target, const char* verb, const std::string* pattern,
             std::string_view channel, std::string_view payload) {
  // A client on its way out gets nothing more, as in Redis. One already past its hard output
  // limit is closed when this batch ends (the network layer checks every client the batch
  // touched): writing more would only grow its memory until then.
  if (target.close_after_reply) return;
  uint64_t hard = server.config.obl_pubsub.hard_bytes;
  if (hard && target.out.size() > hard) return;
  server.output_ready(target);  // before writing: the batch remembers where its output begins
  ReplyBuilder& r = target.reply;
  r.push(pattern ? 4 : 3);
  r.bulk(verb);
  if (pattern) r.bulk(*pattern);
  r.bulk(channel);
  r.bulk(payload);
}

void publish_to(CommandContext& ctx, SubKind kind) {
  std::string_view channel = ctx.arg(1), payload = ctx.arg(2);
  const char* verb = verbs(kind).message;
  const char* pverb = verbs(SubKind::Pattern).message;
  size_t receivers =
      ctx.server.pubsub.publish(kind, channel, [&](Client& target, const std::string* pattern) {
        deliver(ctx.server, target, pattern ? pverb : verb, pattern, channel, payload);
      });
  ctx.reply.integer(static_cast<int64_t>(receivers));
}

void publish(CommandContext& ctx) {
  publish_to(ctx, SubKind::Channel);
}
void spublish(CommandContext& ctx) {
  publish_to(ctx, SubKind::Shard);
}

void list_names(CommandContext& ctx, SubKind kind) {
  if (ctx.argc() > 3) {
    // Redis checks this count in the handler, not through the arity, hence its own wording.
    return ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.arg(1)) + "'. Try PUBSUB HELP.");
  }
  std::vector<std::string_view> names;
  ctx.server.pubsub.for_each_name(kind, [&](std::string_view name) {
    // No pattern lists every channel, the empty one too, which "*" does not match.
    if (ctx.argc() == 2 || glob_match(ctx.arg(2), name)) names.push_back(name);
  });
  ctx.reply.array(names.size());
  for (std::string_view name : names) ctx.reply.bulk(name);
}

void count_subscribers(CommandContext& ctx, SubKind kind) {
  ctx.reply.array((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.bulk(ctx.arg(i));
    ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub.subscribers(kind, ctx.arg(i))));
  }
}

void pubsub_channels(CommandContext& ctx) {
  list_names(ctx, SubKind::Channel);
}
void pubsub_shardchannels(CommandContext& ctx) {
  list_names(ctx, SubKind::Shard);
}
void pubsub_numsub(CommandContext& ctx) {
  count_subscribers(ctx, SubKind::Channel);
}
void pubsub_shardnumsub(CommandContext& ctx) {
  count_subscribers(ctx, SubKind::Shard);
}

void pubsub_numpat(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub.pattern_count()));
}

void pubsub_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.array(std::size(lines));
  for (const char* l : lines) ctx.reply.simple(l);
}

void pubsub_container(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for 'pubsub' command");
}

constexpr uint32_t kSub =
    kCmdPubsub | kCmdNoScript | kCmdLoading | kCmdStale | kCmdSubscribedOk | kCmdPushReplies;
constexpr uint32_t kPubsubIntro = kCmdPubsub | kCmdLoading | kCmdStale;

const CommandSpec kPubsubSubcommands[] = {
    {"pubsub|channels", -2, kPubsubIntro, 0, 0, 0, pubsub_channels, "pubsub", "2.8.0",
     "O(N) where N is the number of active channels, and assuming constant time pattern matching "
     "(relatively short channels and patterns)",
     "List active channels"},
    {"pubsub|numsub", -2, kPubsubIntro, 0, 0, 0, pubsub_numsub, "pubsub", "2.8.0",
     "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     "Get the count of subscribers for channels"},
    {"pubsub|numpat", 2, kPubsubIntro, 0, 0, 0, pubsub_numpat, "pubsub", "2.8.0", "O(1)",
     "Get the count of unique patterns pattern subscriptions"},
    {"pubsub|shardchannels", -2, kPubsubIntro, 0, 0, 0, pubsub_shardchannels, "pubsub", "7.0.0",
     "O(N) where N is the number of active shard channels, and assuming constant time pattern "
     "matching (relatively short shard channels).",
     "List active shard channels"},
    {"pubsub|shardnumsub", -2, kPubsubIntro, 0, 0, 0, pubsub_shardnumsub, "pubsub", "7.0.0",
     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     "Get the count of subscribers for shard channels"},
    {"pubsub|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, pubsub_help, "pubsub", "6.2.0", "O(1)",
     "Show helpful text about the different subcommands"},
};

// Shard channels sit in key positions, as Redis declares them, so cluster-aware clients route
// them like keys.
const CommandSpec kPubsubCommands[] = {
    {"subscribe", -2, kSub, 0, 0, 0, subscribe, "pubsub", "2.0.0",
     "O(N) where N is the number of channels to subscribe to.",
     "Listen for messages published to the given channels"},
    {"unsubscribe", -1, kSub, 0, 0, 0, unsubscribe, "pubsub", "2.0.0",
     "O(N) where N is the number of clients already subscribed to a channel.",
     "Stop listening for messages posted to the given channels"},
    {"psubscribe", -2, kSub, 0, 0, 0, psubscribe, "pubsub", "2.0.0",
     "O(N) where N is the number of patterns the client is already subscribed to.",
     "Listen for messages published to channels matching the given patterns"},
    {"punsubscribe", -1, kSub, 0, 0, 0, punsubscribe, "pubsub", "2.0.0",
     "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
     "number of total patterns subscribed in the system (by any client).",
     "Stop listening for messages posted to channels matching the given patterns"},
    {"publish", 3, kPubsubIntro | kCmdFast, 0, 0, 0, publish, "pubsub", "2.0.0",
     "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the "
     "total number of subscribed patterns (by any client).",
     "Post a message to a channel"},
    {"ssubscribe", -2, kSub, 1, -1, 1, ssubscribe, "pubsub", "7.0.0",
     "O(N) where N is the number of shard channels to subscribe to.",
     "Listen for messages published to the given shard channels"},
    {"sunsubscribe", -1, kSub, 1, -1, 1, sunsubscribe, "pubsub", "7.0.0",
     "O(N) where N is the number of clients already subscribed to a shard channel.",
     "Stop listening for messages posted to the given shard channels"},
    {"spublish", 3, kPubsubIntro | kCmdFast, 1, 1, 1, spublish, "pubsub", "7.0.0",
     "O(N) where N is the number of clients subscribed to the receiving shard channel.",
     "Post a message to a shard channel"},
    {"pubsub", -2, 0, 0, 0, 0, pubsub_container, "pubsub", "2.8.0", "Depends on subcommand.",
     "A container for Pub/Sub commands", kPubsubSubcommands},
};

}  // namespace

void register_pubsub_commands(CommandTable& t) {
  t.add(kPubsubCommands);
}

}  // namespace postbox
