// The links of a cluster and the routes between its GPUs, against the fabric's description:
// NVLink inside a node; RDMA through the NICs (and their PCIe links) of both ends, under one
// leaf switch or across the spines; traffic to another plane first over NVLink to the GPU of
// the source's node on the destination's plane; each route's latency from the cluster's
// latency table. Latencies and calibration values are set here, not taken from the files.
#include <gtest/gtest.h>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/cluster_topology.hpp"
#include "emulator/network/flow/fluid_network.hpp"

namespace codesim::network {
namespace {

constexpr double kNvlinkUs = 1.5;
constexpr double kSameLeafUs = 2.25;
constexpr double kCrossLeafUs = 4.0;

/// The h800 cluster (8 GPUs a node, 8 planes, 64-port switches: 32 nodes under a leaf) with
/// this test's latencies and calibration.
ClusterConfig h800() {
  ClusterConfig c = load_cluster("h800");
  c.latency = LatencyConfig{kNvlinkUs, kSameLeafUs, kCrossLeafUs};
  NetworkCalibrationValues v;
  v.nvlink_efficiency = 0.75;
  v.rdma_efficiency = 0.9;
  v.sm_copy_gbps = 25.0;
  v.nic_message_overhead_ns = 0.0;
  v.kernel_fixed_us = 0.0;
  return c.with_calibration(v);
}

/// 33 nodes: node 32 is the first under the second leaf of every plane.
constexpr int kGpus = 33 * 8;

struct Hop {
  std::string link;
  double weight;
  bool operator==(const Hop&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Hop& h) { return os << h.link << "@" << h.weight; }

class Topology : public ::testing::Test {
 protected:
  Topology() : cluster_(h800()), topo_(cluster_, kGpus, 24, net_) {}

  [[nodiscard]] std::vector<Hop> hops(const Route& r) const {
    std::vector<Hop> out;
    for (const auto& use : r.links) out.push_back({net_.links()[static_cast<std::size_t>(use.link)].name, use.weight});
    return out;
  }
  [[nodiscard]] const flow::Link& link(const std::string& name) const {
    for (const auto& l : net_.links())
      if (l.name == name) return l;
    throw std::invalid_argument("no link " + name);
  }
  static std::vector<Hop> nic_out(int gpu, double w = 1.0) {
    const std::string g = "gpu" + std::to_string(gpu);
    return {{g + ".nic.pcie.from_gpu", 1.0}, {g + ".nic.tx", w}};
  }
  static std::vector<Hop> nic_in(int gpu, double w = 1.0) {
    const std::string g = "gpu" + std::to_string(gpu);
    return {{g + ".nic.rx", w}, {g + ".nic.pcie.to_gpu", 1.0}};
  }
  static std::vector<Hop> nvlink(int from, int to) {
    return {{"gpu" + std::to_string(from) + ".nvlink.tx", 1.0}, {"gpu" + std::to_string(to) + ".nvlink.rx", 1.0}};
  }
  static std::vector<Hop> cat(std::initializer_list<std::vector<Hop>> parts) {
    std::vector<Hop> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  }

