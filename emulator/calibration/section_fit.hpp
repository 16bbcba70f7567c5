#pragma once
// The calibration step shared by every kind of data file with fitted values (devices,
// clusters): fit the section's fitted parameters on the problem's rows, find the set of values
// the data cannot tell apart, and return the section a data file should carry (the best fit
// as its values, the consistent set beside it). The model behind the problem is the caller's.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/identifiability.hpp"
#include "emulator/calibration/parameter_fit.hpp"
#include "emulator/io/calibration_section.hpp"

namespace codesim::calibration {

struct SectionFitOptions {
  std::size_t workers = 1;        ///< processes that simulate the rows
  double threshold_points = 1.0;  ///< consistent: MAPE within this many points of the best
  std::size_t profile_points = 7;
  std::size_t refinements = 3;    ///< bisection steps at each end of a consistent interval
  /// Told what the calibration is doing (for a progress line): the fit, then each profile.
  std::function<void(const std::string&)> progress;
};

template <typename Values>
struct SectionFitOutcome {
  io::CalibrationSection<Values> calibration;  ///< values = best fit, with its consistent set
  ConsistentSet set;                           ///< profiles and intervals, for printing
  std::vector<std::string> fitted;             ///< the set's parameter order
  std::size_t evaluations = 0;
};

/// Names of the section's fitted parameters (declaration order); empty when none is fitted.
template <typename Values>
[[nodiscard]] std::vector<std::string> fitted_parameter_names(const io::CalibrationSection<Values>& section) {
  std::vector<std::string> names;
  for (const auto& p : section.parameters)
    if (p.fitted) names.push_back(p.name);
  return names;
}

/// The fitted parameters' ranges, in the same order.
template <typename Values>
[[nodiscard]] std::vector<ParameterRange> fitted_parameter_ranges(const io::CalibrationSection<Values>& section) {
  std::vector<ParameterRange> out;
  for (const auto& p : section.parameters)
    if (p.fitted) out.push_back({p.name, p.unit, p.lo, p.hi});
  return out;
}

/// Fits from `start`, finds the consistent set, and fills a copy of `section` with the result.
/// `values_at` maps a vector of the fitted parameters onto a whole value struct; `get` reads a
/// parameter by name.
template <typename Values>
[[nodiscard]] SectionFitOutcome<Values> fit_section(
    CalibrationProblem& problem, const io::CalibrationSection<Values>& section, const std::vector<double>& start,
    const std::function<Values(const std::vector<double>&)>& values_at,
    const std::function<double(const Values&, const std::string&)>& get, const std::string& fitted_on,
    const SectionFitOptions& options) {
  const auto fitted = fitted_parameter_names(section);
  const auto all = problem.all_rows();
  if (options.progress) options.progress("fitting " + std::to_string(fitted.size()) + " parameters");
  const auto best = fit_parameters(problem, start, all);
  SectionFitOutcome<Values> out;
  FitOptions warm;  // profile refits start next to their neighbour
  warm.initial_step = 1.0 / 8.0;
  out.set = find_consistent_set(problem, best, all, options.threshold_points, options.profile_points,
                                options.refinements, warm, [&](std::size_t i) {
                                  if (options.progress)
                                    options.progress("profiling " + fitted[i] + " (" + std::to_string(i + 1) + " of " +
                                                     std::to_string(fitted.size()) + ", " +
                                                     std::to_string(problem.evaluations()) +
                                                     " model evaluations so far)");
                                });
  out.calibration = section;
  out.calibration.fitted_on = fitted_on;
  out.calibration.threshold_points = options.threshold_points;
  out.calibration.values = values_at(out.set.members.front().values);
  for (auto& p : out.calibration.parameters) p.value = get(out.calibration.values, p.name);
  out.calibration.consistent_set.clear();
  for (const auto& m : out.set.members) out.calibration.consistent_set.push_back({m.label, m.mape, values_at(m.values)});
  out.fitted = fitted;
  out.evaluations = problem.evaluations();
  return out;
}

}  // namespace codesim::calibration
