// The fluid network against closed-form answers and against an independent max-min oracle:
// a plain progressive-filling loop (no heap, no batching) driving its own event loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "emulator/network/flow/fluid_network.hpp"

namespace codesim::network::flow {
namespace {

FluidOptions exact() {
  FluidOptions o;
  o.finish_batch_relative = 0.0;
  o.finish_batch_absolute_s = 0.0;
  return o;
}

TEST(FluidNetwork, OneFlowTakesBytesOverCapacityPlusLatency) {
  FluidNetwork net(exact());
  const LinkId l = net.add_link("l", 0, 100.0);
  double delivered = -1.0;
  net.start_flow(1.0, {{l, 1.0}}, 50.0, 0.25, [&](FlowId, double t) { delivered = t; });
  net.run();
  EXPECT_DOUBLE_EQ(delivered, 1.0 + 0.5 + 0.25);
  EXPECT_DOUBLE_EQ(net.links()[0].bytes, 50.0);
  EXPECT_DOUBLE_EQ(net.links()[0].busy_s, 0.5);
}

TEST(FluidNetwork, TwoFlowsShareThenTheSurvivorSpeedsUp) {
  FluidNetwork net(exact());
  const LinkId l = net.add_link("l", 0, 10.0);
  std::vector<double> end(2);
  net.start_flow(0.0, {{l, 1.0}}, 10.0, 0.0, [&](FlowId, double t) { end[0] = t; });
  net.start_flow(0.0, {{l, 1.0}}, 30.0, 0.0, [&](FlowId, double t) { end[1] = t; });
  net.run();
  EXPECT_DOUBLE_EQ(end[0], 2.0);  // 10 bytes at 5
  EXPECT_DOUBLE_EQ(end[1], 4.0);  // 10 bytes at 5, then 20 at 10
}

TEST(FluidNetwork, MaxMinGivesTheUnconstrainedFlowTheRest) {
  // Link a (1) carries flows 0 and 1; link b (2) carries flows 1 and 2. Max-min: 0.5, 0.5, 1.5.
  FluidNetwork net(exact());
  const LinkId a = net.add_link("a", 0, 1.0);
  const LinkId b = net.add_link("b", 0, 2.0);
  std::vector<double> end(3);
  net.start_flow(0.0, {{a, 1.0}}, 1.0, 0.0, [&](FlowId, double t) { end[0] = t; });
  net.start_flow(0.0, {{a, 1.0}, {b, 1.0}}, 1.0, 0.0, [&](FlowId, double t) { end[1] = t; });
  net.start_flow(0.0, {{b, 1.0}}, 3.0, 0.0, [&](FlowId, double t) { end[2] = t; });
  net.run();
  EXPECT_DOUBLE_EQ(end[0], 2.0);
  EXPECT_DOUBLE_EQ(end[1], 2.0);
  EXPECT_DOUBLE_EQ(end[2], 2.0);
}

TEST(FluidNetwork, WeightedUseCountsAgainstCapacity) {
  // A copy reading and writing one memory uses it twice per byte.
  FluidNetwork net(exact());
  const LinkId m = net.add_link("hbm", 0, 10.0);
  double end = 0.0;
  net.start_flow(0.0, {{m, 2.0}}, 10.0, 0.0, [&](FlowId, double t) { end = t; });
  net.run();
  EXPECT_DOUBLE_EQ(end, 2.0);
  EXPECT_DOUBLE_EQ(net.links()[0].bytes, 20.0);
}

TEST(FluidNetwork, ZeroByteFlowIsPureLatencyAndActionsChain) {
  FluidNetwork net(exact());
  const LinkId l = net.add_link("l", 0, 1.0);
  double second = -1.0;
  net.start_flow(0.0, {{l, 1.0}}, 0.0, 3.0, [&](FlowId, double t) {
    net.start_flow(t, {{l, 1.0}}, 2.0, 0.0, [&](FlowId, double u) { second = u; });
  });
  net.run();
  EXPECT_DOUBLE_EQ(second, 5.0);
}

TEST(FluidNetwork, RejectsBadInput) {
  FluidNetwork net;
  EXPECT_THROW(net.add_link("x", 0, 0.0), std::invalid_argument);
  const LinkId l = net.add_link("l", 0, 1.0);
  EXPECT_THROW(net.start_flow(0.0, {{l + 1, 1.0}}, 1.0, 0.0, nullptr), std::invalid_argument);
  EXPECT_THROW(net.start_flow(0.0, {{l, 0.0}}, 1.0, 0.0, nullptr), std::invalid_argument);
  EXPECT_THROW(net.start_flow(0.0, {}, 1.0, 0.0, nullptr), std::invalid_argument);
  EXPECT_THROW(net.start_flow(-1.0, {{l, 1.0}}, 1.0, 0.0, nullptr), std::invalid_argument);
}

// ---- independent oracle -------------------------------------------------------------------

struct OracleFlow {
  std::vector<LinkUse> path;
  double start;
  double bytes;
};

/// Max-min rates by the textbook loop: raise all unfrozen rates by the largest step no link
/// allows beyond, freeze the flows of every link that became full, repeat.
std::vector<double> oracle_rates(const std::vector<double>& capacity, const std::vector<OracleFlow>& flows,
                                 const std::vector<int>& active) {
  std::vector<double> rate(flows.size(), 0.0);
  std::vector<bool> frozen(flows.size(), false);
  std::vector<double> used(capacity.size(), 0.0);
  for (;;) {
    double step = std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l < capacity.size(); ++l) {
      double w = 0.0;
      for (const int f : active)
        if (!frozen[static_cast<std::size_t>(f)])
          for (const auto& u : flows[static_cast<std::size_t>(f)].path)
            if (u.link == static_cast<LinkId>(l)) w += u.weight;
      if (w > 0.0) step = std::min(step, (capacity[l] - used[l]) / w);
    }
    if (step == std::numeric_limits<double>::infinity()) return rate;
    for (const int f : active)
      if (!frozen[static_cast<std::size_t>(f)]) {
        rate[static_cast<std::size_t>(f)] += step;
        for (const auto& u : flows[static_cast<std::size_t>(f)].path) used[static_cast<std::size_t>(u.link)] += u.weight * step;
      }
    for (const int f : active) {
      if (frozen[static_cast<std::size_t>(f)]) continue;
      for (const auto& u : flows[static_cast<std::size_t>(f)].path)
        if (used[static_cast<std::size_t>(u.link)] >= capacity[static_cast<std::size_t>(u.link)] * (1 - 1e-12))
          frozen[static_cast<std::size_t>(f)] = true;
    }
  }
}

std::vector<double> oracle_finish_times(const std::vector<double>& capacity, const std::vector<OracleFlow>& flows) {
  std::vector<double> remaining;
  for (const auto& f : flows) remaining.push_back(f.bytes);
  std::vector<double> end(flows.size(), -1.0);
  double now = 0.0;
  for (;;) {
    std::vector<int> active;
    for (std::size_t i = 0; i < flows.size(); ++i)
      if (end[i] < 0 && flows[i].start <= now) active.push_back(static_cast<int>(i));
    double next_start = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < flows.size(); ++i)
      if (flows[i].start > now) next_start = std::min(next_start, flows[i].start);
    if (active.empty() && next_start == std::numeric_limits<double>::infinity()) return end;
    const auto rate = oracle_rates(capacity, flows, active);
    double next = next_start;
    for (const int f : active) next = std::min(next, now + remaining[static_cast<std::size_t>(f)] / rate[static_cast<std::size_t>(f)]);
    for (const int f : active) {
      auto& r = remaining[static_cast<std::size_t>(f)];
      r -= rate[static_cast<std::size_t>(f)] * (next - now);
      if (r <= 1e-9 * flows[static_cast<std::size_t>(f)].bytes) end[static_cast<std::size_t>(f)] = next;
    }
    now = next;
  }
}

