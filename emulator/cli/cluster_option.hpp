#pragma once
// A cluster named on the command line, turned into an input error (exit status 2) naming the
// option, the file, the field and the value when it does not exist or does not validate.
#include <fmt/format.h>

#include <string>

#include "emulator/cli/cli_error.hpp"
#include "emulator/io/json_fields.hpp"
#include "emulator/network/cluster_config.hpp"

namespace codesim::cli {

inline network::ClusterConfig cluster_or_input_error(const std::string& name) {
  try {
    return network::load_cluster(name);
  } catch (const io::DataFileError& e) {
    throw InputError(fmt::format("--cluster {}: {}", name, e.what()));
  }
}

}  // namespace codesim::cli
