#pragma once
// Options the timing commands share: a device and a proposal named on the command line,
// turned into input errors (exit status 2) when they do not exist or do not parse.
#include <fmt/format.h>

#include <string>

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

}  // namespace codesim::cli
