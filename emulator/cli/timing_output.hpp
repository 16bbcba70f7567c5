#pragma once
// What the timing commands (gemm, run, compare, run --cluster) share when they print: the
// result schema's header, a band as three JSON keys, a proposal as a scenario column, and the
// trace writer that turns a bad path into an input error.
#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/cli/cli_error.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/sim/prediction_band.hpp"
#include "emulator/sim/scenario_simulation.hpp"
#include "proposals/proposal.hpp"
#include "reference_gpu/common/result_schema.hpp"

namespace codesim::cli {

/// The result schema's header fields, then the device.
inline nlohmann::ordered_json result_header(const std::string& device) {
  nlohmann::ordered_json j;
  result_schema::write_header(j, result_schema::kEmulatorSource);
  j[std::string(result_schema::kDeviceField)] = device;
  return j;
}

/// `key`, `key_low` and `key_high` side by side, as reference_gpu writes time_us_min/max.
inline void put_band(nlohmann::ordered_json& j, const std::string& key, const sim::Band& b) {
  j[key] = b.value;
  j[key + "_low"] = b.low;
  j[key + "_high"] = b.high;
}

inline void write_trace(const sim::ChromeTrace& trace, const std::string& file) {
  try {
    trace.write(file);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("--trace {}: {}", file, e.what()));
  }
}

/// A proposal named on the command line as a column of the scenario layer: its hooks.
inline sim::ProposalColumn column_of(const proposals::ProposalInstance& p) {
  return {p.spec(), [p](kernels::LoweringFeatures& f) { p.proposal->adjust_lowering(f, p.values); },
          [p](kernels::CommunicationFeatures& f) { p.proposal->adjust_communication(f, p.values); }};
}

}  // namespace codesim::cli
