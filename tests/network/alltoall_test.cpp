// One DeepEP all-to-all on the fluid network (run_alltoall), checked against oracles that do
// not share its code:
// - conservation: every link class with a direction carries as many bytes out of GPUs as in;
// - no flow beats the narrowest link of its path;
// - the bytes on NVLink, PCIe, the NICs and the spines are what each kernel's design implies,
//   written here as closed forms over the token counts (TokenCounts) and the cluster's shape;
// - the same totals as the workloads layer's own traffic matrices (workloads/traffic), fed
//   with the same routing;
// - closed-form times on two GPUs.
// Behaviour and refusals: alltoall_behaviour_test.cpp.
// Calibration values and latencies are set here: the numbers must not move when the cluster
// files are recalibrated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_config.hpp"
#include "emulator/network/expert_traffic.hpp"
#include "tests/network/alltoall_fixtures.hpp"
#include "workloads/traffic/all_to_all_traffic.hpp"

namespace codesim::network {
namespace {

using namespace alltoall_fixtures;

/// Bytes each link class must carry (out of GPUs) and the bytes DeepEP counts per GPU, from
/// the kernels' design (collectives/*.cpp headers), over the token counts.
struct Expected {
  double nvlink = 0.0;
  double pcie = 0.0;
  double nic = 0.0;
  double fabric = 0.0;
  std::vector<double> counted;
};

Expected expected_traffic(const ClusterConfig& c, const AllToAllRequest& q, const TokenCounts& n) {
  Expected e;
  e.counted.assign(static_cast<std::size_t>(q.ep), 0.0);
  const bool dispatch = q.op == CommOp::kDispatch;
  const int half_ports = c.fabric.switch_ports / 2;  // nodes (one NIC each per plane) under a leaf
  auto leaf = [&](int node) { return node / half_ports; };
  if (q.mode == "normal") {
    const double b = dispatch ? kFp8TokenBytes : kBf16TokenBytes;
    if (q.ep <= c.gpus_per_node) {
      // Every token once to each GPU holding one of its experts, over NVLink; DeepEP counts the
      // tokens a rank receives (dispatch) or sends back (combine).
      for (int s = 0; s < q.ep; ++s)
        for (int d = 0; d < q.ep; ++d) {
          if (s != d) e.nvlink += static_cast<double>(n.gpu(s, d)) * b;
          e.counted[static_cast<std::size_t>(d)] += static_cast<double>(n.gpu(s, d)) * b;
        }
      return e;
    }
    // Across nodes: once per remote target node over InfiniBand to the GPU with the sender's
    // in-node index (the own node's tokens stay in the sender's buffer), then over NVLink to
    // each GPU of the node that holds one of the token's experts, unless that GPU is the
    // forwarder itself: i.e. to every target whose in-node index differs from the sender's.
    // Combine retraces the same hops backwards. DeepEP counts the node-deduplicated tokens.
    for (int s = 0; s < q.ep; ++s)
      for (int node = 0; node < n.nodes; ++node) {
        const double bytes = static_cast<double>(n.node(s, node)) * b;
        e.counted[static_cast<std::size_t>(s)] += bytes;
        if (node == c.node_of(s)) continue;
        e.nic += bytes;
        e.pcie += bytes;
        if (leaf(node) != leaf(c.node_of(s))) e.fabric += bytes;
      }
    for (int s = 0; s < q.ep; ++s)
      for (int d = 0; d < q.ep; ++d)
        if (c.local_of(s) != c.local_of(d)) e.nvlink += static_cast<double>(n.gpu(s, d)) * b;
    return e;
  }
  // Low-latency: every (token, expert) copy its own message from the token's GPU to the
  // expert's (combine: back), over RDMA; with "-nvlink", over NVLink inside a node. An RDMA
  // message to another plane first crosses NVLink to the sender's node's GPU on that plane,
  // whose NIC (under the sender's leaf) sends it. DeepEP counts the messages a rank sends.
  const bool nvlink_in_node = q.mode == "low-latency-nvlink";
  const double m = dispatch ? kLowLatencyDispatchBytes : kBf16TokenBytes;
  for (int s = 0; s < q.ep; ++s)
    for (int d = 0; d < q.ep; ++d) {
      const double bytes = static_cast<double>(n.copy(s, d)) * m;
      e.counted[static_cast<std::size_t>(dispatch ? s : d)] += bytes;
      if (s == d) continue;
      if (nvlink_in_node && c.node_of(s) == c.node_of(d)) {
        e.nvlink += bytes;
        continue;
      }
      e.nic += bytes;
      e.pcie += bytes;
      if (c.plane_of(s) != c.plane_of(d)) e.nvlink += bytes;
      if (leaf(c.node_of(s)) != leaf(c.node_of(d))) e.fabric += bytes;
    }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Properties of every mode, direction and a one-node and a four-node EP

using Case = std::tuple<std::string, CommOp, int>;

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string mode = std::get<0>(info.param);
  std::replace(mode.begin(), mode.end(), '-', '_');
  return mode + (std::get<1>(info.param) == CommOp::kDispatch ? "_dispatch" : "_combine") + "_ep" +
         std::to_string(std::get<2>(info.param));
}

const auto kCases = ::testing::Combine(::testing::Values("normal", "low-latency", "low-latency-nvlink"),
                                       ::testing::Values(CommOp::kDispatch, CommOp::kCombine),
                                       ::testing::Values(8, 32));

class AllToAllProperties : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    q_ = request(std::get<0>(GetParam()), std::get<1>(GetParam()), std::get<2>(GetParam()));
    counts_ = count_tokens(routing_of(c_, q_));
    r_ = run_alltoall(c_, q_);
  }
  ClusterConfig c_ = small_leaves();
  AllToAllRequest q_;
  TokenCounts counts_;
  AllToAllResult r_;
};

