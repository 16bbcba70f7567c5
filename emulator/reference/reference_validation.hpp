#pragma once
// `codesim validate --reference DIR`: every measured operator in the result-schema files
// (reference_gpu/common/result_schema.hpp) of a reference_gpu results folder, predicted by the
// timing model and compared.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"

namespace codesim::emulator_reference {

struct ReferenceComparison {
  std::string file;       ///< result file, relative to the folder
  std::string op;         ///< operator name from the file
  std::string shape;      ///< shape in words
  double measured_us = 0;
  double predicted_us = 0;
  [[nodiscard]] double error_percent() const { return 100.0 * (predicted_us - measured_us) / measured_us; }
};

struct SkippedResult {
  std::string file;
  std::string op;
  std::string reason;
};

struct ReferenceValidation {
  std::string measured_device;  ///< the GPU named in the files
  std::vector<ReferenceComparison> rows;
  std::vector<SkippedResult> skipped;  ///< results the model does not predict (numerics runs, copies)
  std::vector<std::string> warnings;   ///< e.g. an SM count that differs from the device file
  [[nodiscard]] double mape_percent() const;
  [[nodiscard]] double max_abs_error_percent() const;
};

/// The device file that matches a GPU name ("NVIDIA H100 80GB HBM3" -> h100-sxm, "...H200..."
/// -> h200, "...H800..." -> h800), or nullopt.
std::optional<std::string> device_for_gpu_name(const std::string& gpu_name);

/// The GPU named by the result files of `dir` (the first file's "device"); throws
/// io::DataFileError when the folder holds no result-schema file.
std::string measured_device_name(const std::filesystem::path& dir);

/// Reads every *.json under `dir` (recursively) in the result schema and predicts each
/// timed result on `device`. Throws io::DataFileError naming the file and field when a file
/// is malformed (bad JSON, wrong schema, missing or out-of-range shape fields).
ReferenceValidation validate_against_reference(const hw::DeviceConfig& device, const std::filesystem::path& dir);

}  // namespace codesim::emulator_reference
