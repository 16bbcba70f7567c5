#include "emulator/sim/gemm_calibration.hpp"

#include <stdexcept>

#include "emulator/calibration/parameter_fit.hpp"

namespace codesim::sim {
namespace {

std::vector<std::string> fitted_names(const hw::DeviceConfig& d) {
  std::vector<std::string> names;
  for (const auto& p : d.calibration.parameters)
    if (p.fitted) names.push_back(p.name);
  if (names.empty()) throw std::invalid_argument("device " + d.name + " has no fitted calibration parameter");
  return names;
}

std::vector<calibration::ParameterRange> fitted_ranges(const hw::DeviceConfig& d) {
  std::vector<calibration::ParameterRange> out;
  for (const auto& p : d.calibration.parameters)
    if (p.fitted) out.push_back({p.name, p.unit, p.lo, p.hi});
  return out;
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
      problem_(fitted_ranges(device_), measured_times(rows_),
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
  auto& problem = cal.problem();
  const auto all = problem.all_rows();
  if (options.progress) options.progress("fitting " + std::to_string(cal.fitted().size()) + " parameters");
  const auto best = calibration::fit_parameters(problem, cal.start(), all);
  CalibrationOutcome out;
  calibration::FitOptions warm;  // profile refits start next to their neighbour
  warm.initial_step = 1.0 / 8.0;
  const auto fitted = cal.fitted();
  out.set = calibration::find_consistent_set(
      problem, best, all, options.threshold_points, options.profile_points, options.refinements, warm,
      [&](std::size_t i) {
        if (options.progress)
          options.progress("profiling " + fitted[i] + " (" + std::to_string(i + 1) + " of " +
                           std::to_string(fitted.size()) + ", " + std::to_string(problem.evaluations()) +
                           " model evaluations so far)");
      });
  out.calibration = device.calibration;
  out.calibration.fitted_on = fitted_on;
  out.calibration.threshold_points = options.threshold_points;
  out.calibration.values = cal.values_at(out.set.members.front().values);
  for (auto& p : out.calibration.parameters) p.value = hw::get(out.calibration.values, p.name);
  out.calibration.consistent_set.clear();
  for (const auto& m : out.set.members)
    out.calibration.consistent_set.push_back({m.label, m.mape, cal.values_at(m.values)});
  out.fitted = cal.fitted();
  out.evaluations = problem.evaluations();
  return out;
}

}  // namespace codesim::sim
