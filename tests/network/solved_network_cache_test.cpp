// A solve reused for an identical network problem: the answer is the solve's, field by field;
// any change to the posted problem (bytes, capacities, routes) is a new problem; kernels whose
// flows are not all fixed at their start (normal mode forwards on arrival) are never reused.
#include <gtest/gtest.h>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/solved_network_cache.hpp"
#include "tests/network/alltoall_fixtures.hpp"

namespace codesim::network {
namespace {

using namespace alltoall_fixtures;

void expect_same(const AllToAllResult& a, const AllToAllResult& b) {
  EXPECT_EQ(a.gpu_transfer_us, b.gpu_transfer_us);
  EXPECT_EQ(a.gpu_time_us, b.gpu_time_us);
  EXPECT_EQ(a.gpu_bytes, b.gpu_bytes);
  EXPECT_EQ(a.gpu_hbm_bytes, b.gpu_hbm_bytes);
  EXPECT_EQ(a.gpu_link_busy_us, b.gpu_link_busy_us);
  EXPECT_EQ(a.max_time_us, b.max_time_us);
  EXPECT_EQ(a.busiest_link, b.busiest_link);
  EXPECT_EQ(a.busiest_link_bytes_us, b.busiest_link_bytes_us);
  EXPECT_EQ(a.flows, b.flows);
  EXPECT_EQ(a.rate_computations, b.rate_computations);
  EXPECT_EQ(a.min_flow_time_over_bound, b.min_flow_time_over_bound);
  ASSERT_EQ(a.link_classes.size(), b.link_classes.size());
  for (std::size_t i = 0; i < a.link_classes.size(); ++i) {
    EXPECT_EQ(a.link_classes[i].out_bytes, b.link_classes[i].out_bytes);
    EXPECT_EQ(a.link_classes[i].busy_us_max, b.link_classes[i].busy_us_max);
    EXPECT_EQ(a.link_classes[i].peak_utilisation, b.link_classes[i].peak_utilisation);
  }
}

AllToAllResult run(const ClusterConfig& c, const AllToAllRequest& q, SolvedNetworkCache* cache) {
  return run_alltoall_counts(c, q, count_tokens(routing_of(c, q)), nullptr, cache);
}

TEST(SolvedNetworkCache, TheSameProblemIsSolvedOnceAndAnsweredExactly) {
  const auto c = cluster("h800");
  const auto q = request("low-latency", CommOp::kDispatch, 16, 128);
  SolvedNetworkCache cache;
  const auto first = run(c, q, &cache);
  const auto second = run(c, q, &cache);
  EXPECT_EQ(cache.solves(), 1U);
  EXPECT_EQ(cache.hits(), 1U);
  expect_same(second, first);
  expect_same(second, run(c, q, nullptr));
}

TEST(SolvedNetworkCache, AnyChangeToThePostedProblemIsANewProblem) {
  const auto c = cluster("h800");
  auto q = request("low-latency-nvlink", CommOp::kCombine, 16, 128);
  SolvedNetworkCache cache;
  (void)run(c, q, &cache);
  auto more_bytes = q;
  more_bytes.hidden = 4096;  // every flow's bytes
  (void)run(c, more_bytes, &cache);
  auto values = test_values();
  values.rdma_efficiency = 0.7;  // the NICs' capacities
  (void)run(cluster("h800", values), q, &cache);
  auto other_kernel = q;
  other_kernel.mode = "low-latency";  // peers in the node over RDMA instead of NVLink: other routes
  (void)run(c, other_kernel, &cache);
  EXPECT_EQ(cache.solves(), 4U);
  EXPECT_EQ(cache.hits(), 0U);
}

// A switch multicast changes nothing for low-latency kernels when each GPU holds one expert
// (one copy per token and GPU): the same problem, answered from the cache. With two experts
// per GPU the tree carries fewer bytes, a different problem with a different answer.
TEST(SolvedNetworkCache, AProposalThatChangesNothingTheKernelUsesSharesTheSolve) {
  const auto c = cluster("h800");
  for (const int experts : {16, 32}) {
    SCOPED_TRACE(experts);
    auto q = request("low-latency", CommOp::kDispatch, 16, 128);
    q.experts = experts;
    q.top_k = 4;
    auto multicast = q;
    multicast.offload.switch_multicast = true;
    SolvedNetworkCache cache;
    const auto base = run(c, q, &cache);
    const auto tree = run(c, multicast, &cache);
    if (experts == 16) {
      EXPECT_EQ(cache.hits(), 1U);
      expect_same(tree, base);
    } else {
      EXPECT_EQ(cache.hits(), 0U);
      EXPECT_LT(stats(tree, LinkClass::kNic).out_bytes, stats(base, LinkClass::kNic).out_bytes);
    }
  }
}

TEST(SolvedNetworkCache, KernelsThatPostFlowsLaterAreNeverReused) {
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kDispatch, 16, 256);
  SolvedNetworkCache cache;
  expect_same(run(c, q, &cache), run(c, q, &cache));
  EXPECT_EQ(cache.solves(), 0U);
  EXPECT_EQ(cache.hits(), 0U);
}

}  // namespace
}  // namespace codesim::network
