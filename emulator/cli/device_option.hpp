#pragma once
// What the timing commands share: a device and a proposal named on the command line, turned
// into input errors (exit status 2) when they do not exist or do not parse, and how many
// processes may simulate at once.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"
#include "proposals/proposal.hpp"

namespace codesim::cli {

inline hw::DeviceConfig device_or_input_error(const std::string& name) {
  try {
    return hw::load_device(name);
  } catch (const io::DataFileError& e) {
    throw InputError(e.what());
  }
}

inline proposals::ProposalInstance proposal_or_input_error(const std::string& spec) {
  try {
    return proposals::ProposalRegistry::instance().parse(spec);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("--proposal {}: {}", spec, e.what()));
  }
}

/// Processes that simulate independent runs (calibration rows, band members): one per core;
/// $CODESIM_WORKERS overrides. The results do not depend on it.
inline std::size_t worker_count() {
  if (const char* env = std::getenv("CODESIM_WORKERS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || n < 1 || n > 256)
      throw InputError(fmt::format("CODESIM_WORKERS={}: expected a whole number in 1..256", env));
    return static_cast<std::size_t>(n);
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace codesim::cli
