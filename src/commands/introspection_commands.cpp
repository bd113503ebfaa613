// COMMAND and its subcommands, all built from the command table.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "util/glob.h"

namespace postbox {
namespace {

void reply_key_specs(ReplyBuilder& r, const CommandSpec& s) {
  if (s.first_key <= 0) return r.array(0);
  r.array(1);
  r.map(3);
  r.bulk("flags");
  r.set(1);
  r.simple((s.flags & kCmdWrite) ? "RW" : "RO");
  r.bulk("begin_search");
  r.map(2);
  r.bulk("type");
  r.bulk("index");
  r.bulk("spec");
  r.map(1);
  r.bulk("index");
  r.integer(s.first_key);
  r.bulk("find_keys");
  r.map(2);
  r.bulk("type");
  r.bulk("range");
  r.bulk("spec");
  r.map(3);
  r.bulk("lastkey");
  r.integer(s.last_key < 0 ? s.last_key : s.last_key - s.first_key);
  r.bulk("keystep");
  r.integer(s.key_step);
  r.bulk("limit");
  r.integer(0);
}

void reply_info(ReplyBuilder& r, const CommandSpec& s) {
  r.array(10);
  r.bulk(s.name);
  r.integer(s.arity);
  auto flags = flag_names(s.flags);
  r.set(flags.size());
  for (auto& f : flags) r.simple(f);
  r.integer(s.first_key);
  r.integer(s.last_key);
  r.integer(s.key_step);
  auto cats = acl_categories(s);
  r.set(cats.size());
  for (auto& c : cats) r.simple(c);
  r.array(0);  // tips
  reply_key_specs(r, s);
  r.array(s.subcommands.size());
  for (const CommandSpec& sub : s.subcommands) reply_info(r, sub);
}

void reply_docs(ReplyBuilder& r, const CommandSpec& s) {
  bool has_subs = !s.subcommands.empty();
  r.map(4 + (has_subs ? 1 : 0));
  r.bulk("summary");
  r.bulk(s.summary);
  r.bulk("since");
  r.bulk(s.since);
  r.bulk("group");
  r.bulk(s.group);
  r.bulk("complexity");
  r.bulk(s.complexity);
  if (has_subs) {
    r.bulk("subcommands");
    r.map(s.subcommands.size());
    for (const CommandSpec& sub : s.subcommands) {
      r.bulk(sub.name);
      reply_docs(r, sub);
    }
  }
}

void command(CommandContext& ctx) {
  auto& all = CommandTable::instance().all();
  ctx.reply.array(all.size());
  for (const CommandSpec* s : all) reply_info(ctx.reply, *s);
}

void command_count(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(CommandTable::instance().all().size()));
}

// "config|get" finds the subcommand row; a plain name the command.
const CommandSpec* find_full(std::string_view name) {
  auto bar = name.find('|');
  const CommandSpec* s = CommandTable::instance().find(name.substr(0, bar));
  if (!s || bar == std::string_view::npos) return s;
  return CommandTable::find_sub(*s, name.substr(bar + 1));
}

void command_info(CommandContext& ctx) {
  if (ctx.argc() == 2) return command(ctx);
  ctx.reply.array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* s = find_full(ctx.arg(i));
    s ? reply_info(ctx.reply, *s) : ctx.reply.null();
  }
}

void command_docs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argc() == 2) {
    specs = CommandTable::instance().all();
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* s = find_full(ctx.arg(i))) specs.push_back(s);
    }
  }
  ctx.reply.map(specs.size());
  for (const CommandSpec* s : specs) {
    ctx.reply.bulk(s->name);
    reply_docs(ctx.reply, *s);
  }
}

