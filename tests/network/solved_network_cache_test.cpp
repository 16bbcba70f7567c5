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
  expect_identical(second, first);
  expect_identical(second, run(c, q, nullptr));
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
      expect_identical(tree, base);
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
  expect_identical(run(c, q, &cache), run(c, q, &cache));
  EXPECT_EQ(cache.solves(), 0U);
  EXPECT_EQ(cache.hits(), 0U);
}

}  // namespace
}  // namespace codesim::network
