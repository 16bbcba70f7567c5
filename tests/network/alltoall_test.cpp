// One DeepEP all-to-all on the fluid network (run_alltoall), checked against oracles that do
// not share its code:
// - conservation: every link class with a direction carries as many bytes out of GPUs as in;
// - no flow beats the narrowest link of its path;
// - the bytes on NVLink, PCIe, the NICs and the spines are what each kernel's design implies,
//   written here as closed forms over the token counts (TokenCounts) and the cluster's shape;
// - the same totals as the workloads layer's own traffic matrices (workloads/traffic), fed
//   with the same routing;
// - closed-form times on two GPUs, and behaviour (more NVLink is faster, fewer SMs are not,
//   FP8 dispatch moves less than BF16 combine, runs are deterministic for a seed);
// - requests that cannot run are refused with a reason.
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
#include "workloads/traffic/all_to_all_traffic.hpp"

namespace codesim::network {
namespace {

constexpr int kTokens = 128;
constexpr int kHidden = 7168;
// DeepEP's formats, written out: FP8 E4M3 with an FP32 scale per 128 elements (7,392 B),
// 16 B of metadata per low-latency dispatch message (7,408 B), BF16 (14,336 B).
constexpr double kFp8TokenBytes = kHidden + kHidden / 128 * 4.0;
constexpr double kLowLatencyDispatchBytes = kFp8TokenBytes + 16.0;
constexpr double kBf16TokenBytes = 2.0 * kHidden;

NetworkCalibrationValues test_values() {
  NetworkCalibrationValues v;
  v.nvlink_efficiency = 0.8;
  v.rdma_efficiency = 0.8;
  v.sm_copy_gbps = 20.0;
  v.nic_message_overhead_ns = 0.0;
  v.kernel_fixed_us = 5.0;
  return v;
}

ClusterConfig cluster(const std::string& name, NetworkCalibrationValues v = test_values()) {
  ClusterConfig c = load_cluster(name).with_calibration(v);
  c.latency = LatencyConfig{3.0, 2.5, 3.5};
  return c;
}

/// The h800 cluster with 4-port switches: 2 nodes under a leaf, so EP 32 (4 nodes) crosses the
/// spines. (Only the first EP GPUs are built: the loader's fat-tree capacity check, which this
/// edit would fail for 256 nodes, does not matter to them.)
ClusterConfig small_leaves() {
  ClusterConfig c = cluster("h800");
  c.fabric.switch_ports = 4;
  return c;
}

AllToAllRequest request(const std::string& mode, CommOp op, int ep, int tokens = kTokens) {
  AllToAllRequest q;
  q.mode = mode;
  q.op = op;
  q.ep = ep;
  q.tokens = tokens;
  q.hidden = kHidden;
  q.sms = mode == "normal" ? 24 : 0;
  q.seed = 1;
  return q;
}

ExpertRouting routing_of(const ClusterConfig& c, const AllToAllRequest& q) {
  return route_experts(CollectiveRegistry::instance().at(q.mode).routing(c, q));
}

LinkClassStats stats(const AllToAllResult& r, LinkClass c) {
  for (const auto& s : r.link_classes)
    if (s.link_class == c) return s;
  LinkClassStats none;
  none.link_class = c;
  return none;
}

/// |a - b| within `rel` of the larger (exact equality for zeros).
::testing::AssertionResult close(double a, double b, double rel = 1e-9) {
  if (std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (relative " << std::abs(a - b) / std::max(a, b)
                                       << ")";
}

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

// ---------------------------------------------------------------------------------------------
// Behaviour

TEST(AllToAll, MoreNvlinkMakesNormalModeInsideANodeFaster) {
  for (const CommOp op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto q = request("normal", op, 8, 512);
    const auto h800 = run_alltoall(cluster("h800"), q);
    const auto h100 = run_alltoall(cluster("h100"), q);
    EXPECT_LT(h100.time_us, h800.time_us);
    EXPECT_GT(h100.bandwidth_gbps, h800.bandwidth_gbps);
    EXPECT_EQ(h100.gpu_bytes, h800.gpu_bytes);  // same routing, same bytes
  }
}

TEST(AllToAll, FewerSmsAreNotFaster) {
  for (const int ep : {8, 16}) {
    auto q = request("normal", CommOp::kDispatch, ep);
    q.sms = 24;
    const auto many = run_alltoall(cluster("h800"), q);
    q.sms = 8;
    const auto few = run_alltoall(cluster("h800"), q);
    EXPECT_GE(few.time_us, many.time_us) << "EP " << ep;
    // Inside a node 8 SMs (160 GB/s for a GPU's sends and receives together) are below what
    // NVLink carries (0.8 x 200 GB/s each way): strictly slower.
    if (ep == 8) {
      EXPECT_GT(few.time_us, many.time_us * 1.2);
    }
  }
}

TEST(AllToAll, NvlinkInsideANodeMakesLowLatencyFasterAtEp8) {
  for (const CommOp op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto rdma = run_alltoall(cluster("h800"), request("low-latency", op, 8));
    const auto nvlink = run_alltoall(cluster("h800"), request("low-latency-nvlink", op, 8));
    EXPECT_LT(nvlink.time_us, rdma.time_us);
    EXPECT_EQ(stats(nvlink, LinkClass::kNic).out_bytes, 0.0);
    EXPECT_EQ(nvlink.gpu_bytes, rdma.gpu_bytes);
  }
}

TEST(AllToAll, Fp8DispatchMovesFewerBytesThanBf16Combine) {
  // Same routing both ways: the byte counts differ by the ratio of the wire sizes exactly.
  for (const char* mode : {"normal", "low-latency", "low-latency-nvlink"}) {
    for (const int ep : {8, 16}) {
      SCOPED_TRACE(std::string(mode) + " EP " + std::to_string(ep));
      const auto d = run_alltoall(cluster("h800"), request(mode, CommOp::kDispatch, ep));
      const auto c = run_alltoall(cluster("h800"), request(mode, CommOp::kCombine, ep));
      const double sum_d = std::accumulate(d.gpu_bytes.begin(), d.gpu_bytes.end(), 0.0);
      const double sum_c = std::accumulate(c.gpu_bytes.begin(), c.gpu_bytes.end(), 0.0);
      EXPECT_LT(sum_d, sum_c);
      const double ratio = std::string(mode) == "normal" ? kFp8TokenBytes / kBf16TokenBytes
                                                         : kLowLatencyDispatchBytes / kBf16TokenBytes;
      EXPECT_TRUE(close(sum_d / sum_c, ratio, 1e-12));
      const double link_d = stats(d, LinkClass::kNvlink).out_bytes + stats(d, LinkClass::kNic).out_bytes;
      const double link_c = stats(c, LinkClass::kNvlink).out_bytes + stats(c, LinkClass::kNic).out_bytes;
      EXPECT_LT(link_d, link_c);
    }
  }
}

TEST(AllToAll, ASeedGivesOneResultAndAnotherSeedAnother) {
  for (const char* mode : {"normal", "low-latency"}) {
    SCOPED_TRACE(mode);
    auto q = request(mode, CommOp::kDispatch, 16);
    const ClusterConfig c = cluster("h800");
    const auto a = run_alltoall(c, q);
    const auto b = run_alltoall(c, q);
    EXPECT_EQ(a.gpu_time_us, b.gpu_time_us);
    EXPECT_EQ(a.gpu_bytes, b.gpu_bytes);
    EXPECT_EQ(a.flows, b.flows);
    EXPECT_EQ(a.rate_computations, b.rate_computations);
    ASSERT_EQ(a.link_classes.size(), b.link_classes.size());
    for (std::size_t i = 0; i < a.link_classes.size(); ++i) {
      EXPECT_EQ(a.link_classes[i].out_bytes, b.link_classes[i].out_bytes);
      EXPECT_EQ(a.link_classes[i].other_bytes, b.link_classes[i].other_bytes);
      EXPECT_EQ(a.link_classes[i].busy_us_max, b.link_classes[i].busy_us_max);
    }
    const auto routing_1 = routing_of(c, q);
    q.seed = 2;
    const auto routing_2 = routing_of(c, q);
    EXPECT_NE(routing_1.targets, routing_2.targets);
    // (A low-latency rank sends tokens x top-k messages whatever the routing, so its counted
    // bytes do not move; where they go, and so the links' bytes and the times, do.)
    const auto other = run_alltoall(c, q);
    EXPECT_NE(other.gpu_time_us, a.gpu_time_us);
    EXPECT_NE(stats(other, LinkClass::kNvlink).out_bytes + stats(other, LinkClass::kNic).out_bytes,
              stats(a, LinkClass::kNvlink).out_bytes + stats(a, LinkClass::kNic).out_bytes);
    if (std::string(mode) == "normal") {
      EXPECT_NE(other.gpu_bytes, a.gpu_bytes);
    }
  }
}

TEST(AllToAll, NormalRoutingKeepsEachTokenWithinFourNodes) {
  // DeepEP's internode test routes with one expert group per node and keeps the best
  // min(nodes, 4) groups; its low-latency test has no group limit. At EP 64 (8 nodes):
  const ClusterConfig c = cluster("h800");
  auto nodes_of_token = [&](const ExpertRouting& r, int s, int t) {
    std::set<int> nodes;
    for (int j = 0; j < r.top_k; ++j)
      nodes.insert(c.node_of(r.targets[(static_cast<std::size_t>(s) * static_cast<std::size_t>(r.tokens) +
                                         static_cast<std::size_t>(t)) * static_cast<std::size_t>(r.top_k) +
                                        static_cast<std::size_t>(j)]));
    return nodes.size();
  };
  const auto normal = routing_of(c, request("normal", CommOp::kDispatch, 64, 32));
  const auto low_latency = routing_of(c, request("low-latency", CommOp::kDispatch, 64, 32));
  std::size_t widest_normal = 0;
  std::size_t widest_low_latency = 0;
  for (int s = 0; s < 64; ++s)
    for (int t = 0; t < 32; ++t) {
      widest_normal = std::max(widest_normal, nodes_of_token(normal, s, t));
      widest_low_latency = std::max(widest_low_latency, nodes_of_token(low_latency, s, t));
    }
  EXPECT_LE(widest_normal, 4U);
  EXPECT_GT(widest_low_latency, 4U);
  for (const int target : normal.targets) {
    EXPECT_GE(target, 0);
    EXPECT_LT(target, 64);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests that cannot run

void expect_refused(const ClusterConfig& c, const AllToAllRequest& q, const std::vector<std::string>& parts) {
  const auto problem = alltoall_problem(c, q);
  ASSERT_TRUE(problem) << "accepted";
  for (const auto& p : parts) EXPECT_NE(problem->find(p), std::string::npos) << "'" << *problem << "' lacks '" << p << "'";
  EXPECT_THROW((void)run_alltoall(c, q), std::invalid_argument);
}

TEST(AllToAll, RefusesWhatCannotRun) {
  const ClusterConfig c = cluster("h800");
  auto q = request("normal", CommOp::kDispatch, 12);
  expect_refused(c, q, {"EP 12", "does not divide the 256 experts"});
  q = request("low-latency", CommOp::kCombine, 48);
  expect_refused(c, q, {"EP 48", "256 experts"});
  q = request("normal", CommOp::kDispatch, 1);
  expect_refused(c, q, {"EP 1", "at least 2"});
  ClusterConfig two_nodes = c;
  two_nodes.nodes = 2;
  q = request("low-latency", CommOp::kDispatch, 32);
  expect_refused(two_nodes, q, {"EP 32", "more than the 16 GPUs"});
  for (const int sms : {7, 0, -2}) {
    q = request("normal", CommOp::kDispatch, 8);
    q.sms = sms;
    expect_refused(c, q, {"even number of SMs"});
  }
  q = request("normal", CommOp::kDispatch, 8);
  q.sms = c.device.sms + 2;
  expect_refused(c, q, {"--sms " + std::to_string(c.device.sms + 2), std::to_string(c.device.sms) + " SMs"});
  for (const int hidden : {7000, 64, 0}) {
    q = request("low-latency", CommOp::kDispatch, 8);
    q.hidden = hidden;
    expect_refused(c, q, {"--hidden " + std::to_string(hidden), "multiple of 128"});
  }
  q = request("ring", CommOp::kDispatch, 8);
  expect_refused(c, q, {"unknown mode 'ring'", "low-latency", "low-latency-nvlink", "normal"});
  q = request("normal", CommOp::kDispatch, 8, 0);
  expect_refused(c, q, {"--tokens"});
  // Normal mode forwards by in-node index: one plane per GPU of a node, or one plane.
  ClusterConfig four_planes = c;
  four_planes.fabric.planes = 4;
  expect_refused(four_planes, request("normal", CommOp::kDispatch, 16), {"plane"});
  // ... and, across nodes, whole nodes.
  ClusterConfig six_per_node = c;
  six_per_node.gpus_per_node = 6;
  six_per_node.fabric.planes = 6;
  expect_refused(six_per_node, request("normal", CommOp::kDispatch, 8), {"whole nodes", "EP 8", "multiple of 6"});
}

TEST(AllToAll, AcceptsTheEdgesOfWhatCanRun) {
  const ClusterConfig c = cluster("h800");
  auto q = request("normal", CommOp::kDispatch, 8);
  q.sms = c.device.sms;  // every SM
  EXPECT_FALSE(alltoall_problem(c, q)) << *alltoall_problem(c, q);
  q.sms = 2;
  EXPECT_FALSE(alltoall_problem(c, q)) << *alltoall_problem(c, q);
  q = request("low-latency", CommOp::kDispatch, 256);
  q.hidden = 128;
  EXPECT_FALSE(alltoall_problem(c, q)) << *alltoall_problem(c, q);
  ClusterConfig one_plane = c;
  one_plane.fabric.planes = 1;
  EXPECT_FALSE(alltoall_problem(one_plane, request("normal", CommOp::kDispatch, 16)));
}

}  // namespace
}  // namespace codesim::network