TEST(FluidNetwork, MatchesAnIndependentMaxMinOracleOnRandomNetworks) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const int links = 2 + static_cast<int>(rng() % 6);
    std::vector<double> capacity;
    for (int l = 0; l < links; ++l) capacity.push_back(1.0 + static_cast<double>(rng() % 100));
    std::vector<OracleFlow> flows;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int f = 0; f < n; ++f) {
      OracleFlow of;
      for (int l = 0; l < links; ++l)
        if (rng() % 3 == 0) of.path.push_back({l, (rng() % 2 == 0) ? 1.0 : 2.0});
      if (of.path.empty()) of.path.push_back({static_cast<LinkId>(rng() % static_cast<unsigned>(links)), 1.0});
      of.start = static_cast<double>(rng() % 4);
      of.bytes = 1.0 + static_cast<double>(rng() % 500);
      flows.push_back(of);
    }
    const auto expected = oracle_finish_times(capacity, flows);
    FluidNetwork net(exact());
    for (int l = 0; l < links; ++l) net.add_link("l", 0, capacity[static_cast<std::size_t>(l)]);
    std::vector<double> got(flows.size(), -1.0);
    for (std::size_t f = 0; f < flows.size(); ++f)
      net.start_flow(flows[f].start, flows[f].path, flows[f].bytes, 0.0, [&got, f](FlowId, double t) { got[f] = t; });
    net.run();
    double total_bytes = 0.0;
    for (std::size_t f = 0; f < flows.size(); ++f) {
      EXPECT_NEAR(got[f], expected[f], 1e-9 * std::max(1.0, expected[f])) << "trial " << trial << " flow " << f;
      EXPECT_GE(net.flows()[f].data_end - net.flows()[f].start, net.flows()[f].bound_s * (1 - 1e-12));
      for (const auto& u : flows[f].path) total_bytes += u.weight * flows[f].bytes;
    }
    double carried = 0.0;
    for (const auto& l : net.links()) {
      carried += l.bytes;
      EXPECT_LE(l.peak_utilisation, 1.0 + 1e-9);
    }
    EXPECT_NEAR(carried, total_bytes, 1e-9 * total_bytes);
  }
}

TEST(FluidNetwork, BatchingFinishesNeverMakesAFlowFasterThanItsBottleneck) {
  std::mt19937_64 rng(11);
  FluidNetwork net;  // default batching
  std::vector<LinkId> l;
  for (int i = 0; i < 16; ++i) l.push_back(net.add_link("l", 0, 1e9 * (1 + static_cast<double>(rng() % 4))));
  for (int f = 0; f < 2000; ++f) {
    const auto a = l[rng() % 16];
    const auto b = l[rng() % 16];
    net.start_flow(0.0, {{a, 1.0}, {b, 1.0}}, 1e3 * (1 + static_cast<double>(rng() % 1000)), 1e-6, nullptr);
  }
  net.run();
  for (const auto& f : net.flows()) {
    EXPECT_GE(f.data_end - f.start, f.bound_s * (1 - 1e-12));
    EXPECT_GE(f.delivered, f.data_end + f.latency - 1e-15);
  }
  EXPECT_LT(net.rate_computations(), 2000);  // batching merged finishes
}

}  // namespace
}  // namespace codesim::network::flow