  ClusterConfig cluster_;
  flow::FluidNetwork net_;
  ClusterTopology topo_;
};

TEST_F(Topology, LeavesHoldHalfTheirPortsOfNodes) {
  // One NIC per node and plane; a 64-port leaf has 32 ports down.
  for (const int node : {0, 1, 31, 32})
    EXPECT_EQ(cluster_.leaf_of(node * 8 + 5), node / (cluster_.fabric.switch_ports / 2)) << node;
  EXPECT_EQ(topo_.nodes(), 33);
}

TEST_F(Topology, EveryGpuHasItsLinksAtTheirCapacities) {
  const auto& cal = cluster_.calibration.values;
  // Per GPU: NVLink tx and rx, PCIe both ways, NIC wire both ways, HBM, the kernel's SMs;
  // per plane and leaf (2 leaves for 33 nodes): up and down.
  EXPECT_EQ(net_.links().size(), static_cast<std::size_t>(kGpus * 8 + 8 * 2 * 2));
  EXPECT_DOUBLE_EQ(link("gpu7.nvlink.tx").capacity, cluster_.device.nvlink_gbps * 1e9 * 0.75);
  EXPECT_DOUBLE_EQ(link("gpu7.nvlink.rx").capacity, cluster_.device.nvlink_gbps * 1e9 * 0.75);
  EXPECT_DOUBLE_EQ(link("gpu7.nic.tx").capacity, cluster_.nic_gbitps / 8 * 1e9 * 0.9);
  EXPECT_DOUBLE_EQ(link("gpu7.nic.rx").capacity, cluster_.nic_gbitps / 8 * 1e9 * 0.9);
  EXPECT_DOUBLE_EQ(link("gpu7.nic.pcie.from_gpu").capacity, cluster_.pcie_gbps * 1e9);
  EXPECT_DOUBLE_EQ(link("gpu7.sms").capacity, 24 * 25e9);
  EXPECT_DOUBLE_EQ(link("gpu7.hbm").capacity, cluster_.device.hbm_bandwidth_gbps * 1e9 *
                                                  cluster_.device.calibration.values.hbm_read_efficiency);
  // A leaf's spine side is full bisection: as many 400G links up as NICs down (32).
  EXPECT_DOUBLE_EQ(link("plane7.leaf1.up").capacity, 32 * cluster_.fabric.link_gbitps / 8 * 1e9);
  EXPECT_DOUBLE_EQ(link("plane0.leaf0.down").capacity, 32 * cluster_.fabric.link_gbitps / 8 * 1e9);
  EXPECT_DOUBLE_EQ(cal.nvlink_efficiency, 0.75);
}

TEST_F(Topology, SameNodeTakesNvlink) {
  const Route r = topo_.nvlink(8 + 1, 8 + 6);
  EXPECT_EQ(hops(r), nvlink(9, 14));
  EXPECT_DOUBLE_EQ(r.latency_s, kNvlinkUs * 1e-6);
}

TEST_F(Topology, NvlinkRefusesOtherNodesAndItself) {
  EXPECT_THROW((void)topo_.nvlink(0, 8), std::logic_error);
  EXPECT_THROW((void)topo_.nvlink(3, 3), std::logic_error);
}

TEST_F(Topology, SamePlaneUnderOneLeafCrossesBothNicsAndNoSpine) {
  // GPU 2 of node 0 to GPU 2 of node 31: plane 2, leaf 0 both.
  const Route r = topo_.rdma(2, 31 * 8 + 2);
  EXPECT_EQ(hops(r), cat({nic_out(2), nic_in(31 * 8 + 2)}));
  EXPECT_DOUBLE_EQ(r.latency_s, kSameLeafUs * 1e-6);
}

TEST_F(Topology, SamePlaneAcrossLeavesCrossesTheSpines) {
  const int far = 32 * 8 + 3;  // node 32, plane 3, leaf 1
  const Route r = topo_.rdma(3, far);
  EXPECT_EQ(hops(r), cat({nic_out(3), {{"plane3.leaf0.up", 1.0}, {"plane3.leaf1.down", 1.0}}, nic_in(far)}));
  EXPECT_DOUBLE_EQ(r.latency_s, kCrossLeafUs * 1e-6);
  const Route back = topo_.rdma(far, 3);
  EXPECT_EQ(hops(back), cat({nic_out(far), {{"plane3.leaf1.up", 1.0}, {"plane3.leaf0.down", 1.0}}, nic_in(3)}));
  EXPECT_DOUBLE_EQ(back.latency_s, kCrossLeafUs * 1e-6);
}

TEST_F(Topology, AnotherPlaneGoesOverNvlinkToTheGatewayFirst) {
  // GPU 1 of node 0 to GPU 5 of node 1: the NIC on plane 5 in node 0 is GPU 5's.
  const Route r = topo_.rdma(1, 8 + 5);
  EXPECT_EQ(topo_.plane_gateway(1, 8 + 5), 5);
  EXPECT_EQ(hops(r), cat({nvlink(1, 5), nic_out(5), nic_in(8 + 5)}));
  EXPECT_DOUBLE_EQ(r.latency_s, (kNvlinkUs + kSameLeafUs) * 1e-6);
  // ... and across leaves.
  const int far = 32 * 8 + 6;
  const Route f = topo_.rdma(8 + 1, far);
  EXPECT_EQ(hops(f), cat({nvlink(9, 14), nic_out(14), {{"plane6.leaf0.up", 1.0}, {"plane6.leaf1.down", 1.0}},
                          nic_in(far)}));
  EXPECT_DOUBLE_EQ(f.latency_s, (kNvlinkUs + kCrossLeafUs) * 1e-6);
}

TEST_F(Topology, RdmaInsideANodeLoopsBackThroughTheDestinationsNic) {
  // The gateway on the destination's plane is the destination itself.
  const Route r = topo_.rdma(2, 6);
  EXPECT_EQ(hops(r), cat({nvlink(2, 6), nic_out(6), nic_in(6)}));
  EXPECT_DOUBLE_EQ(r.latency_s, (kNvlinkUs + kSameLeafUs) * 1e-6);
}

TEST_F(Topology, NicWeightAppliesToTheWireOnly) {
  const Route r = topo_.rdma(0, 8, 1.25);
  EXPECT_EQ(hops(r), cat({nic_out(0, 1.25), nic_in(8, 1.25)}));
}

TEST_F(Topology, HbmAndSmUsesCarryTheirWeights) {
  const auto h = topo_.hbm(5, 3.0);
  EXPECT_EQ(net_.links()[static_cast<std::size_t>(h.link)].name, "gpu5.hbm");
  EXPECT_EQ(h.weight, 3.0);
  const auto s = topo_.sms(5);
  EXPECT_EQ(net_.links()[static_cast<std::size_t>(s.link)].name, "gpu5.sms");
  EXPECT_TRUE(topo_.has_sms());
}

TEST(ClusterTopology, AKernelWithoutSmsHasNoSmLinks) {
  const ClusterConfig c = h800();
  flow::FluidNetwork net;
  const ClusterTopology topo(c, 16, 0, net);
  EXPECT_FALSE(topo.has_sms());
  EXPECT_THROW((void)topo.sms(0), std::logic_error);
  for (const auto& l : net.links()) EXPECT_EQ(l.name.find(".sms"), std::string::npos) << l.name;
}

TEST(ClusterTopology, RefusesMoreGpusThanTheClusterHas) {
  ClusterConfig c = h800();
  c.nodes = 2;
  flow::FluidNetwork net;
  EXPECT_THROW(ClusterTopology(c, 17, 0, net), std::invalid_argument);
  EXPECT_THROW(ClusterTopology(c, 0, 0, net), std::invalid_argument);
  EXPECT_NO_THROW(ClusterTopology(c, 16, 0, net));
}

TEST(ClusterTopology, GatewaysAreInTheSourcesNodeOnTheDestinationsPlane) {
  // For every plane count that divides 8: the gateway is in src's node and on dst's plane,
  // and the RDMA route starts there (over NVLink unless it is src itself).
  for (const int planes : {1, 2, 4, 8}) {
    ClusterConfig c = h800();
    c.fabric.planes = planes;
    c.nodes = 3;
    flow::FluidNetwork net;
    const ClusterTopology topo(c, 24, 0, net);
    for (int s = 0; s < 24; ++s)
      for (int d = 0; d < 24; ++d) {
        if (s == d) continue;
        SCOPED_TRACE(std::to_string(planes) + " planes, " + std::to_string(s) + " -> " + std::to_string(d));
        const int gw = topo.plane_gateway(s, d);
        EXPECT_EQ(c.node_of(gw), c.node_of(s));
        EXPECT_EQ(c.plane_of(gw), c.plane_of(d));
        const Route r = topo.rdma(s, d);
        const auto& first = net.links()[static_cast<std::size_t>(r.links.front().link)].name;
        const bool cross_plane = c.plane_of(s) != c.plane_of(d);
        const int nic = cross_plane ? gw : s;
        if (cross_plane) {
          EXPECT_EQ(first, "gpu" + std::to_string(s) + ".nvlink.tx");
        }
        // Exactly one NIC sends and one receives, on the destination's plane.
        int tx = 0, rx = 0;
        for (const auto& use : r.links) {
          const auto& name = net.links()[static_cast<std::size_t>(use.link)].name;
          if (name == "gpu" + std::to_string(nic) + ".nic.tx") ++tx;
          if (name == "gpu" + std::to_string(d) + ".nic.rx") ++rx;
        }
        EXPECT_EQ(tx, 1);
        EXPECT_EQ(rx, 1);
        const double expected_us = (cross_plane ? kNvlinkUs : 0.0) + kSameLeafUs;  // 3 nodes: one leaf
        EXPECT_DOUBLE_EQ(r.latency_s, expected_us * 1e-6);
      }
  }
}

TEST(ClusterTopology, OnePlaneFillsALeafWithNicsNotNodes) {
  // One plane, 64-port switches: 32 NICs under a leaf = 4 nodes of 8 GPUs. GPU 0 (node 0) and
  // GPU 32 (node 4) are under different leaves, so their route crosses the spines.
  ClusterConfig c = h800();
  c.fabric.planes = 1;
  c.nodes = 8;
  flow::FluidNetwork net;
  const ClusterTopology topo(c, 64, 0, net);
  const Route r = topo.rdma(0, 32);
  bool spine = false;
  for (const auto& use : r.links)
    spine = spine || net.links()[static_cast<std::size_t>(use.link)].name.find(".leaf") != std::string::npos;
  EXPECT_TRUE(spine);
  EXPECT_DOUBLE_EQ(r.latency_s, kCrossLeafUs * 1e-6);
  EXPECT_NE(c.leaf_of(0), c.leaf_of(32));
}

}  // namespace
}  // namespace codesim::network
