// Profiles, consistent sets and leave-one-out on rows generated from known parameters, where
// what the data can and cannot pin down is known by construction.
#include <gtest/gtest.h>

#include <cmath>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/identifiability.hpp"
#include "emulator/calibration/parameter_fit.hpp"
#include "tests/calibration/kernel_law_models.hpp"

namespace cal = codesim::calibration;
using cal::testing::kWork;
using cal::testing::precise;

namespace {

// time = fixed + work / (clock * hidden): only the product clock * hidden reaches the rows,
// the way a throttled clock and an exposed overhead both lengthen a compute-bound kernel.
cal::RowModel confounded() { return cal::testing::fixed_plus_work_over_rates(); }

std::vector<cal::ParameterRange> confounded_ranges() {
  return {{"fixed_us", "us", 0.0, 10.0}, {"clock", "GHz", 1.0, 2.0}, {"hidden", "1", 0.5, 1.0}};
}

}  // namespace

TEST(Identifiability, PinnedParameterHasANarrowProfileConfoundedOnesAWideOne) {
  // Truth: fixed 2, clock 1.6, hidden 0.75 (product 1.2; any clock in [1.2, 2.0] can match it).
  cal::CalibrationProblem problem(confounded_ranges(), confounded()({2.0, 1.6, 0.75}), confounded());
  const auto best = cal::fit_parameters(problem, {5.0, 1.5, 0.9}, problem.all_rows(), precise());
  EXPECT_LT(best.mape, 0.01);
  EXPECT_NEAR(best.values[1] * best.values[2], 1.2, 1e-3);

  const auto fixed = cal::consistent_interval(problem, 0, best.values, best.mape, problem.all_rows(), 1.0, 9, 6);
  const auto clock = cal::consistent_interval(problem, 1, best.values, best.mape, problem.all_rows(), 1.0, 9, 6);
  const auto hidden = cal::consistent_interval(problem, 2, best.values, best.mape, problem.all_rows(), 1.0, 9, 6);
  // The fixed cost is pinned by the small rows: a narrow interval around the truth.
  EXPECT_LE(fixed.lo, 2.0);
  EXPECT_GE(fixed.hi, 2.0);
  EXPECT_LT(fixed.hi - fixed.lo, 0.1 * 10.0);
  EXPECT_FALSE(fixed.lo_is_range_end);
  EXPECT_FALSE(fixed.hi_is_range_end);
  // The clock is only limited by what `hidden` can make up: from 1.2 (hidden = 1) to the top
  // of its range. Below 1.2 the product cannot be reached, so the profile rises there.
  EXPECT_NEAR(clock.lo, 1.2, 0.03);
  EXPECT_TRUE(clock.hi_is_range_end);
  EXPECT_FALSE(clock.lo_is_range_end);
  // hidden: from 0.6 (clock = 2) to 1.
  EXPECT_NEAR(hidden.lo, 0.6, 0.02);
  EXPECT_TRUE(hidden.hi_is_range_end);
  // Every profile point inside the interval is within the threshold.
  for (const auto& p : clock.profile)
    if (p.value >= clock.lo && p.value <= clock.hi) {
      EXPECT_LE(p.mape, best.mape + 1.0 + 1e-9) << p.value;
    }
}

TEST(Identifiability, ConsistentSetMembersAreInsideTheThreshold) {
  cal::CalibrationProblem problem(confounded_ranges(), confounded()({2.0, 1.6, 0.75}), confounded());
  const auto best = cal::fit_parameters(problem, {5.0, 1.5, 0.9}, problem.all_rows(), precise());
  const auto set = cal::find_consistent_set(problem, best, problem.all_rows(), 1.0, 7, 5);
  ASSERT_EQ(set.intervals.size(), 3U);
  ASSERT_GE(set.members.size(), 3U);
  EXPECT_EQ(set.members.front().label, "best fit");
  for (const auto& m : set.members) {
    EXPECT_LE(m.mape, set.best_mape + set.threshold + 1e-9) << m.label;
    EXPECT_DOUBLE_EQ(problem.mape(m.values, problem.all_rows()), m.mape) << m.label;
    for (std::size_t i = 0; i < m.values.size(); ++i) {
      EXPECT_GE(m.values[i], problem.parameters()[i].lo);
      EXPECT_LE(m.values[i], problem.parameters()[i].hi);
    }
  }
  // The members span the confounded direction: a slow and a fast clock are both there.
  double lo = 10.0, hi = 0.0;
  for (const auto& m : set.members) {
    lo = std::min(lo, m.values[1]);
    hi = std::max(hi, m.values[1]);
  }
  EXPECT_LT(lo, 1.3);
  EXPECT_GT(hi, 1.9);
  // No two members are the same point.
  for (std::size_t i = 0; i < set.members.size(); ++i)
    for (std::size_t j = i + 1; j < set.members.size(); ++j) EXPECT_NE(set.members[i].values, set.members[j].values);
}

TEST(Identifiability, ARecenteredSetWhenAProfileFindsABetterFit) {
  cal::CalibrationProblem problem(confounded_ranges(), confounded()({2.0, 1.6, 0.75}), confounded());
  // A deliberately poor "best fit": the set is rebuilt around a better one.
  cal::FitResult poor{{8.0, 1.1, 0.55}, problem.mape({8.0, 1.1, 0.55}, problem.all_rows()), 0};
  const auto set = cal::find_consistent_set(problem, poor, problem.all_rows(), 1.0, 5, 3);
  EXPECT_LT(set.best_mape, poor.mape);
  EXPECT_LT(set.best_mape, 0.5);
}

TEST(Identifiability, LeaveOneOutPredictsEachRowWithoutSeeingIt) {
  const std::vector<double> truth{2.0, 1.6, 0.75};
  auto measured = confounded()(truth);
  cal::CalibrationProblem exact(confounded_ranges(), measured, confounded());
  const auto loo = cal::leave_one_out(exact, {2.0, 1.5, 0.8}, exact.all_rows(), precise());
  ASSERT_EQ(loo.size(), kWork.size());
  // The model is the truth, so every held-out row is predicted almost exactly.
  EXPECT_LT(cal::held_out_mape(loo), 0.05);

  // One row measured 30% slow: the fits without it predict the true value, so that row's
  // held-out error is about -23% (1/1.3 - 1), while in-sample it would be partly absorbed.
  measured[2] *= 1.3;
  cal::CalibrationProblem noisy(confounded_ranges(), measured, confounded());
  const auto loo_noisy = cal::leave_one_out(noisy, {2.0, 1.5, 0.8}, noisy.all_rows(), precise());
  EXPECT_NEAR(loo_noisy[2].error_percent, (1.0 / 1.3 - 1.0) * 100.0, 1.0);
  EXPECT_EQ(loo_noisy[2].row, 2U);
  EXPECT_DOUBLE_EQ(loo_noisy[2].measured, measured[2]);
}
