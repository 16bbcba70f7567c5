#include "emulator/calibration/identifiability.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace codesim::calibration {
namespace {

bool is_held(const FitOptions& options, std::size_t parameter) {
  return std::find(options.held.begin(), options.held.end(), parameter) != options.held.end();
}

/// Refit with `parameter` held at `value`, starting from `start`.
ProfilePoint refit_at(CalibrationProblem& problem, std::size_t parameter, double value, std::vector<double> start,
                      const RowSelection& rows, const FitOptions& options) {
  FitOptions held = options;
  if (!is_held(options, parameter)) held.held.push_back(parameter);
  start[parameter] = value;
  const auto r = fit_parameters(problem, std::move(start), rows, held);
  return {value, r.mape, r.values};
}

bool within(double mape, double best, double threshold) { return mape <= best + threshold + 1e-9; }

}  // namespace

std::vector<ProfilePoint> profile_parameter(CalibrationProblem& problem, std::size_t parameter,
                                            const std::vector<double>& best, const RowSelection& rows,
                                            std::size_t points, const FitOptions& options) {
  const auto& range = problem.parameters().at(parameter);
  if (points < 2) throw std::invalid_argument("profile: at least 2 points");
  std::vector<double> grid(points);
  for (std::size_t j = 0; j < points; ++j)
    grid[j] = range.lo + (range.hi - range.lo) * static_cast<double>(j) / static_cast<double>(points - 1);
  std::size_t s = 0;
  for (std::size_t j = 1; j < points; ++j)
    if (std::fabs(grid[j] - best[parameter]) < std::fabs(grid[s] - best[parameter])) s = j;
  std::vector<ProfilePoint> out(points);
  out[s] = refit_at(problem, parameter, grid[s], best, rows, options);
  for (std::size_t j = s + 1; j < points; ++j) out[j] = refit_at(problem, parameter, grid[j], out[j - 1].values, rows, options);
  for (std::size_t j = s; j-- > 0;) out[j] = refit_at(problem, parameter, grid[j], out[j + 1].values, rows, options);
  return out;
}

ConsistentInterval consistent_interval(CalibrationProblem& problem, std::size_t parameter,
                                       const std::vector<double>& best, double best_mape, const RowSelection& rows,
                                       double threshold, std::size_t points, std::size_t refinements,
                                       const FitOptions& options) {
  ConsistentInterval out;
  out.parameter = parameter;
  out.profile = profile_parameter(problem, parameter, best, rows, points, options);
  // The best fit itself is always a consistent point of the profile.
  auto with_best = out.profile;
  with_best.push_back({best[parameter], best_mape, best});
  std::stable_sort(with_best.begin(), with_best.end(),
                   [](const ProfilePoint& a, const ProfilePoint& b) { return a.value < b.value; });
  std::size_t lo = with_best.size();
  std::size_t hi = 0;
  for (std::size_t j = 0; j < with_best.size(); ++j) {
    if (!within(with_best[j].mape, best_mape, threshold)) continue;
    lo = std::min(lo, j);
    hi = std::max(hi, j);
  }
  // Bisect between the outermost consistent point and its inconsistent neighbour.
  auto refine = [&](ProfilePoint inside, const ProfilePoint& outside) {
    double out_value = outside.value;
    for (std::size_t r = 0; r < refinements; ++r) {
      const double mid = 0.5 * (inside.value + out_value);
      auto p = refit_at(problem, parameter, mid, inside.values, rows, options);
      if (within(p.mape, best_mape, threshold)) inside = std::move(p);
      else out_value = mid;
    }
    return inside;
  };
  out.lo_is_range_end = lo == 0;
  out.hi_is_range_end = hi + 1 == with_best.size();
  out.at_lo = out.lo_is_range_end ? with_best[lo] : refine(with_best[lo], with_best[lo - 1]);
  out.at_hi = out.hi_is_range_end ? with_best[hi] : refine(with_best[hi], with_best[hi + 1]);
  out.lo = out.at_lo.value;
  out.hi = out.at_hi.value;
  return out;
}

ConsistentSet find_consistent_set(CalibrationProblem& problem, const FitResult& best_fit, const RowSelection& rows,
                                  double threshold, std::size_t points, std::size_t refinements,
                                  const FitOptions& options, const ProfileProgress& progress) {
  FitResult best = best_fit;
  for (int attempt = 0;; ++attempt) {
    ConsistentSet set;
    set.best_mape = best.mape;
    set.threshold = threshold;
    std::optional<ProfilePoint> better;
    for (std::size_t i = 0; i < problem.parameters().size(); ++i) {
      if (is_held(options, i) || problem.parameters()[i].lo == problem.parameters()[i].hi) continue;
      if (progress) progress(i);
      set.intervals.push_back(
          consistent_interval(problem, i, best.values, best.mape, rows, threshold, points, refinements, options));
      for (const auto& p : set.intervals.back().profile)
        if (p.mape < best.mape - 1e-9 && (!better || p.mape < better->mape)) better = p;
    }
    // A profile that found a better fit than the search did: fit again from there (the
    // best fit is where the set is centred), at most twice.
    if (better && attempt < 2) {
      best = fit_parameters(problem, better->values, rows, options);
      continue;
    }
    set.members.push_back({"best fit", best.values, best.mape});
    for (const auto& in : set.intervals) {
      const auto& name = problem.parameters()[in.parameter].name;
      for (const auto* p : {&in.at_lo, &in.at_hi}) {
        const bool duplicate = std::any_of(set.members.begin(), set.members.end(),
                                           [&](const SetMember& m) { return m.values == p->values; });
        if (!duplicate) set.members.push_back({name + (p == &in.at_lo ? " low" : " high"), p->values, p->mape});
      }
    }
    return set;
  }
}

std::vector<HeldOutRow> leave_one_out(CalibrationProblem& problem, const std::vector<double>& start,
                                      const RowSelection& rows, const FitOptions& options) {
  std::vector<HeldOutRow> out;
  for (std::size_t i = 0; i < problem.rows(); ++i) {
    if (!rows[i]) continue;
    auto without = rows;
    without[i] = false;
    const auto fit = fit_parameters(problem, start, without, options);
    const double predicted = problem.predict(fit.values)[i];
    const double measured = problem.measured()[i];
    out.push_back({i, measured, predicted, (predicted - measured) / measured * 100.0, fit.values});
  }
  return out;
}

double held_out_mape(const std::vector<HeldOutRow>& rows) {
  double sum = 0.0;
  for (const auto& r : rows) sum += std::fabs(r.error_percent);
  return rows.empty() ? 0.0 : sum / static_cast<double>(rows.size());
}

}  // namespace codesim::calibration
