#pragma once
// One result-schema file (reference_gpu/common/result_schema.hpp, docs/result-schema.md) as
// `codesim validate --reference` reads it: its GPU and, per measured result, the operators the
// timing model runs for it or why it is not predicted. Parsing only: no timing model here, so
// the fuzz target of this format (fuzz/) needs no SystemC.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::emulator_reference {

struct MeasuredResult {
  std::string op;           ///< operator name from the file
  std::string skip_reason;  ///< not empty: the model does not predict this result (and why)
  std::string shape_text;   ///< the shape in words
  std::vector<workloads::Operator> operators;  ///< what the timing model runs, in order
  double measured_us = 0;
};

struct ResultFile {
  std::string device;                    ///< the GPU the file names ("" when it names none)
  std::optional<std::int64_t> sm_count;  ///< device_info.sm_count, when the file gives it
  std::vector<MeasuredResult> results;
};

/// The document's schema field; empty when it is missing or not a string.
[[nodiscard]] std::string schema_of(const nlohmann::json& doc);

/// Checks and reads a parsed result-schema document read from `file`. Throws io::DataFileError
/// naming the file, the field and (a bounded prefix of) the value: wrong schema, no results
/// array, a field of the wrong type, a shape field missing or outside [1, 2^24] (group rows
/// [0, 2^24], at most 4096 groups), a missing or non-positive time.
[[nodiscard]] ResultFile parse_result_file(const nlohmann::json& doc, const std::filesystem::path& file);

}  // namespace codesim::emulator_reference
