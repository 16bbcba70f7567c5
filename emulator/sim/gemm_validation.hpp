#pragma once
// Predicted against measured GEMM times (the published DeepGEMM tables, read by
// published_gemms.hpp), the per-row error and the mean absolute percentage error. Fitting a
// device to such rows is gemm_calibration.hpp.
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/published_gemms.hpp"
#include "emulator/sim/prediction_band.hpp"

namespace codesim::sim {

struct GemmPrediction {
  MeasuredGemm measured;
  double predicted_us = 0.0;
  double predicted_tflops = 0.0;
  std::string config;
  [[nodiscard]] double error_percent() const { return (predicted_us - measured.measured_us) / measured.measured_us * 100.0; }
};

[[nodiscard]] std::vector<GemmPrediction> predict(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows);

/// Each row's predicted time with its band over the device's consistent set, the members
/// simulated on `workers` processes.
[[nodiscard]] std::vector<Band> predict_bands(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows,
                                              std::size_t workers);
[[nodiscard]] double mean_absolute_percent_error(const std::vector<GemmPrediction>& p);
[[nodiscard]] double max_absolute_percent_error(const std::vector<GemmPrediction>& p);

}  // namespace codesim::sim
