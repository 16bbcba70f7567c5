#pragma once
// Predicted against measured GEMM times: the published DeepGEMM table of
// ../shared/reference/h800 (or any CSV with its columns), the per-row error, the mean absolute
// percentage error, and the fit of a device's efficiency parameters to such rows.
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/gemm_kernel.hpp"

namespace codesim::sim {

struct MeasuredGemm {
  kernels::GemmShape shape;
  double measured_us = 0.0;  ///< recovered from the published TFLOPS: 2*M*N*K / TFLOPS
  double measured_tflops = 0.0;
  int line = 0;              ///< line in the source file
};

/// Reads a CSV with header `m,n,k,tflops,...` (the columns of deepgemm_dense_fp8_gemm.csv).
/// Throws io::DataFileError naming the file, line, column and value for anything malformed.
[[nodiscard]] std::vector<MeasuredGemm> read_published_dense_gemms(const std::filesystem::path& csv);

/// Reads the project's grouped-GEMM figures (data/published/*.csv: groups,m_per_group,n,k,
/// layout,tflops,source).
[[nodiscard]] std::vector<MeasuredGemm> read_published_grouped_gemms(const std::filesystem::path& csv);

struct GemmPrediction {
  MeasuredGemm measured;
  double predicted_us = 0.0;
  double predicted_tflops = 0.0;
  std::string config;
  [[nodiscard]] double error_percent() const { return (predicted_us - measured.measured_us) / measured.measured_us * 100.0; }
};

[[nodiscard]] std::vector<GemmPrediction> predict(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows);
[[nodiscard]] double mean_absolute_percent_error(const std::vector<GemmPrediction>& p);
[[nodiscard]] double max_absolute_percent_error(const std::vector<GemmPrediction>& p);

/// Fits the six efficiency parameters by coordinate descent on MAPE (plus a penalty on rows
/// off by more than 12%), starting from the device's values. Deterministic.
[[nodiscard]] hw::EfficiencyParameters fit_efficiency(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows);

/// The parameters as (name, value, meaning) for printing.
struct NamedParameter {
  std::string name;
  double value;
  std::string meaning;
};
[[nodiscard]] std::vector<NamedParameter> named_parameters(const hw::EfficiencyParameters& e);

}  // namespace codesim::sim
