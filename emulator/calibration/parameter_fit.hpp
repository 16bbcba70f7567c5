#pragma once
// Fitting a calibration: a bounded pattern search on the mean absolute percentage error.
// Each free parameter moves by a step that starts at a quarter of its physical range and
// halves whenever no move improves the fit, so every value stays inside its range and the
// search is deterministic. Derivative-free on purpose: a timing model's output has kinks
// (wave quantisation, which resource is the bottleneck) where gradients mislead.
#include <cstddef>
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"

namespace codesim::calibration {

struct FitOptions {
  /// Parameters (indices) that keep their start value; all others move.
  std::vector<std::size_t> held;
  /// The first step of each parameter, as a fraction of its range: a quarter from a cold start;
  /// smaller when starting next to the answer (a refit with one row or one value changed).
  double initial_step = 1.0 / 4.0;
  /// The search stops when every step is below this fraction of its parameter's range.
  double tolerance = 1.0 / 256.0;
  /// At most this many objective evaluations (memoised repeats are free).
  std::size_t max_evaluations = 4000;
};

struct FitResult {
  std::vector<double> values;  ///< in the problem's parameter order, each inside its range
  double mape = 0.0;           ///< over the rows the fit saw, in percent
  std::size_t evaluations = 0;
};

/// Minimises the MAPE over `rows` from `start` (clamped into the ranges).
[[nodiscard]] FitResult fit_parameters(CalibrationProblem& problem, std::vector<double> start,
                                       const RowSelection& rows, const FitOptions& options = {});

}  // namespace codesim::calibration
