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

/// |a - b| within `rel` of the larger (exact equality for zeros).
inline ::testing::AssertionResult close(double a, double b, double rel = 1e-9) {
  if (std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (relative " << std::abs(a - b) / std::max(a, b)
                                       << ")";
}

}  // namespace codesim::network::alltoall_fixtures
