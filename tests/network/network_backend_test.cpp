// Network backends behind one interface: both registered fluid backends run DeepEP's kernels,
// an unknown one is refused by name, and the batched fluid backend stays within its stated
// error of the exact one: events within 1% of the current time share one rate computation, so
// each dependent step can be late by up to one window; a kernel's time stays within 2%.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "emulator/network/alltoall.hpp"

namespace codesim::network {
namespace {

TEST(NetworkBackend, BothFluidBackendsAreRegistered) {
  const auto& r = flow::NetworkBackendRegistry::instance();
  ASSERT_NE(r.find("fluid"), nullptr);
  ASSERT_NE(r.find("fluid-exact"), nullptr);
  EXPECT_FALSE(r.at("fluid").summary.empty());
  const auto backend = r.at("fluid-exact").make();
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(backend->links().empty());
}

TEST(NetworkBackend, UnknownBackendIsRefusedByName) {
  const auto cluster = load_cluster("h800");
  AllToAllRequest q;
  q.backend = "packet";
  const auto problem = alltoall_problem(cluster, q);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("'packet'"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("fluid-exact"), std::string::npos) << *problem;
}

TEST(NetworkBackend, BatchedFluidStaysWithinTwoPercentOfExact) {
  const auto cluster = load_cluster("h800");
  struct Case {
    const char* mode;
    CommOp op;
    int ep;
    int tokens;
  };
  for (const Case c : {Case{"normal", CommOp::kDispatch, 8, 512}, Case{"normal", CommOp::kCombine, 16, 256},
                       Case{"low-latency", CommOp::kDispatch, 16, 64}, Case{"low-latency-nvlink", CommOp::kCombine, 16, 64}}) {
    AllToAllRequest q;
    q.mode = c.mode;
    q.op = c.op;
    q.ep = c.ep;
    q.tokens = c.tokens;
    q.backend = "fluid";
    const auto batched = run_alltoall(cluster, q);
    q.backend = "fluid-exact";
    const auto exact = run_alltoall(cluster, q);
    EXPECT_LE(exact.rate_computations, exact.flows * 2 + 1) << c.mode;  // at most one per start and end
    EXPECT_LE(batched.rate_computations, exact.rate_computations) << c.mode;
    ASSERT_EQ(batched.gpu_time_us.size(), exact.gpu_time_us.size());
    double worst = 0.0;
    for (std::size_t g = 0; g < exact.gpu_time_us.size(); ++g) {
      EXPECT_NEAR(batched.gpu_time_us[g], exact.gpu_time_us[g], 0.02 * exact.gpu_time_us[g])
          << c.mode << " EP" << c.ep << " GPU " << g;
      worst = std::max(worst, std::abs(batched.gpu_time_us[g] / exact.gpu_time_us[g] - 1.0));
    }
    EXPECT_NEAR(batched.time_us, exact.time_us, 0.01 * exact.time_us) << c.mode << ": the mean over GPUs";
    std::printf("%s %s EP%d: largest per-GPU deviation %.2f%%, mean %.2f%%\n", c.mode,
                c.op == CommOp::kDispatch ? "dispatch" : "combine", c.ep, worst * 100.0,
                std::abs(batched.time_us / exact.time_us - 1.0) * 100.0);
    for (std::size_t k = 0; k < exact.link_classes.size(); ++k)
      EXPECT_NEAR(batched.link_classes[k].out_bytes + batched.link_classes[k].other_bytes,
                  exact.link_classes[k].out_bytes + exact.link_classes[k].other_bytes,
                  1e-9 * (exact.link_classes[k].out_bytes + exact.link_classes[k].other_bytes) + 1e-6)
          << c.mode << ": a backend moves the same bytes";
  }
}

}  // namespace
}  // namespace codesim::network

namespace codesim::network {
namespace {

std::vector<ConcurrentAllToAll> two_dispatches(const ClusterConfig& cluster, double second_start_us) {
  AllToAllRequest q;
  q.mode = "low-latency";
  q.ep = 16;
  q.tokens = 64;
  q.backend = "fluid-exact";
  const auto& kind = CollectiveRegistry::instance().at(q.mode);
  auto counts = count_tokens(route_experts(kind.routing(cluster, q)));
  AllToAllRequest q2 = q;
  q2.seed = 2;  // the other micro-batch: other tokens
  auto counts2 = count_tokens(route_experts(kind.routing(cluster, q2)));
  return {{q, counts, 0.0}, {q2, counts2, second_start_us}};
}

TEST(ConcurrentAllToAlls, ApartTheyEqualSeparateRunsTogetherTheyContend) {
  const auto cluster = load_cluster("h800");
  const auto apart = two_dispatches(cluster, 0.0);
  const auto alone0 = run_alltoall_counts(cluster, apart[0].request, apart[0].counts);
  const auto alone1 = run_alltoall_counts(cluster, apart[1].request, apart[1].counts);

  // Far apart: each is its own run, times counted from its own start.
  const auto far = run_concurrent_alltoalls(cluster, two_dispatches(cluster, 10.0 * alone0.max_time_us));
  ASSERT_EQ(far.size(), 2U);
  for (std::size_t g = 0; g < alone0.gpu_time_us.size(); ++g) {
    EXPECT_NEAR(far[0].gpu_time_us[g], alone0.gpu_time_us[g], 1e-6 * alone0.gpu_time_us[g]);
    EXPECT_NEAR(far[1].gpu_time_us[g], alone1.gpu_time_us[g], 1e-6 * alone1.gpu_time_us[g]);
  }
  // Together: both share the NICs, so each is slower than alone, and together they move the
  // bytes of both.
  const auto together = run_concurrent_alltoalls(cluster, two_dispatches(cluster, 0.0));
  EXPECT_GT(together[0].time_us, 1.3 * alone0.time_us);
  EXPECT_GT(together[1].time_us, 1.3 * alone1.time_us);
  EXPECT_LT(together[0].max_time_us, alone0.max_time_us + alone1.max_time_us);
  const auto nic_bytes = [](const AllToAllResult& r) {
    for (const auto& s : r.link_classes)
      if (s.link_class == LinkClass::kNic) return s.out_bytes;
    return 0.0;
  };
  EXPECT_NEAR(nic_bytes(together[0]), nic_bytes(alone0) + nic_bytes(alone1), 1e-9 * nic_bytes(together[0]));
  EXPECT_GE(together[0].min_flow_time_over_bound, 1.0 - 1e-9);
}

TEST(ConcurrentAllToAlls, RefusesRequestsThatNeedAnotherTopology) {
  const auto cluster = load_cluster("h800");
  auto runs = two_dispatches(cluster, 0.0);
  runs[1].request.ep = 8;
  EXPECT_THROW((void)run_concurrent_alltoalls(cluster, runs), std::invalid_argument);
  EXPECT_THROW((void)run_concurrent_alltoalls(cluster, {}), std::invalid_argument);
}

}  // namespace
}  // namespace codesim::network