TEST_P(AllToAllProperties, EveryDirectedLinkClassDeliversWhatItSent) {
  ASSERT_GT(r_.flows, 0U);
  for (const auto c : {LinkClass::kNvlink, LinkClass::kPcie, LinkClass::kNic, LinkClass::kFabric}) {
    const auto s = stats(r_, c);
    EXPECT_TRUE(close(s.out_bytes, s.in_bytes)) << link_class_name(c);
    EXPECT_EQ(s.other_bytes, 0.0) << link_class_name(c);
  }
  // Memory and SMs have no direction.
  for (const auto c : {LinkClass::kHbm, LinkClass::kSm}) {
    EXPECT_EQ(stats(r_, c).out_bytes, 0.0);
    EXPECT_EQ(stats(r_, c).in_bytes, 0.0);
  }
  EXPECT_GT(stats(r_, LinkClass::kHbm).other_bytes, 0.0);
}

TEST_P(AllToAllProperties, NoFlowBeatsItsNarrowestLink) {
  EXPECT_GE(r_.min_flow_time_over_bound, 1.0 - 1e-9);
  for (const auto& s : r_.link_classes) EXPECT_LE(s.peak_utilisation, 1.0 + 1e-9) << link_class_name(s.link_class);
}

TEST_P(AllToAllProperties, LinkBytesAreTheKernelsTrafficOverTheTokenCounts) {
  const Expected e = expected_traffic(c_, q_, counts_);
  EXPECT_TRUE(close(stats(r_, LinkClass::kNvlink).out_bytes, e.nvlink)) << "NVLink";
  EXPECT_TRUE(close(stats(r_, LinkClass::kPcie).out_bytes, e.pcie)) << "PCIe";
  EXPECT_TRUE(close(stats(r_, LinkClass::kNic).out_bytes, e.nic)) << "NIC";
  EXPECT_TRUE(close(stats(r_, LinkClass::kFabric).out_bytes, e.fabric)) << "spines";
  // Every class the case should use is used (the oracle is not vacuous).
  if (q_.ep > c_.gpus_per_node) {
    EXPECT_GT(e.nic, 0.0);
    EXPECT_GT(e.fabric, 0.0);
  }
  EXPECT_GT(e.nvlink + e.nic, 0.0);
  ASSERT_EQ(r_.gpu_bytes.size(), e.counted.size());
  for (std::size_t g = 0; g < e.counted.size(); ++g) EXPECT_DOUBLE_EQ(r_.gpu_bytes[g], e.counted[g]) << "GPU " << g;
}

