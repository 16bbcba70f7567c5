// The overlap schedule against hand-worked timelines and its invariants: every GPU's time is
// accounted for once (compute + exposed communication + idle = its end), the schedule is
// never shorter than its critical path nor longer than running everything in series.
#include "emulator/sim/overlap_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace codesim::sim {
namespace {

ScheduleStep compute(std::string name, std::vector<double> us, std::vector<int> waits = {}) {
  return {std::move(name), false, std::move(waits), std::move(us)};
}
ScheduleStep alltoall(std::string name, std::vector<double> us, std::vector<int> waits) {
  return {std::move(name), true, std::move(waits), std::move(us)};
}

/// A micro-batch as the MoE layer runs it: quantise, dispatch, experts, combine.
ScheduleChain micro_batch(std::string name, double q, double d, double e, double c, int gpus = 1) {
  auto n = [gpus](double v) { return std::vector<double>(static_cast<std::size_t>(gpus), v); };
  return {std::move(name),
          {compute("quantize", n(q)), alltoall("dispatch", n(d), {0}), compute("experts", n(e), {1}),
           alltoall("combine", n(c), {2})}};
}

TEST(OverlapSchedule, OneChainRunsInSeries) {
  const auto s = schedule_overlap({micro_batch("mb0", 1, 2, 3, 4)}, 1);
  EXPECT_DOUBLE_EQ(s.end_us, 10.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][2][0].start_us, 3.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].compute_us, 4.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].exposed_us, 6.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].hidden_us, 0.0);
}

TEST(OverlapSchedule, TwoMicroBatchesHideOneAllToAllBehindTheOthersExperts) {
  // By hand: q0 [0,1], q1 [1,2]; dispatch0 [1,3]; dispatch1 waits for the stream: [3,5];
  // experts0 [3,6] beside dispatch1; combine0 waits for experts0: [6,8]; experts1 [6,9]
  // beside combine0; combine1 [9,11].
  const auto s = schedule_overlap({micro_batch("mb0", 1, 2, 3, 2), micro_batch("mb1", 1, 2, 3, 2)}, 1);
  EXPECT_DOUBLE_EQ(s.intervals[0][1][0].start_us, 1.0);
  EXPECT_DOUBLE_EQ(s.intervals[1][1][0].start_us, 3.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][2][0].start_us, 3.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][3][0].start_us, 6.0);
  EXPECT_DOUBLE_EQ(s.intervals[1][2][0].start_us, 6.0);
  EXPECT_DOUBLE_EQ(s.end_us, 11.0);
  // Communication [1,5] [6,8] [9,11]; compute [0,2] [3,9]: hidden [1,2] [3,5] [6,8] = 5.
  EXPECT_DOUBLE_EQ(s.gpus[0].communication_us, 8.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].hidden_us, 5.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].exposed_us, 3.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].idle_us, 0.0);
}

TEST(OverlapSchedule, AnAllToAllStartsWhenTheLastGpuIsReady) {
  ScheduleChain c{"mb0", {compute("quantize", {1.0, 5.0}), alltoall("dispatch", {2.0, 3.0}, {0}),
                          compute("experts", {1.0, 1.0}, {1})}};
  const auto s = schedule_overlap({c}, 2);
  EXPECT_DOUBLE_EQ(s.intervals[0][1][0].start_us, 5.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][1][1].start_us, 5.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][2][0].start_us, 7.0);  // its own kernel ended at 5 + 2
  EXPECT_DOUBLE_EQ(s.intervals[0][2][1].start_us, 8.0);
  EXPECT_DOUBLE_EQ(s.end_us, 9.0);
  EXPECT_EQ(s.last_gpu, 1);
  EXPECT_DOUBLE_EQ(s.gpus[0].idle_us, 4.0);  // waited from 1 to 5 for GPU 1
}

TEST(OverlapSchedule, ComputeThatNeedsNoAllToAllRunsDuringIt) {
  // A shared expert after the dispatch in list order, but not waiting for it.
  ScheduleChain c{"mb0", {compute("quantize", {1.0}), alltoall("dispatch", {4.0}, {0}), compute("shared", {3.0}),
                          compute("routed", {2.0}, {1})}};
  const auto s = schedule_overlap({c}, 1);
  EXPECT_DOUBLE_EQ(s.intervals[0][2][0].start_us, 1.0);
  EXPECT_DOUBLE_EQ(s.intervals[0][3][0].start_us, 5.0);
  EXPECT_DOUBLE_EQ(s.end_us, 7.0);
  EXPECT_DOUBLE_EQ(s.gpus[0].hidden_us, 3.0);
}

TEST(OverlapSchedule, BoundedByTheCriticalPathAndBySeries) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 10.0);
  for (int trial = 0; trial < 200; ++trial) {
    const int gpus = 1 + static_cast<int>(rng() % 5);
    std::vector<ScheduleChain> chains;
    for (int c = 0; c < 2; ++c) {
      ScheduleChain chain{"mb" + std::to_string(c), {}};
      auto durations = [&] {
        std::vector<double> v(static_cast<std::size_t>(gpus));
        for (auto& x : v) x = u(rng);
        return v;
      };
      chain.steps = {compute("q", durations()), alltoall("d", durations(), {0}), compute("s", durations()),
                     compute("r", durations(), {1}), alltoall("c", durations(), {3}), compute("w", durations(), {1})};
      chains.push_back(chain);
    }
    const auto s = schedule_overlap(chains, gpus);
    double comm_series = 0.0, serial = 0.0, slowest_compute = 0.0;
    for (const auto& chain : chains)
      for (const auto& step : chain.steps)
        if (step.alltoall) comm_series += *std::max_element(step.gpu_us.begin(), step.gpu_us.end());
    for (int g = 0; g < gpus; ++g) {
      double mine = 0.0;
      for (const auto& chain : chains)
        for (const auto& step : chain.steps)
          if (!step.alltoall) mine += step.gpu_us[static_cast<std::size_t>(g)];
      slowest_compute = std::max(slowest_compute, mine);
      const auto& sum = s.gpus[static_cast<std::size_t>(g)];
      EXPECT_NEAR(sum.compute_us + sum.exposed_us + sum.idle_us, sum.end_us, 1e-9);
      EXPECT_NEAR(sum.compute_us, mine, 1e-9);
    }
    for (const auto& chain : chains)
      for (const auto& step : chain.steps)
        serial += *std::max_element(step.gpu_us.begin(), step.gpu_us.end());
    EXPECT_GE(s.end_us, std::max(slowest_compute, comm_series) - 1e-9) << "trial " << trial;
    EXPECT_LE(s.end_us, serial + 1e-9) << "trial " << trial;
  }
}

TEST(OverlapSchedule, RefusesMalformedChains) {
  EXPECT_THROW((void)schedule_overlap({micro_batch("mb0", 1, 2, 3, 4)}, 2), std::invalid_argument);
  ScheduleChain forward{"bad", {compute("a", {1.0}, {0})}};
  EXPECT_THROW((void)schedule_overlap({forward}, 1), std::invalid_argument);
  EXPECT_THROW((void)schedule_overlap({micro_batch("mb0", -1, 2, 3, 4)}, 1), std::invalid_argument);
}

TEST(UnionAndOverlap, CountsEachInstantOnce) {
  const auto [u, o] = union_and_overlap({{0, 4}, {2, 6}, {8, 9}}, {{3, 8.5}, {1, 2}});
  EXPECT_DOUBLE_EQ(u, 7.0);
  EXPECT_DOUBLE_EQ(o, 1.0 + 3.0 + 0.5);
}

}  // namespace
}  // namespace codesim::sim
