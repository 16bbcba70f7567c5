#pragma once
// Each command family adds its subcommands to the application.
#include <CLI/CLI.hpp>

namespace codesim::cli {

void add_numerics_commands(CLI::App& app);
void add_proposals_commands(CLI::App& app);
void add_report_commands(CLI::App& app);
void add_workload_commands(CLI::App& app);
void add_timing_commands(CLI::App& app);

}  // namespace codesim::cli
