#include "commands/command_table.h"

namespace postbox {
void register_list_edit_commands(CommandTable&) {}
}  // namespace postbox
