#pragma once
// What the all-to-all tests share: DeepEP's formats written out, calibration values and
// latencies fixed here (so the numbers do not move when the cluster files are recalibrated),
// small clusters and requests, and a relative comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_config.hpp"
#include "emulator/network/expert_traffic.hpp"

namespace codesim::network::alltoall_fixtures {

constexpr int kTokens = 128;
constexpr int kHidden = 7168;
// DeepEP's formats, written out: FP8 E4M3 with an FP32 scale per 128 elements (7,392 B),
// 16 B of metadata per low-latency dispatch message (7,408 B), BF16 (14,336 B).
constexpr double kFp8TokenBytes = kHidden + kHidden / 128 * 4.0;
constexpr double kLowLatencyDispatchBytes = kFp8TokenBytes + 16.0;
constexpr double kBf16TokenBytes = 2.0 * kHidden;

inline NetworkCalibrationValues test_values() {
  NetworkCalibrationValues v;
  v.nvlink_efficiency = 0.8;
  v.rdma_efficiency = 0.8;
  v.sm_copy_gbps = 20.0;
  v.nic_message_overhead_ns = 0.0;
  v.kernel_fixed_us = 5.0;
  return v;
}

inline ClusterConfig cluster(const std::string& name, NetworkCalibrationValues v = test_values()) {
  ClusterConfig c = load_cluster(name).with_calibration(v);
  c.latency = LatencyConfig{3.0, 2.5, 3.5};
  return c;
}

/// The h800 cluster with 4-port switches: 2 nodes under a leaf, so EP 32 (4 nodes) crosses the
/// spines. (Only the first EP GPUs are built: the loader's fat-tree capacity check, which this
/// edit would fail for 256 nodes, does not matter to them.)
inline ClusterConfig small_leaves() {
  ClusterConfig c = cluster("h800");
  c.fabric.switch_ports = 4;
  return c;
}

inline AllToAllRequest request(const std::string& mode, CommOp op, int ep, int tokens = kTokens) {
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

inline ExpertRouting routing_of(const ClusterConfig& c, const AllToAllRequest& q) {
  return route_experts(CollectiveRegistry::instance().at(q.mode).routing(c, q));
}

inline LinkClassStats stats(const AllToAllResult& r, LinkClass c) {
  for (const auto& s : r.link_classes)
    if (s.link_class == c) return s;
  LinkClassStats none;
  none.link_class = c;
  return none;
}

/// Two runs gave the same answer, field by field (bit for bit).
inline void expect_identical(const AllToAllResult& a, const AllToAllResult& b) {
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
    const auto& x = a.link_classes[i];
    const auto& y = b.link_classes[i];
    EXPECT_EQ(x.link_class, y.link_class);
    EXPECT_EQ(x.links, y.links);
    EXPECT_EQ(x.out_bytes, y.out_bytes);
    EXPECT_EQ(x.in_bytes, y.in_bytes);
    EXPECT_EQ(x.other_bytes, y.other_bytes);
    EXPECT_EQ(x.busy_us_max, y.busy_us_max);
    EXPECT_EQ(x.peak_utilisation, y.peak_utilisation);
  }
}

/// |a - b| within `rel` of the larger (exact equality for zeros).
inline ::testing::AssertionResult close(double a, double b, double rel = 1e-9) {
  if (std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (relative " << std::abs(a - b) / std::max(a, b)
                                       << ")";
}

}  // namespace codesim::network::alltoall_fixtures
