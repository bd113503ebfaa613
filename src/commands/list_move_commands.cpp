#include "commands/command_table.h"

namespace postbox {
void register_list_move_commands(CommandTable&) {}
}  // namespace postbox