TEST_P(AllToAllProperties, SummaryFiguresFollowFromThePerGpuOnes) {
  ASSERT_EQ(r_.gpu_time_us.size(), static_cast<std::size_t>(q_.ep));
  const double mean = std::accumulate(r_.gpu_time_us.begin(), r_.gpu_time_us.end(), 0.0) / q_.ep;
  EXPECT_TRUE(close(r_.time_us, mean, 1e-12));
  EXPECT_EQ(r_.max_time_us, *std::max_element(r_.gpu_time_us.begin(), r_.gpu_time_us.end()));
  double bandwidth = 0.0;
  for (int g = 0; g < q_.ep; ++g)
    bandwidth += r_.gpu_bytes[static_cast<std::size_t>(g)] / (r_.gpu_time_us[static_cast<std::size_t>(g)] * 1e3);
  EXPECT_TRUE(close(r_.bandwidth_gbps, bandwidth / q_.ep, 1e-12));
  for (const double t : r_.gpu_time_us) EXPECT_GT(t, test_values().kernel_fixed_us);
}

INSTANTIATE_TEST_SUITE_P(AllToAll, AllToAllProperties, kCases, case_name);

// ---------------------------------------------------------------------------------------------
// Against the workloads layer's traffic matrices

/// The workloads layer walks every routed token through add_token_traffic_normal (per-GPU and
/// per-node deduplication, relay by in-node index) or add_token_traffic_low_latency, and keeps
/// GPU x GPU byte matrices for InfiniBand and NVLink; the combine is the dispatch reversed
/// (scaled_phase). Its InfiniBand total must be what the NICs sent and its NVLink total what
/// NVLink carried. The workloads layer has no planes, while on a multi-plane fabric an RDMA
/// message to another plane also crosses NVLink first; the comparison is therefore made on the
/// same cluster with one plane (32 GPUs: one leaf), where the two conventions agree.
class WorkloadTraffic : public ::testing::TestWithParam<Case> {};

