// The calibration of the SystemC GPU on rows it generated itself, where the truth is known:
// the fit recovers the parameters inside their bands, a parameter the rows pin down has a
// narrow consistent interval and one they cannot see spans its whole range; the worker pool
// changes nothing but the speed.
#include <gtest/gtest.h>

#include <cmath>

#include "emulator/calibration/identifiability.hpp"
#include "emulator/calibration/parameter_fit.hpp"
#include "emulator/sim/gemm_calibration.hpp"

namespace hw = codesim::hw;
namespace k = codesim::kernels;
namespace sim = codesim::sim;
namespace cal = codesim::calibration;

namespace {

/// h800 with only the named parameters fitted (the others fixed at the file's values).
hw::DeviceConfig fitting_only(std::initializer_list<const char*> names) {
  auto d = hw::load_device("h800");
  d.calibration.consistent_set.clear();
  for (auto& p : d.calibration.parameters) {
    p.fitted = false;
    for (const auto* n : names)
      if (p.name == n) p.fitted = true;
  }
  return d;
}

/// Small GEMMs of one 64-row block: one math warpgroup, so promotion runs in series with the
/// MMAs and the share of it hidden by a second warpgroup cannot show.
std::vector<sim::MeasuredGemm> small_rows(const hw::DeviceConfig& truth) {
  std::vector<sim::MeasuredGemm> rows;
  for (const auto& [n, kk] : {std::pair{1024, 512}, {2048, 2048}, {4096, 1024}, {1024, 4096}}) {
    sim::MeasuredGemm g;
    g.shape = {{64}, n, kk, k::GemmLayout::kDense};
    g.measured_us = sim::predict(truth, {g}).front().predicted_us;
    rows.push_back(g);
  }
  return rows;
}

}  // namespace

TEST(GemmCalibration, RecoversTheParametersThatGeneratedTheRowsWithinTheirBands) {
  auto device = fitting_only({"kernel_fixed_us", "hbm_read_efficiency", "promotion_hidden_fraction"});
  auto truth_values = device.calibration.values;
  truth_values.kernel_fixed_us = 2.0;
  truth_values.hbm_read_efficiency = 0.85;
  truth_values.promotion_hidden_fraction = 0.7;
  const auto rows = small_rows(device.with_calibration(truth_values));

  // Start away from the truth.
  auto start = truth_values;
  start.kernel_fixed_us = 4.0;
  start.hbm_read_efficiency = 0.78;
  start.promotion_hidden_fraction = 0.5;
  sim::GemmCalibration c(device.with_calibration(start), rows);
  ASSERT_EQ(c.fitted(), (std::vector<std::string>{"promotion_hidden_fraction", "hbm_read_efficiency", "kernel_fixed_us"}));
  auto& problem = c.problem();
  cal::FitOptions precise;
  precise.tolerance = 1.0 / 1024;
  const auto fit = cal::fit_parameters(problem, c.start(), problem.all_rows(), precise);
  EXPECT_LT(fit.mape, 0.2);
  cal::FitOptions warm;
  warm.initial_step = 1.0 / 8;
  const auto set = cal::find_consistent_set(problem, fit, problem.all_rows(), 0.5, 5, 4, warm);
  ASSERT_EQ(set.intervals.size(), 3U);
  const auto& hidden = set.intervals[0];
  const auto& hbm = set.intervals[1];
  const auto& fixed = set.intervals[2];
  // The truth lies inside every band.
  EXPECT_LE(hbm.lo, 0.85);
  EXPECT_GE(hbm.hi, 0.85);
  EXPECT_LE(fixed.lo, 2.0);
  EXPECT_GE(fixed.hi, 2.0);
  EXPECT_LE(hidden.lo, 0.7);
  EXPECT_GE(hidden.hi, 0.7);
  // The rows pin the fixed cost and the HBM efficiency down...
  EXPECT_LT(fixed.hi - fixed.lo, 0.25 * (5.0 - 1.0)) << fixed.lo << ".." << fixed.hi;
  EXPECT_LT(hbm.hi - hbm.lo, 0.5 * (0.95 - 0.75)) << hbm.lo << ".." << hbm.hi;
  // ...but cannot see how much promotion a second warpgroup would hide: the whole range.
  EXPECT_TRUE(hidden.lo_is_range_end);
  EXPECT_TRUE(hidden.hi_is_range_end);
  for (const auto& p : hidden.profile) EXPECT_NEAR(p.mape, fit.mape, 1e-9) << p.value;
}

TEST(GemmCalibration, WorkerProcessesGiveTheSerialAnswerBitForBit) {
  const auto device = fitting_only({"kernel_fixed_us", "l2_bandwidth_gbps"});
  auto rows = small_rows(device);
  for (auto& r : rows) r.measured_us *= 1.1;  // any positive measurement will do
  sim::GemmCalibration serial(device, rows, 1);
  sim::GemmCalibration forked(device, rows, 3);
  for (const auto& x : {serial.start(), std::vector<double>{6000.0, 1.5}, std::vector<double>{20000.0, 4.0}}) {
    EXPECT_EQ(serial.problem().predict(x), forked.problem().predict(x));
  }
}