void command_list(CommandContext& ctx) {
  enum class Filter { None, AclCat, Pattern, Module } filter = Filter::None;
  std::string_view value;
  if (ctx.argc() != 2) {
    if (ctx.argc() != 5 || !iequals(ctx.arg(2), "filterby")) return ctx.reply.error(err::kSyntax);
    if (iequals(ctx.arg(3), "aclcat")) {
      filter = Filter::AclCat;
    } else if (iequals(ctx.arg(3), "pattern")) {
      filter = Filter::Pattern;
    } else if (iequals(ctx.arg(3), "module")) {
      filter = Filter::Module;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
    value = ctx.arg(4);
  }
  std::vector<const CommandSpec*> out;
  auto consider = [&](const CommandSpec& s) {
    if (filter == Filter::Module) return;  // no modules here
    if (filter == Filter::Pattern && !glob_match(value, s.name, true)) return;
    if (filter == Filter::AclCat) {
      bool hit = false;
      for (auto& c : acl_categories(s)) hit |= iequals(std::string_view(c).substr(1), value);
      if (!hit) return;
    }
    out.push_back(&s);
  };
  for (const CommandSpec* s : CommandTable::instance().all()) {
    consider(*s);
    for (const CommandSpec& sub : s->subcommands) consider(sub);
  }
  ctx.reply.array(out.size());
  for (const CommandSpec* s : out) ctx.reply.bulk(s->name);
}

void command_getkeys(CommandContext& ctx) {
  auto args = ctx.args.subspan(2);
  const CommandSpec* s = CommandTable::instance().find(args[0]);
  if (!s) return ctx.reply.error("ERR Invalid command specified");
  if (!s->subcommands.empty() && args.size() >= 2) {
    if (const CommandSpec* sub = CommandTable::find_sub(*s, args[1])) s = sub;
  }
  int argc = static_cast<int>(args.size());
  if ((s->arity > 0 && argc != s->arity) || (s->arity < 0 && argc < -s->arity)) {
    return ctx.reply.error("ERR Invalid number of arguments specified for command");
  }
  if (s->first_key <= 0) return ctx.reply.error("ERR The command has no key arguments");
  int last = s->last_key < 0 ? argc + s->last_key : s->last_key;
  std::vector<std::string_view> keys;
  for (int i = s->first_key; i <= last && i < argc; i += s->key_step) keys.push_back(args[i]);
  ctx.reply.array(keys.size());
  for (auto k : keys) ctx.reply.bulk(k);
}

void command_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "HELP",
      "    Print this help.",
  };
  reply_help(ctx.reply, lines);
}

constexpr uint32_t kIntro = kCmdLoading | kCmdStale | kCmdCatConnection;

const CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, kIntro, 0, 0, 0, command_count, "server", "2.8.13", "O(1)",
     "Returns a count of commands."},
    {"command|info", -2, kIntro, 0, 0, 0, command_info, "server", "2.8.13",
     "O(N) where N is the number of commands to look up",
     "Returns information about one, multiple or all commands."},
    {"command|docs", -2, kIntro, 0, 0, 0, command_docs, "server", "7.0.0",
     "O(N) where N is the number of commands to look up",
     "Returns documentary information about one, multiple or all commands."},
    {"command|list", -2, kIntro, 0, 0, 0, command_list, "server", "7.0.0",
     "O(N) where N is the total number of Redis commands", "Returns a list of command names."},
    {"command|getkeys", -4, kIntro, 0, 0, 0, command_getkeys, "server", "2.8.13",
     "O(N) where N is the number of arguments to the command",
     "Extracts the key names from an arbitrary command."},
    {"command|help", 2, kIntro, 0, 0, 0, command_help, "server", "5.0.0", "O(1)",
     "Returns helpful text about the different subcommands."},
};

const CommandSpec kCommandCommand[] = {
    {"command", -1, kIntro, 0, 0, 0, command, "server", "2.8.13",
     "O(N) where N is the total number of Redis commands",
     "Returns detailed information about all commands.", kCommandSubcommands},
};

}  // namespace

void register_introspection_commands(CommandTable& t) {
  t.add(kCommandCommand);
}

}  // namespace postbox
