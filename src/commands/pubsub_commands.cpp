#include "commands/command_table.h"

namespace postbox {
void register_pubsub_commands(CommandTable&) {}
}  // namespace postbox
