#include "commands/command_table.h"

namespace postbox {
void register_tx_commands(CommandTable&) {}
}  // namespace postbox
