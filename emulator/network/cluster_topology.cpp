#include "emulator/network/cluster_topology.hpp"

#include <stdexcept>
#include <string>

namespace codesim::network {

using flow::LinkUse;

ClusterTopology::ClusterTopology(const ClusterConfig& cluster, int gpus, int comm_sms, flow::NetworkBackend& net)
    : cluster_(cluster), gpus_(gpus) {
  if (gpus < 1 || gpus > cluster.gpus())
    throw std::invalid_argument("cluster " + cluster.name + " has " + std::to_string(cluster.gpus()) +
                                " GPUs, not " + std::to_string(gpus));
  const auto& cal = cluster.calibration.values;
  const double nvlink = cluster.nvlink_gbps() * 1e9 * cal.nvlink_efficiency;
  const double pcie = cluster.pcie_gbps * 1e9;
  const double wire = cluster.nic_gbps() * 1e9 * cal.rdma_efficiency;
  const double hbm = cluster.device.hbm_bandwidth_gbps * 1e9 * cluster.device.calibration.values.hbm_read_efficiency;
  for (int g = 0; g < gpus; ++g) {
    const std::string id = "gpu" + std::to_string(g);
    nvlink_.push_back({net.add_link(id + ".nvlink.tx", link_label(LinkClass::kNvlink, LinkDirection::kOut), nvlink),
                       net.add_link(id + ".nvlink.rx", link_label(LinkClass::kNvlink, LinkDirection::kIn), nvlink)});
    nic_.push_back({net.add_link(id + ".nic.pcie.from_gpu", link_label(LinkClass::kPcie, LinkDirection::kOut), pcie),
                    net.add_link(id + ".nic.pcie.to_gpu", link_label(LinkClass::kPcie, LinkDirection::kIn), pcie),
                    net.add_link(id + ".nic.tx", link_label(LinkClass::kNic, LinkDirection::kOut), wire),
                    net.add_link(id + ".nic.rx", link_label(LinkClass::kNic, LinkDirection::kIn), wire)});
    hbm_.push_back(net.add_link(id + ".hbm", link_label(LinkClass::kHbm, LinkDirection::kNone), hbm));
    if (comm_sms > 0)
      sm_.push_back(net.add_link(id + ".sms", link_label(LinkClass::kSm, LinkDirection::kNone),
                                 comm_sms * cal.sm_copy_gbps * 1e9));
  }
  // Leaf switches of each plane; their spine side is full bisection (half the ports up).
  leaves_ = cluster.leaves_for(gpus);
  const double leaf_up = cluster.fabric.nics_per_leaf() * cluster.fabric.link_gbitps / 8.0 * 1e9;
  for (int p = 0; p < cluster.fabric.planes; ++p)
    for (int l = 0; l < leaves_; ++l) {
      const std::string id = "plane" + std::to_string(p) + ".leaf" + std::to_string(l);
      leaf_.push_back({net.add_link(id + ".up", link_label(LinkClass::kFabric, LinkDirection::kOut), leaf_up),
                       net.add_link(id + ".down", link_label(LinkClass::kFabric, LinkDirection::kIn), leaf_up)});
    }
}

int ClusterTopology::plane_gateway(int src, int dst) const {
  const int gpn = cluster_.gpus_per_node;
  const int node = cluster_.node_of(src);
  // The GPU of src's node with dst's plane; planes divide gpus_per_node, so the first local
  // index on that plane at or after src's own stride is the one with dst's local index mod planes.
  const int local = cluster_.plane_of(dst) + (cluster_.local_of(src) / cluster_.fabric.planes) * cluster_.fabric.planes;
  return node * gpn + (local < gpn ? local : cluster_.plane_of(dst));
}

Route ClusterTopology::nvlink(int src, int dst) const {
  if (!same_node(src, dst) || src == dst) throw std::logic_error("NVLink route between GPUs not in one node");
  Route r;
  r.links = {LinkUse{nvlink_[static_cast<std::size_t>(src)].tx, 1.0},
             LinkUse{nvlink_[static_cast<std::size_t>(dst)].rx, 1.0}};
  r.latency_s = cluster_.latency.nvlink_us * 1e-6;
  return r;
}

Route ClusterTopology::rdma(int src, int dst, double nic_weight) const {
  Route r;
  int from = src;
  if (cluster_.plane_of(src) != cluster_.plane_of(dst)) {
    const int gateway = plane_gateway(src, dst);
    r = nvlink(src, gateway);
    from = gateway;
  }
  const Nic& a = nic_[static_cast<std::size_t>(from)];
  const Nic& b = nic_[static_cast<std::size_t>(dst)];
  r.links.push_back({a.pcie_from_gpu, 1.0});
  r.links.push_back({a.wire_tx, nic_weight});
  const int plane = cluster_.plane_of(dst);
  const int leaf_a = cluster_.leaf_of(from);
  const int leaf_b = cluster_.leaf_of(dst);
  if (leaf_a != leaf_b) {
    r.links.push_back({leaf_[static_cast<std::size_t>(plane * leaves_ + leaf_a)].up, 1.0});
    r.links.push_back({leaf_[static_cast<std::size_t>(plane * leaves_ + leaf_b)].down, 1.0});
    r.latency_s += cluster_.latency.ib_cross_leaf_us * 1e-6;
  } else {
    r.latency_s += cluster_.latency.ib_same_leaf_us * 1e-6;
  }
  r.links.push_back({b.wire_rx, nic_weight});
  r.links.push_back({b.pcie_to_gpu, 1.0});
  return r;
}

LinkUse ClusterTopology::hbm(int gpu, double weight) const { return {hbm_[static_cast<std::size_t>(gpu)], weight}; }

LinkUse ClusterTopology::sms(int gpu, double weight) const {
  if (sm_.empty()) throw std::logic_error("this kernel holds no SMs");
  return {sm_[static_cast<std::size_t>(gpu)], weight};
}

}  // namespace codesim::network
