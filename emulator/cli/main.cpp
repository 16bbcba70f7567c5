// codesim: hardware co-design emulator and proposal testbed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"codesim: emulates DeepSeek-V3's proposed GPU features and measures what they change"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "codesim 0.1.0");
  codesim::cli::add_numerics_commands(app);
  codesim::cli::add_proposals_commands(app);
  codesim::cli::add_report_commands(app);
  codesim::cli::add_workload_commands(app);
  codesim::cli::add_timing_commands(app);
  codesim::cli::add_alltoall_command(app);
  codesim::cli::add_validate_commands(app);
  codesim::cli::add_reference_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : codesim::cli::kExitBadInput;
  } catch (const codesim::cli::InputError& e) {
    std::cout.flush();
    fmt::print(stderr, "codesim: error: {}\n", e.what());
    return codesim::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::cout.flush();
    fmt::print(stderr, "codesim: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
