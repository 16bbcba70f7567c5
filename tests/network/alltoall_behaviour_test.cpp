// One DeepEP all-to-all's behaviour: more NVLink is faster, fewer SMs are not, FP8 dispatch
// moves less than BF16 combine, runs are deterministic for a seed, normal routing keeps a
// token within four nodes; and requests that cannot run are refused with a reason.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/network/alltoall_fixtures.hpp"

namespace codesim::network {
namespace {

using namespace alltoall_fixtures;

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
    expect_identical(a, b);
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
