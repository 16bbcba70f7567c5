// Bands: the spread of a prediction over the device's consistent set, formed member by
// member, and what a speedup band says about a proposal.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/prediction_band.hpp"

namespace hw = codesim::hw;
namespace sim = codesim::sim;

TEST(PredictionBand, ValueIsTheFirstMemberAndTheBoundsTheExtremes) {
  const auto b = sim::band_of({2.0, 3.0, 1.5, 2.5});
  EXPECT_DOUBLE_EQ(b.value, 2.0);
  EXPECT_DOUBLE_EQ(b.low, 1.5);
  EXPECT_DOUBLE_EQ(b.high, 3.0);
  EXPECT_TRUE(b.contains(2.9));
  EXPECT_FALSE(b.contains(3.1));
  EXPECT_THROW((void)sim::band_of({}), std::invalid_argument);
}

TEST(PredictionBand, FormatShowsTheBandUnlessItIsAPoint) {
  EXPECT_EQ(sim::format_band({1.146, 1.05, 1.16}, 3, "x"), "1.146x [1.050, 1.160]");
  EXPECT_EQ(sim::format_band({632.94, 632.94, 632.94}, 1), "632.9");
}

TEST(PredictionBand, SpeedupVerdicts) {
  EXPECT_EQ(sim::speedup_verdict({1.10, 1.05, 1.15}), "");
  EXPECT_EQ(sim::speedup_verdict({1.0, 1.0, 1.0}), "no effect");
  EXPECT_EQ(sim::speedup_verdict({1.02, 1.0, 1.10}), "band includes 1.0");
  EXPECT_EQ(sim::speedup_verdict({1.02, 0.98, 1.10}), "band includes 1.0");
  EXPECT_EQ(sim::speedup_verdict({0.9, 0.85, 0.95}), "slower");
}

TEST(PredictionBand, MembersAreTheDeviceThenTheOtherMembersOfItsSet) {
  const auto d = hw::load_device("h800");
  const auto& set = d.calibration.consistent_set;
  ASSERT_GE(set.size(), 3U) << "h800.json ships a consistent set";
  const auto members = sim::band_members(d);
  ASSERT_EQ(members.size(), set.size());
  EXPECT_EQ(hw::device_fingerprint(members.front()), hw::device_fingerprint(d));
  for (std::size_t i = 1; i < members.size(); ++i) {
    EXPECT_EQ(hw::device_fingerprint(members[i]), hw::device_fingerprint(d.with_calibration(set[i].values)));
    EXPECT_NE(hw::device_fingerprint(members[i]), hw::device_fingerprint(d)) << set[i].label;
  }
  auto bare = d;
  bare.calibration.consistent_set.clear();
  EXPECT_EQ(sim::band_members(bare).size(), 1U);
}

// Band members run in other processes hand back their results as text: nothing may change.
TEST(ExpertComputationText, RoundTripIsExact) {
  sim::ExpertComputation run;
  sim::OperatorTiming op{"routed.gate_up", "grouped_gemm", "timed", {}};
  codesim::hw::KernelRun k;
  k.name = "routed.gate_up";
  k.kind = "grouped_fp8_gemm_contiguous";
  k.config = "BM=128 \"BN\"=160";
  k.time_us = 1.0 / 3.0;
  k.useful_flops = 2.0 * 8192 * 4096 * 7168;
  k.nominal_bytes = 1e-300;
  k.sms_used = 108;
  k.hbm_write_bytes = 1.7976931348623157e308;
  k.l2_busy_us = 0.1 + 0.2;
  op.kernels = {k, k};
  run.operators = {op, sim::OperatorTiming{"dispatch", "dispatch", "communication", {}}};
  const auto back = sim::deserialize_expert_computations(sim::serialize_expert_computations({run, run}));
  ASSERT_EQ(back.size(), 2U);
  ASSERT_EQ(back[1].operators.size(), 2U);
  const auto& b = back[1].operators[0].kernels[1];
  EXPECT_EQ(b.config, k.config);
  EXPECT_EQ(b.time_us, k.time_us);
  EXPECT_EQ(b.nominal_bytes, k.nominal_bytes);
  EXPECT_EQ(b.hbm_write_bytes, k.hbm_write_bytes);
  EXPECT_EQ(b.l2_busy_us, k.l2_busy_us);
  EXPECT_EQ(b.sms_used, 108);
  EXPECT_EQ(back[1].operators[1].status, "communication");
  EXPECT_EQ(back[0].total_us(), run.total_us());
}

// JSON has no infinity or NaN: they used to come back as null and fail as a raw type error.
TEST(ExpertComputationText, NonFiniteValuesRoundTripAndBadRecordsAreRefused) {
  codesim::hw::KernelRun k;
  k.time_us = std::numeric_limits<double>::infinity();
  k.hbm_busy_us = -std::numeric_limits<double>::infinity();
  k.l2_busy_us = std::numeric_limits<double>::quiet_NaN();
  sim::ExpertComputation run;
  run.operators = {sim::OperatorTiming{"o", "grouped_gemm", "timed", {k}}};
  const auto back = sim::deserialize_expert_computations(sim::serialize_expert_computations({run}));
  const auto& b = back.at(0).operators.at(0).kernels.at(0);
  EXPECT_EQ(b.time_us, k.time_us);
  EXPECT_EQ(b.hbm_busy_us, k.hbm_busy_us);
  EXPECT_TRUE(std::isnan(b.l2_busy_us));
  // A record of the wrong shape names what is wrong instead of reading past its end.
  EXPECT_THROW((void)sim::deserialize_expert_computations(R"([[["o","k","timed",[["n","k","c",1]]]]])"),
               std::runtime_error);
  EXPECT_THROW((void)sim::deserialize_expert_computations(R"([[["o","k"]]])"), std::runtime_error);
  EXPECT_THROW((void)sim::deserialize_expert_computations(R"({"a":1})"), std::runtime_error);
}
