// codesim report numerics
#include <memory>

#include "emulator/cli/commands.hpp"

namespace codesim::cli {
void add_report_commands(CLI::App& app) { (void)app; }
}  // namespace codesim::cli
