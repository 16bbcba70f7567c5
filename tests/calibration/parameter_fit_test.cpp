// The bounded pattern search on formulas whose answer is known: noiseless rows generated
// from known parameters are recovered, bounds are never crossed, held parameters stay put.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/parameter_fit.hpp"
#include "tests/calibration/kernel_law_models.hpp"

namespace cal = codesim::calibration;
using cal::testing::precise;

namespace {

// A kernel-like law: time = fixed + work / rate, over rows of different sizes.
cal::RowModel fixed_plus_rate() { return cal::testing::fixed_plus_work_over_rates(); }

std::vector<double> rows_at(double fixed, double rate) { return fixed_plus_rate()({fixed, rate}); }

cal::FitOptions holding_first() {
  cal::FitOptions o;
  o.held = {0};
  return o;
}

}  // namespace

TEST(ParameterFit, RecoversKnownParametersFromNoiselessRows) {
  cal::CalibrationProblem problem({{"fixed_us", "us", 0.0, 10.0}, {"rate", "1/us", 0.5, 20.0}}, rows_at(2.5, 7.0),
                                  fixed_plus_rate());
  const auto fit = cal::fit_parameters(problem, {9.0, 1.0}, problem.all_rows(), precise());
  EXPECT_NEAR(fit.values[0], 2.5, 1e-3);
  EXPECT_NEAR(fit.values[1], 7.0, 1e-3);
  EXPECT_LT(fit.mape, 1e-3);
  EXPECT_GT(fit.evaluations, 10U);
}

TEST(ParameterFit, NeverLeavesThePhysicalRange) {
  // The truth (rate 30) lies outside the range: the fit stops at the bound.
  cal::CalibrationProblem problem({{"fixed_us", "us", 0.0, 10.0}, {"rate", "1/us", 0.5, 20.0}}, rows_at(1.0, 30.0),
                                  fixed_plus_rate());
  const auto fit = cal::fit_parameters(problem, {5.0, 5.0}, problem.all_rows());
  EXPECT_DOUBLE_EQ(fit.values[1], 20.0);
  EXPECT_GE(fit.values[0], 0.0);
  EXPECT_GT(fit.mape, 0.1);
  // A start outside the range is clamped into it.
  const auto clamped = cal::fit_parameters(problem, {-3.0, 50.0}, problem.all_rows());
  EXPECT_GE(clamped.values[0], 0.0);
  EXPECT_LE(clamped.values[1], 20.0);
}

TEST(ParameterFit, HeldParametersKeepTheirStartValue) {
  cal::CalibrationProblem problem({{"fixed_us", "us", 0.0, 10.0}, {"rate", "1/us", 0.5, 20.0}}, rows_at(2.5, 7.0),
                                  fixed_plus_rate());
  const auto fit = cal::fit_parameters(problem, {4.0, 1.0}, problem.all_rows(), holding_first());
  EXPECT_DOUBLE_EQ(fit.values[0], 4.0);
  EXPECT_NE(fit.values[1], 1.0);
}

TEST(ParameterFit, RowSelectionIgnoresUnselectedRows) {
  auto measured = rows_at(2.5, 7.0);
  measured[3] *= 5.0;  // a wild row
  cal::CalibrationProblem problem({{"fixed_us", "us", 0.0, 10.0}, {"rate", "1/us", 0.5, 20.0}}, measured,
                                  fixed_plus_rate());
  auto rows = problem.all_rows();
  rows[3] = false;
  const auto fit = cal::fit_parameters(problem, {9.0, 1.0}, rows, precise());
  EXPECT_NEAR(fit.values[0], 2.5, 1e-3);
  EXPECT_NEAR(fit.values[1], 7.0, 1e-3);
  EXPECT_GT(problem.mape(fit.values, problem.all_rows()), 5.0);  // the wild row shows when counted
}

TEST(CalibrationProblem, MemoisesAndValidates) {
  int calls = 0;
  cal::CalibrationProblem problem({{"a", "1", 0.0, 1.0}}, {1.0, 2.0}, [&](const std::vector<double>& v) {
    ++calls;
    return std::vector<double>{1.0 + v[0], 2.0};
  });
  EXPECT_DOUBLE_EQ(problem.mape({0.5}, problem.all_rows()), 25.0);
  EXPECT_DOUBLE_EQ(problem.errors_percent({0.5})[0], 50.0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(problem.evaluations(), 1U);
  EXPECT_THROW((void)problem.predict({1.5}), std::invalid_argument);
  EXPECT_THROW((void)problem.index_of("b"), std::invalid_argument);
  EXPECT_EQ(problem.index_of("a"), 0U);
  EXPECT_THROW(cal::CalibrationProblem({{"a", "1", 1.0, 0.0}}, {1.0}, [](const std::vector<double>&) {
                 return std::vector<double>{1.0};
               }),
               std::invalid_argument);
  EXPECT_THROW(cal::CalibrationProblem({{"a", "1", 0.0, 1.0}}, {0.0}, [](const std::vector<double>&) {
                 return std::vector<double>{1.0};
               }),
               std::invalid_argument);
}
