#pragma once
// A device's calibration on measured GEMM rows: the fitted parameters of its device file as a
// calibration problem whose model runs every row on the SystemC GPU, and the whole
// calibration step `codesim calibrate` performs (fit, consistent set, new device file).
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/forked_row_pool.hpp"
#include "emulator/calibration/identifiability.hpp"
#include "emulator/calibration/section_fit.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/sim/gemm_validation.hpp"

namespace codesim::sim {

class GemmCalibration {
 public:
  /// The device's fitted parameters over its ranges; fixed parameters keep their values. The
  /// rows are simulated on `workers` processes (1: in this one); the results do not depend
  /// on it.
  GemmCalibration(const hw::DeviceConfig& device, std::vector<MeasuredGemm> rows, std::size_t workers = 1);
  GemmCalibration(const GemmCalibration&) = delete;  // the problem's model refers to this object
  GemmCalibration& operator=(const GemmCalibration&) = delete;

  [[nodiscard]] calibration::CalibrationProblem& problem() { return problem_; }
  [[nodiscard]] const std::vector<MeasuredGemm>& rows() const { return rows_; }
  /// Names of the fitted parameters, in the problem's order.
  [[nodiscard]] const std::vector<std::string>& fitted() const { return fitted_; }
  /// The device's current values as a vector of the fitted parameters.
  [[nodiscard]] std::vector<double> start() const;
  /// The device's values with the fitted ones replaced by `x`.
  [[nodiscard]] hw::CalibrationValues values_at(const std::vector<double>& x) const;
  [[nodiscard]] const hw::DeviceConfig& device() const { return device_; }

 private:
  hw::DeviceConfig device_;
  std::vector<MeasuredGemm> rows_;
  std::vector<std::string> fitted_;
  calibration::ForkedRowPool pool_;
  calibration::CalibrationProblem problem_;
};

using CalibrateOptions = calibration::SectionFitOptions;
using CalibrationOutcome = calibration::SectionFitOutcome<hw::CalibrationValues>;

/// Fits the device's fitted parameters on `rows` (starting from its values), finds the
/// consistent set and returns the calibration a device file should carry. `fitted_on` says
/// which rows and command.
[[nodiscard]] CalibrationOutcome calibrate_device(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows,
                                                  const std::string& fitted_on, const CalibrateOptions& options = {});

}  // namespace codesim::sim
