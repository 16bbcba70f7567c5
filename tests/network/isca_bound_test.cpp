// [ISCA] 2.3.2's decode bound, reproduced by the network model under the paper's conventions
// (notes E1): each GPU sends 32 tokens x 9 copies of a 7,000-element vector, 1 byte per
// element in dispatch and 2 in combine, through a 50 GB/s NIC with nothing else in the way:
// 120.96 us per all-to-all pair, x 2 stages x 61 layers = 14.757 ms per output token; the same
// over a 900 GB/s scale-up domain (GB200 NVL72) gives 0.820 ms.
#include <gtest/gtest.h>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/cluster_topology.hpp"
#include "emulator/network/flow/fluid_network.hpp"

namespace codesim::network {
namespace {

constexpr int kTokens = 32;
constexpr int kCopies = 9;
constexpr double kHidden = 7000.0;  // the paper's "7K"
constexpr int kLayers = 61;

/// A cluster with ideal links: full line rate, no latency, no per-message cost.
ClusterConfig ideal(ClusterConfig c) {
  c.calibration.values.nvlink_efficiency = 1.0;
  c.calibration.values.rdma_efficiency = 1.0;
  c.calibration.values.nic_message_overhead_ns = 0.0;
  c.calibration.values.kernel_fixed_us = 0.0;
  c.latency = LatencyConfig{};
  c.pcie_gbps = 1e6;  // not in the paper's model
  c.device.hbm_bandwidth_gbps = 1e9;
  return c;
}

/// One all-to-all stage: every GPU sends its copies to `kCopies` peers chosen by `peer`, each
/// peer receiving the same amount; returns the time the last byte lands.
template <typename Peer, typename RouteOf>
double stage_time(const ClusterConfig& c, int gpus, double bytes_per_element, Peer peer, RouteOf route_of) {
  flow::FluidNetwork net;
  const ClusterTopology topo(c, gpus, 0, net);
  double end = 0.0;
  for (int s = 0; s < gpus; ++s)
    for (int j = 0; j < kCopies; ++j) {
      const int d = peer(s, j);
      Route r = route_of(topo, s, d);
      net.start_flow(0.0, r.links, kTokens * kHidden * bytes_per_element, 0.0,
                     [&end](flow::FlowId, double t) { end = std::max(end, t); });
    }
  net.run();
  return end;
}

TEST(IscaBound, InfiniBandBoundIs120_96UsPerAllToAllAnd14_757MsPerToken) {
  ClusterConfig c = ideal(load_cluster("h800"));
  ASSERT_DOUBLE_EQ(c.nic_gbps(), 50.0);
  // 10 nodes; GPU s sends to the GPUs of its plane on the 9 other nodes: every byte crosses
  // InfiniBand once, and every NIC sends and receives the same.
  const int gpus = 10 * c.gpus_per_node;
  auto peer = [&](int s, int j) { return ((c.node_of(s) + 1 + j) % 10) * c.gpus_per_node + c.local_of(s); };
  auto rdma = [](const ClusterTopology& t, int s, int d) { return t.rdma(s, d); };
  const double dispatch = stage_time(c, gpus, 1.0, peer, rdma);
  const double combine = stage_time(c, gpus, 2.0, peer, rdma);
  EXPECT_NEAR((dispatch + combine) * 1e6, 120.96, 1e-6);
  const double tpot = 2 * (dispatch + combine) * kLayers;
  EXPECT_NEAR(tpot * 1e3, 14.757, 5e-4);
  EXPECT_NEAR(1.0 / tpot, 67.8, 0.05);  // tokens per second
}

TEST(IscaBound, ScaleUpDomainOf900GBsGives0_82MsPerToken) {
  ClusterConfig c = ideal(load_cluster("h800"));
  c.gpus_per_node = 72;  // one NVLink domain of 72 GPUs (GB200 NVL72)
  c.nodes = 1;
  c.fabric.planes = 1;
  c.device.nvlink_gbps = 900.0;
  auto peer = [](int s, int j) { return (s + 1 + j) % 72; };
  auto nvlink = [](const ClusterTopology& t, int s, int d) { return t.nvlink(s, d); };
  const double dispatch = stage_time(c, 72, 1.0, peer, nvlink);
  const double combine = stage_time(c, 72, 2.0, peer, nvlink);
  EXPECT_NEAR((dispatch + combine) * 1e6, 6.72, 1e-7);
  EXPECT_NEAR(2 * (dispatch + combine) * kLayers * 1e3, 0.820, 5e-4);
}

TEST(IscaBound, WithTheRealHiddenSizeTheBoundIs123_86Us) {
  // notes E1, sensitivity: H = 7168 instead of "7K".
  ClusterConfig c = ideal(load_cluster("h800"));
  flow::FluidNetwork net;
  const int gpus = 10 * c.gpus_per_node;
  const ClusterTopology topo(c, gpus, 0, net);
  double end = 0.0;
  for (int s = 0; s < gpus; ++s)
    for (int j = 0; j < kCopies; ++j) {
      const int d = ((c.node_of(s) + 1 + j) % 10) * c.gpus_per_node + c.local_of(s);
      net.start_flow(0.0, topo.rdma(s, d).links, kTokens * 7168.0 * 3.0, 0.0,
                     [&end](flow::FlowId, double t) { end = std::max(end, t); });
    }
  net.run();
  EXPECT_NEAR(end * 1e6, 123.86, 0.005);
}

}  // namespace
}  // namespace codesim::network
