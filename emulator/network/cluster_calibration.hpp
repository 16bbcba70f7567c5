#pragma once
// A cluster's network calibration on DeepEP's published rows: the fitted parameters of the
// cluster file's "calibration" section as a calibration problem whose model runs each row on
// the fluid network, and the calibration step `codesim calibrate --cluster` performs.
//
// A row is simulated again only when a parameter it can feel changes: the parameters of a
// link class its run left idle cannot move it (an intranode row never touches a NIC), and the
// fixed cost per kernel is added after the transfers (AllToAllResult::set_kernel_fixed). Both
// are exact, so the fit sees the same numbers as a fresh run at every point.
#include <cstddef>
#include <string>
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/forked_row_pool.hpp"
#include "emulator/calibration/section_fit.hpp"
#include "emulator/network/deepep_rows.hpp"

namespace codesim::network {

/// Whether `run`, simulated at `ran_at`, is also the run at `at` (up to kernel_fixed_us, which
/// re-times a run: AllToAllResult::set_kernel_fixed). It is when every other parameter is equal
/// or acts on a link class the run left idle, or scales the capacity of a class that was never
/// full and stays above the heaviest load it carried (max-min rates do not depend on the
/// capacity of a link that is nobody's bottleneck). Exact: same times and bytes.
[[nodiscard]] bool same_run(const AllToAllResult& run, const NetworkCalibrationValues& ran_at,
                            const NetworkCalibrationValues& at);

/// One all-to-all with the cluster's best fit and every member of its consistent set: the
/// best fit's run, and the range of its figures over the members (equal to the best fit's
/// without a consistent set). Members that differ from an earlier run only in what it cannot
/// feel are re-timed, not simulated again.
struct AllToAllBand {
  AllToAllResult best;
  double time_us_low = 0.0, time_us_high = 0.0;
  double max_time_us_low = 0.0, max_time_us_high = 0.0;
  double bandwidth_gbps_low = 0.0, bandwidth_gbps_high = 0.0;
  std::vector<double> member_time_us;  ///< the best fit, then each consistent-set member in order
  std::size_t members = 1;      ///< consistent-set members covered (the best fit included)
  std::size_t simulations = 1;  ///< of which needed a run of their own
};
[[nodiscard]] AllToAllBand run_alltoall_band(const ClusterConfig& cluster, const AllToAllRequest& request);

class ClusterCalibration {
 public:
  /// Throws std::invalid_argument when the cluster has no fitted parameter or a row cannot run
  /// on it. `workers` processes simulate the rows (1: this one); results do not depend on it.
  ClusterCalibration(const ClusterConfig& cluster, std::vector<MeasuredAllToAll> rows, std::size_t workers = 1);
  ClusterCalibration(const ClusterCalibration&) = delete;  // the problem's model refers to this object
  ClusterCalibration& operator=(const ClusterCalibration&) = delete;

  [[nodiscard]] calibration::CalibrationProblem& problem() { return problem_; }
  [[nodiscard]] const std::vector<MeasuredAllToAll>& rows() const { return rows_; }
  [[nodiscard]] const std::vector<std::string>& fitted() const { return fitted_; }
  [[nodiscard]] std::vector<double> start() const;
  [[nodiscard]] NetworkCalibrationValues values_at(const std::vector<double>& x) const;
  /// Runs simulated in this process so far (the rest were cached; with workers, they count).
  [[nodiscard]] std::size_t simulations() const {
    std::size_t n = 0;
    for (const auto& c : cache_) n += c.size();
    return n;
  }

 private:
  /// One row's figure at the values, from a cached run when one is the same run (same_run).
  double predict_row(const NetworkCalibrationValues& v, std::size_t row);
  struct CachedRun {
    NetworkCalibrationValues values;
    AllToAllResult run;
  };

  ClusterConfig cluster_;
  std::vector<MeasuredAllToAll> rows_;
  std::vector<std::string> fitted_;
  std::vector<std::vector<CachedRun>> cache_;  ///< per row (each worker process keeps its own)
  calibration::ForkedRowPool pool_;
  calibration::CalibrationProblem problem_;
};

using ClusterCalibrationOutcome = calibration::SectionFitOutcome<NetworkCalibrationValues>;

/// Fits the cluster's fitted network parameters on `rows`, finds the consistent set and
/// returns the calibration section a cluster file should carry.
[[nodiscard]] ClusterCalibrationOutcome calibrate_cluster(const ClusterConfig& cluster,
                                                          const std::vector<MeasuredAllToAll>& rows,
                                                          const std::string& fitted_on,
                                                          const calibration::SectionFitOptions& options = {});

/// Each row predicted with the cluster's best fit and banded over its consistent set
/// (run_alltoall_band), the rows spread over `workers` processes (results do not depend on it).
struct DeepEpPrediction {
  MeasuredAllToAll row;
  double predicted = 0.0;  ///< best fit
  double low = 0.0;        ///< over the consistent set (== predicted without one)
  double high = 0.0;
  [[nodiscard]] double error_percent() const { return (predicted - row.measured) / row.measured * 100.0; }
};
[[nodiscard]] std::vector<DeepEpPrediction> predict_deepep_rows(const ClusterConfig& cluster,
                                                                const std::vector<MeasuredAllToAll>& rows,
                                                                std::size_t workers = 1);

}  // namespace codesim::network
