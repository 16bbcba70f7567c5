#include "emulator/sim/gemm_calibration.hpp"

#include <stdexcept>

#include "emulator/calibration/parameter_fit.hpp"

namespace codesim::sim {
namespace {

std::vector<std::string> fitted_names(const hw::DeviceConfig& d) {
  auto names = calibration::fitted_parameter_names(d.calibration);
  if (names.empty()) throw std::invalid_argument("device " + d.name + " has no fitted calibration parameter");
  return names;
}

std::vector<double> measured_times(const std::vector<MeasuredGemm>& rows) {
  std::vector<double> t;
  for (const auto& r : rows) t.push_back(r.measured_us);
  return t;
}

/// What a row costs to simulate, roughly: its tile iterations follow its FLOP.
std::vector<double> simulation_costs(const std::vector<MeasuredGemm>& rows) {
  std::vector<double> c;
  for (const auto& r : rows) c.push_back(kernels::gemm_useful_flops(r.shape) + 1e9);
  return c;
}

}  // namespace

GemmCalibration::GemmCalibration(const hw::DeviceConfig& device, std::vector<MeasuredGemm> rows, std::size_t workers)
    : device_(device),
      rows_(std::move(rows)),
      fitted_(fitted_names(device_)),
      pool_(
          [this](const std::vector<double>& x, std::size_t row) {
            return predict(device_.with_calibration(values_at(x)), {rows_[row]}).front().predicted_us;
          },
          simulation_costs(rows_), workers),
      problem_(calibration::fitted_parameter_ranges(device_.calibration), measured_times(rows_),
               [this](const std::vector<double>& x) { return pool_.predict(x); }) {}

std::vector<double> GemmCalibration::start() const {
  std::vector<double> x;
  for (const auto& name : fitted_) x.push_back(hw::get(device_.calibration.values, name));
  return x;
}

hw::CalibrationValues GemmCalibration::values_at(const std::vector<double>& x) const {
  auto v = device_.calibration.values;
  for (std::size_t i = 0; i < fitted_.size(); ++i) hw::set(v, fitted_[i], x[i]);
  return v;
}

CalibrationOutcome calibrate_device(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows,
                                    const std::string& fitted_on, const CalibrateOptions& options) {
  GemmCalibration cal(device, rows, options.workers);
  return calibration::fit_section<hw::CalibrationValues>(
      cal.problem(), device.calibration, cal.start(), [&](const std::vector<double>& x) { return cal.values_at(x); },
      [](const hw::CalibrationValues& v, const std::string& name) { return hw::get(v, name); }, fitted_on, options);
}

}  // namespace codesim::sim
