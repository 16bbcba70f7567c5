#pragma once
// What the measurements can and cannot say about each parameter:
// - the profile of a parameter: fix it at each value of a grid, refit the others, and record
//   the best MAPE the data allow there (a flat profile is a parameter the data cannot pin);
// - the consistent set: every parameter vector inside the physical ranges whose MAPE is within
//   `threshold` points of the best; it is represented by the best fit and, for each free
//   parameter, the members at its lowest and highest consistent value (the ends of its
//   profile interval, located by bisection);
// - leave-one-out cross-validation: each row predicted by a fit that did not see it.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/parameter_fit.hpp"

namespace codesim::calibration {

struct ProfilePoint {
  double value = 0.0;          ///< the profiled parameter, held fixed
  double mape = 0.0;           ///< best MAPE with the other free parameters refitted
  std::vector<double> values;  ///< the whole refitted vector
};

/// `points` evenly spaced values over the parameter's range (at least 2), refitted from
/// `best` outwards so that each fit starts next to the previous one. Sorted by value.
[[nodiscard]] std::vector<ProfilePoint> profile_parameter(CalibrationProblem& problem, std::size_t parameter,
                                                          const std::vector<double>& best, const RowSelection& rows,
                                                          std::size_t points, const FitOptions& options = {});

/// The interval of a parameter over which the profile stays within the threshold.
struct ConsistentInterval {
  std::size_t parameter = 0;
  double lo = 0.0;
  double hi = 0.0;
  ProfilePoint at_lo;  ///< the refitted member at the low end
  ProfilePoint at_hi;
  bool lo_is_range_end = false;  ///< the data allow the whole way to the physical bound
  bool hi_is_range_end = false;
  std::vector<ProfilePoint> profile;
};

/// Profiles the parameter and moves each end of its consistent interval in by bisection
/// (`refinements` halvings between the last consistent and first inconsistent grid value).
/// `best_mape` is the MAPE of the best fit; the threshold is in percentage points.
[[nodiscard]] ConsistentInterval consistent_interval(CalibrationProblem& problem, std::size_t parameter,
                                                     const std::vector<double>& best, double best_mape,
                                                     const RowSelection& rows, double threshold, std::size_t points,
                                                     std::size_t refinements, const FitOptions& options = {});

struct SetMember {
  std::string label;           ///< "best fit", "<parameter> low", "<parameter> high"
  std::vector<double> values;
  double mape = 0.0;
};

struct ConsistentSet {
  double best_mape = 0.0;
  double threshold = 0.0;
  std::vector<ConsistentInterval> intervals;  ///< one per free parameter
  std::vector<SetMember> members;             ///< the best fit first; duplicates removed
};

/// Called before each parameter's profile (its index), for progress reports.
using ProfileProgress = std::function<void(std::size_t parameter)>;

/// The consistent set around `best` for every parameter `options` does not hold.
/// If a profile finds a better fit than `best`, the set is rebuilt around it.
[[nodiscard]] ConsistentSet find_consistent_set(CalibrationProblem& problem, const FitResult& best,
                                                const RowSelection& rows, double threshold, std::size_t points,
                                                std::size_t refinements, const FitOptions& options = {},
                                                const ProfileProgress& progress = {});

struct HeldOutRow {
  std::size_t row = 0;
  double measured = 0.0;
  double predicted = 0.0;       ///< by the fit without this row
  double error_percent = 0.0;
  std::vector<double> values;   ///< that fit
};

/// Leave-one-out over the selected rows: for each, fit on the others (from `start`) and
/// predict it.
[[nodiscard]] std::vector<HeldOutRow> leave_one_out(CalibrationProblem& problem, const std::vector<double>& start,
                                                    const RowSelection& rows, const FitOptions& options = {});

/// Mean of |error| over held-out rows, in percent.
[[nodiscard]] double held_out_mape(const std::vector<HeldOutRow>& rows);

}  // namespace codesim::calibration
