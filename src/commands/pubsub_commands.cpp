// The pub/sub family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and
// PUBSUB CHANNELS | NUMSUB | NUMPAT | HELP. Who listens to what lives in engine/pubsub; this
// file parses arguments and writes the frames. Confirmations and messages are push frames
// (">" in RESP3, plain arrays in RESP2), one per channel, as Redis sends them.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "util/glob.h"

namespace postbox {
namespace {

// ["subscribe", name, count]: the reply shape of all four (un)subscribe commands. A null name
// answers an UNSUBSCRIBE with nothing to unsubscribe from.
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

void subscribe_each(CommandContext& ctx, SubKind kind, std::string_view verb) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    ctx.server.pubsub.subscribe(ctx.client, kind, name);
    confirm(ctx.reply, verb, &name, ctx.client.subscriptions);
  }
}

// With names: one confirmation per name, subscribed or not. Without: every subscription of
// that kind goes, or a single confirmation with a null name when there was none.
void unsubscribe_each(CommandContext& ctx, SubKind kind, std::string_view verb) {
  PubSubRegistry& registry = ctx.server.pubsub;
  if (ctx.argc() == 1) {
    if (registry.count(ctx.client, kind) == 0) {
      return confirm(ctx.reply, verb, nullptr, ctx.client.subscriptions);
    }
    registry.unsubscribe_all(ctx.client, kind, [&](std::string_view name, size_t remaining) {
      confirm(ctx.reply, verb, &name, remaining);
    });
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    registry.unsubscribe(ctx.client, kind, name);
    confirm(ctx.reply, verb, &name, ctx.client.subscriptions);
  }
}

void subscribe(CommandContext& ctx) {
  subscribe_each(ctx, SubKind::Channel, "subscribe");
}
void unsubscribe(CommandContext& ctx) {
  unsubscribe_each(ctx, SubKind::Channel, "unsubscribe");
}
void psubscribe(CommandContext& ctx) {
  subscribe_each(ctx, SubKind::Pattern, "psubscribe");
}
void punsubscribe(CommandContext& ctx) {
  unsubscribe_each(ctx, SubKind::Pattern, "punsubscribe");
}

// Writes one message frame into a subscriber's reply buffer, in the subscriber's protocol.
void deliver(ServerState& server, Client& target, const std::string* pattern,
             std::string_view channel, std::string_view payload) {
  // A client on its way out gets nothing more, as in Redis. One already past its hard
  // output limit is closed when this batch ends: writing more would only grow its memory.
  if (target.close_after_reply) return;
  uint64_t hard = server.config.obl_pubsub.hard_bytes;
  if (hard && target.out.size() > hard) return;
  server.output_ready(target);  // before writing: the batch remembers where its output begins
  ReplyBuilder& r = target.reply;
  if (pattern) {
    r.push(4);
    r.bulk("pmessage");
    r.bulk(*pattern);
  } else {
    r.push(3);
    r.bulk("message");
  }
  r.bulk(channel);
  r.bulk(payload);
}

void publish(CommandContext& ctx) {
  std::string_view channel = ctx.arg(1), payload = ctx.arg(2);
  size_t receivers =
      ctx.server.pubsub.publish(channel, [&](Client& target, const std::string* pattern) {
        deliver(ctx.server, target, pattern, channel, payload);
      });
  ctx.reply.integer(static_cast<int64_t>(receivers));
}

void pubsub_channels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    // Redis checks this count in the handler, not through the arity, hence its own wording.
    return ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.arg(1)) + "'. Try PUBSUB HELP.");
  }
  std::vector<std::string_view> names;
  ctx.server.pubsub.for_each_channel([&](std::string_view name) {
    // No pattern lists every channel, the empty one too, which "*" does not match.
    if (ctx.argc() == 2 || glob_match(ctx.arg(2), name)) names.push_back(name);
  });
  ctx.reply.array(names.size());
  for (std::string_view name : names) ctx.reply.bulk(name);
}

void pubsub_numsub(CommandContext& ctx) {
  ctx.reply.array((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.bulk(ctx.arg(i));
    ctx.reply.integer(static_cast<int64_t>(ctx.server.pubsub.subscribers(ctx.arg(i))));
  }
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
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void pubsub_container(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for 'pubsub' command");
}

constexpr uint32_t kSub = kCmdPubsub | kCmdNoScript | kCmdLoading | kCmdStale | kCmdSubscribedOk;
constexpr uint32_t kIntro = kCmdPubsub | kCmdLoading | kCmdStale;

const CommandSpec kPubsubSubcommands[] = {
    {"pubsub|channels", -2, kIntro, 0, 0, 0, pubsub_channels, "pubsub", "2.8.0",
     "O(N) where N is the number of active channels, and assuming constant time pattern matching "
     "(relatively short channels and patterns)",
     "List active channels"},
    {"pubsub|numsub", -2, kIntro, 0, 0, 0, pubsub_numsub, "pubsub", "2.8.0",
     "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     "Get the count of subscribers for channels"},
    {"pubsub|numpat", 2, kIntro, 0, 0, 0, pubsub_numpat, "pubsub", "2.8.0", "O(1)",
     "Get the count of unique patterns pattern subscriptions"},
    {"pubsub|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, pubsub_help, "pubsub", "6.2.0", "O(1)",
     "Show helpful text about the different subcommands"},
};

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
     "number "
     "of total patterns subscribed in the system (by any client).",
     "Stop listening for messages posted to channels matching the given patterns"},
    {"publish", 3, kIntro | kCmdFast, 0, 0, 0, publish, "pubsub", "2.0.0",
     "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the "
     "total number of subscribed patterns (by any client).",
     "Post a message to a channel"},
    {"pubsub", -2, 0, 0, 0, 0, pubsub_container, "pubsub", "2.8.0", "Depends on subcommand.",
     "A container for Pub/Sub commands", kPubsubSubcommands},
};

}  // namespace

void register_pubsub_commands(CommandTable& t) {
  t.add(kPubsubCommands);
}

}  // namespace postbox
