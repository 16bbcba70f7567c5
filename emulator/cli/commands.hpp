#pragma once
// Each command family adds its subcommands to the application.
#include <CLI/CLI.hpp>

namespace codesim::cli {

void add_numerics_commands(CLI::App& app);
void add_proposals_commands(CLI::App& app);
void add_report_commands(CLI::App& app);
void add_workload_commands(CLI::App& app);
void add_timing_commands(CLI::App& app);
/// codesim alltoall.
void add_alltoall_command(CLI::App& app);
/// codesim validate | calibrate.
void add_validate_commands(CLI::App& app);
/// numerics inputs / numerics check / reference shapes; call after add_numerics_commands.
void add_reference_commands(CLI::App& app);
/// codesim validate --reference DIR: `device` empty means the device matching the files' GPU.
void run_validate_reference(const std::string& dir, const std::string& device, bool json);

}  // namespace codesim::cli
