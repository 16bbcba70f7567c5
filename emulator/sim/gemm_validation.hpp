#pragma once
// Predicted against measured GEMM times: the published DeepGEMM table of
// ../shared/reference/h800 (or any CSV with its columns), the per-row error and the mean
// absolute percentage error. Fitting a device to such rows is gemm_calibration.hpp.
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/prediction_band.hpp"

namespace codesim::sim {

struct MeasuredGemm {
  kernels::GemmShape shape;
  double measured_us = 0.0;  ///< recovered from the published TFLOPS: 2*M*N*K / TFLOPS
  double measured_tflops = 0.0;
  int line = 0;              ///< line in the source file
  GemmConditions conditions;  ///< the DeepGEMM release and the L2 state it was measured with
};

/// Reads a CSV with header `m,n,k,tflops,...` (the columns of deepgemm_dense_fp8_gemm.csv),
/// with default conditions (see apply_measurement_conditions). Throws io::DataFileError
/// naming the file, line, column and value for anything malformed.
[[nodiscard]] std::vector<MeasuredGemm> read_published_dense_gemms(const std::filesystem::path& csv);

/// Sets each row's conditions from a CSV `m,n,k,kernel,l2_at_start` (kernel: a GEMM kernel
/// generation; l2_at_start: flushed or b-tail/<r>), matched on the shape. Every row needs
/// exactly one line (a line without a row is allowed: the measured table may be a subset);
/// throws io::DataFileError otherwise.
void apply_measurement_conditions(std::vector<MeasuredGemm>& rows, const std::filesystem::path& csv);

/// Reads the project's published-figure tables (data/published/*.csv: groups,m_per_group,n,k,
/// layout,tflops,kernel,l2_at_start,source); layout dense (one group), contiguous or masked.
[[nodiscard]] std::vector<MeasuredGemm> read_published_grouped_gemms(const std::filesystem::path& csv);

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