TEST_P(WorkloadTraffic, TotalsEqualTheWorkloadMatrices) {
  ClusterConfig c = cluster("h800");
  c.fabric.planes = 1;
  const auto q = request(std::get<0>(GetParam()), std::get<1>(GetParam()), std::get<2>(GetParam()));
  const bool dispatch = q.op == CommOp::kDispatch;
  const ExpertRouting routing = routing_of(c, q);
  const AllToAllResult r = run_alltoall_counts(c, q, count_tokens(routing));

  workloads::ClusterShape shape;
  shape.gpus_per_node = c.gpus_per_node;
  shape.nodes = (q.ep + c.gpus_per_node - 1) / c.gpus_per_node;
  ASSERT_EQ(shape.gpus(), q.ep);
  // Copies counted with one byte each, then scaled to the wire size as the workloads layer does.
  workloads::AllToAllPhase counted("dispatch", "count", 1, q.ep);
  std::vector<std::uint8_t> scratch(static_cast<std::size_t>(q.ep), 0);
  for (int s = 0; s < q.ep; ++s)
    for (int t = 0; t < routing.tokens; ++t) {
      const std::span<const int> targets(
          routing.targets.data() + (static_cast<std::size_t>(s) * static_cast<std::size_t>(routing.tokens) +
                                    static_cast<std::size_t>(t)) * static_cast<std::size_t>(routing.top_k),
          static_cast<std::size_t>(routing.top_k));
      if (q.mode == "normal")
        workloads::add_token_traffic_normal(shape, s, targets, counted, scratch);
      else
        workloads::add_token_traffic_low_latency(shape, s, targets, q.mode == "low-latency-nvlink", counted);
    }
  const double wire = q.mode == "normal" ? (dispatch ? kFp8TokenBytes : kBf16TokenBytes)
                                         : (dispatch ? kLowLatencyDispatchBytes : kBf16TokenBytes);
  const auto phase = workloads::scaled_phase(counted, dispatch ? "dispatch" : "combine", "wire",
                                             static_cast<std::int64_t>(wire), !dispatch);
  EXPECT_TRUE(close(stats(r, LinkClass::kNic).out_bytes, static_cast<double>(phase.infiniband.total())));
  EXPECT_TRUE(close(stats(r, LinkClass::kNvlink).out_bytes, static_cast<double>(phase.nvlink.total())));
  EXPECT_GT(phase.infiniband.total() + phase.nvlink.total(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllToAll, WorkloadTraffic, kCases, case_name);

// ---------------------------------------------------------------------------------------------
// Closed-form times on two GPUs of one node

/// Memory and SMs so fast that only the links under test limit the transfers.
ClusterConfig unlimited_memory(ClusterConfig c) {
  c.device.hbm_bandwidth_gbps = 1e9;
  return c;
}

TEST(AllToAll, LowLatencyOnTwoGpusTakesTheBusierPairsWireTime) {
  // Pure RDMA inside one node: each direction's messages cross NVLink to the peer, then the
  // peer's own NIC (its wire both ways); the two directions share no link. A GPU waits for
  // what it sends and what it receives, so both end with the busier pair:
  //   fixed + NVLink latency + same-leaf latency + copies x (message / wire rate + overhead).
  NetworkCalibrationValues v = test_values();
  v.nic_message_overhead_ns = 120.0;
  const ClusterConfig c = unlimited_memory(cluster("h800", v));
  for (const CommOp op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto q = request("low-latency", op, 2, 64);
    const auto n = count_tokens(routing_of(c, q));
    const double m = op == CommOp::kDispatch ? kLowLatencyDispatchBytes : kBf16TokenBytes;
    const double wire = c.nic_gbitps / 8 * 1e9 * v.rdma_efficiency;
    const double copies = static_cast<double>(std::max(n.copy(0, 1), n.copy(1, 0)));
    ASSERT_GT(copies, 0.0);
    const double expected_us = v.kernel_fixed_us + c.latency.nvlink_us + c.latency.ib_same_leaf_us +
                               copies * (m / wire + v.nic_message_overhead_ns * 1e-9) * 1e6;
    const auto r = run_alltoall(c, q);
    for (const double t : r.gpu_time_us) EXPECT_TRUE(close(t, expected_us, 1e-9));
    // The NIC spends the overhead on its wire as payload-equivalent bytes; PCIe carries payload.
    const double all_copies = static_cast<double>(n.copy(0, 1) + n.copy(1, 0));
    EXPECT_TRUE(close(stats(r, LinkClass::kNic).out_bytes, all_copies * (m + v.nic_message_overhead_ns * 1e-9 * wire)));
    EXPECT_TRUE(close(stats(r, LinkClass::kPcie).out_bytes, all_copies * m));
  }
}

TEST(AllToAll, NormalOnTwoGpusTakesTheBusierPairsNvlinkTime) {
  // With SMs and memory out of the way, each direction's deduplicated tokens cross one NVLink
  // port pair after the counts exchange (one NVLink latency), plus the data's own latency.
  NetworkCalibrationValues v = test_values();
  v.sm_copy_gbps = 1000.0;
  const ClusterConfig c = unlimited_memory(cluster("h800", v));
  for (const CommOp op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto q = request("normal", op, 2, 64);
    const auto n = count_tokens(routing_of(c, q));
    const double b = op == CommOp::kDispatch ? kFp8TokenBytes : kBf16TokenBytes;
    const double nvlink = c.nvlink_gbps() * 1e9 * v.nvlink_efficiency;
    const double tokens = static_cast<double>(std::max(n.gpu(0, 1), n.gpu(1, 0)));
    ASSERT_GT(tokens, 0.0);
    const double expected_us = v.kernel_fixed_us + 2 * c.latency.nvlink_us + tokens * b / nvlink * 1e6;
    const auto r = run_alltoall(c, q);
    for (const double t : r.gpu_time_us) EXPECT_TRUE(close(t, expected_us, 1e-9));
  }
}

TEST(AllToAll, TheFixedKernelCostAddsToEveryGpusTime) {
  NetworkCalibrationValues slow = test_values();
  slow.kernel_fixed_us = test_values().kernel_fixed_us + 7.0;
  for (const char* mode : {"normal", "low-latency"}) {
    const auto q = request(mode, CommOp::kDispatch, 16);
    const auto a = run_alltoall(cluster("h800"), q);
    const auto b = run_alltoall(cluster("h800", slow), q);
    ASSERT_EQ(a.gpu_time_us.size(), b.gpu_time_us.size());
    for (std::size_t g = 0; g < a.gpu_time_us.size(); ++g)
      EXPECT_NEAR(b.gpu_time_us[g] - a.gpu_time_us[g], 7.0, 1e-9) << mode << " GPU " << g;
  }
}

}  // namespace
}  // namespace codesim::network
