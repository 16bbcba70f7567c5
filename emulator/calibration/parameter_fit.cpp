#include "emulator/calibration/parameter_fit.hpp"

#include <algorithm>
#include <stdexcept>

namespace codesim::calibration {

FitResult fit_parameters(CalibrationProblem& problem, std::vector<double> start, const RowSelection& rows,
                         const FitOptions& options) {
  const auto& params = problem.parameters();
  const std::size_t n = params.size();
  if (start.size() != n) throw std::invalid_argument("fit: start vector and parameters differ in size");
  if (!(options.initial_step > 0.0 && options.initial_step <= 1.0))
    throw std::invalid_argument("fit: the initial step must be in (0, 1] of a range");
  if (rows.size() != problem.rows()) throw std::invalid_argument("fit: row selection and rows differ in size");
  std::vector<bool> free(n, true);
  for (const auto h : options.held) {
    if (h >= n) throw std::invalid_argument("fit: held parameter index out of range");
    free[h] = false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    start[i] = std::clamp(start[i], params[i].lo, params[i].hi);
    if (params[i].lo == params[i].hi) free[i] = false;
  }

  const std::size_t first = problem.evaluations();
  auto budget_left = [&] { return problem.evaluations() - first < options.max_evaluations; };
  std::vector<double> x = std::move(start);
  double fx = problem.mape(x, rows);
  std::vector<double> step(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) step[i] = free[i] ? (params[i].hi - params[i].lo) * options.initial_step : 0.0;
  auto step_left = [&] {
    for (std::size_t i = 0; i < n; ++i)
      if (free[i] && step[i] >= options.tolerance * (params[i].hi - params[i].lo)) return true;
    return false;
  };

  while (step_left() && budget_left()) {
    bool improved = false;
    for (std::size_t i = 0; i < n && budget_left(); ++i) {
      if (!free[i]) continue;
      for (const double dir : {1.0, -1.0}) {
        bool moved = false;
        // Keep moving while it helps: a long valley is walked in a few evaluations.
        for (;;) {
          auto y = x;
          y[i] = std::clamp(x[i] + dir * step[i], params[i].lo, params[i].hi);
          if (y[i] == x[i] || !budget_left()) break;
          const double fy = problem.mape(y, rows);
          if (!(fy < fx - 1e-12)) break;
          x = std::move(y);
          fx = fy;
          moved = true;
        }
        if (moved) {
          improved = true;
          break;
        }
      }
    }
    if (!improved)
      for (auto& s : step) s /= 2.0;
  }
  return {x, fx, problem.evaluations() - first};
}

}  // namespace codesim::calibration
