// SAVE, BGSAVE [SCHEDULE], LASTSAVE: snapshots of the whole LMDB environment, compacted, in one
// file (<dir>/snapshot.mdb) that a fresh server opens as its data.mdb.
#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace postbox {
namespace {

void save(CommandContext& ctx) {
  if (ctx.server.save.in_progress) {
    return ctx.reply.error("ERR Background save already in progress");
  }
  // The snapshot must hold this batch's earlier writes too: commit them first.
  if (ctx.failed(ctx.server.commit_batch())) return;
  if (ctx.failed(ctx.server.save_now())) return;
  ctx.reply.ok();
}

void bgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() == 2) {
    if (!iequals(ctx.arg(1), "schedule")) return ctx.reply.error(err::kSyntax);
    schedule = true;
  } else if (ctx.argc() > 2) {
    return ctx.reply.error(err::kSyntax);
  }
  SaveStatus& st = ctx.server.save;
  if (st.in_progress) {
    if (!schedule) return ctx.reply.error("ERR Background save already in progress");
    st.scheduled = true;
    return ctx.reply.simple("Background saving scheduled");
  }
  ctx.server.start_bgsave();
  ctx.reply.simple("Background saving started");
}

void lastsave(CommandContext& ctx) {
  ctx.reply.integer(ctx.server.save.last_save_unix);
}

constexpr uint32_t kPersistA = kCmdAdmin | kCmdNoScript;

const CommandSpec kPersistenceCommands[] = {
    {"save", 1, kPersistA | kCmdNoMulti, 0, 0, 0, save, "server", "1.0.0",
     "O(N) where N is the total number of keys in all databases",
     "Synchronously saves the database(s) to disk."},
    {"bgsave", -1, kPersistA, 0, 0, 0, bgsave, "server", "1.0.0", "O(1)",
     "Asynchronously saves the database(s) to disk."},
    {"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, lastsave, "server", "1.0.0",
     "O(1)", "Returns the Unix timestamp of the last successful save to disk."},
};

}  // namespace

void register_persistence_commands(CommandTable& t) {
  t.add(kPersistenceCommands);
}

}  // namespace postbox
