#include "emulator/network/cluster_topology.hpp"

#include <stdexcept>
#include <string>

namespace codesim::network {

using flow::LinkUse;

ClusterTopology::ClusterTopology(const ClusterConfig& cluster, int gpus, int comm_sms, flow::NetworkBackend& net,
                                 const CommunicationOffload& offload)
    : cluster_(cluster), offload_(offload), gpus_(gpus) {
  if (gpus < 1 || gpus > cluster.gpus())
    throw std::invalid_argument("cluster " + cluster.name + " has " + std::to_string(cluster.gpus()) +
                                " GPUs, not " + std::to_string(gpus));
  const auto& cal = cluster.calibration.values;
  const double nvlink = cluster.nvlink_gbps() * 1e9 * cal.nvlink_efficiency;
  const double pcie = cluster.pcie_gbps * 1e9;
  const bool unified_rate = offload.unified_network && offload.scale_out_gbps > 0.0;
  const double wire = (unified_rate ? offload.scale_out_gbps : cluster.nic_gbps()) * 1e9 * cal.rdma_efficiency;
  wire_bytes_per_s_ = wire;
  // The NIC on the I/O die of a unified network reads and writes HBM without a PCIe link.
  const bool pcie_links = !offload.unified_network;
  const double hbm = cluster.device.hbm_bandwidth_gbps * 1e9 * cluster.device.calibration.values.hbm_read_efficiency;
  for (int g = 0; g < gpus; ++g) {
    const std::string id = "gpu" + std::to_string(g);
    nvlink_.push_back({net.add_link(id + ".nvlink.tx", link_label(LinkClass::kNvlink, LinkDirection::kOut), nvlink),
                       net.add_link(id + ".nvlink.rx", link_label(LinkClass::kNvlink, LinkDirection::kIn), nvlink)});
    Nic nic;
    if (pcie_links) {
      nic.pcie_from_gpu = net.add_link(id + ".nic.pcie.from_gpu", link_label(LinkClass::kPcie, LinkDirection::kOut), pcie);
      nic.pcie_to_gpu = net.add_link(id + ".nic.pcie.to_gpu", link_label(LinkClass::kPcie, LinkDirection::kIn), pcie);
    }
    nic.wire_tx = net.add_link(id + ".nic.tx", link_label(LinkClass::kNic, LinkDirection::kOut), wire);
    nic.wire_rx = net.add_link(id + ".nic.rx", link_label(LinkClass::kNic, LinkDirection::kIn), wire);
    nic_.push_back(nic);
    hbm_.push_back(net.add_link(id + ".hbm", link_label(LinkClass::kHbm, LinkDirection::kNone), hbm));
    if (comm_sms > 0)
      sm_.push_back(net.add_link(id + ".sms", link_label(LinkClass::kSm, LinkDirection::kNone),
                                 comm_sms * cal.sm_copy_gbps * 1e9));
    if (offload.coprocessor)
      coprocessor_.push_back(net.add_link(id + ".coprocessor", link_label(LinkClass::kCoprocessor, LinkDirection::kNone),
                                          offload.coprocessor_gbps * 1e9));
  }
  // Leaf switches of each plane; their spine side is full bisection (half the ports up).
  leaves_ = cluster.leaves_for(gpus);
  double leaf_up = cluster.fabric.nics_per_leaf() * cluster.fabric.link_gbitps / 8.0 * 1e9;
  if (unified_rate) leaf_up *= offload.scale_out_gbps / cluster.nic_gbps();  // full bisection at the new rate
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

Route ClusterTopology::nvswitch_to(int dst) const {
  Route r;
  r.links = {LinkUse{nvlink_[static_cast<std::size_t>(dst)].rx, 1.0}};
  r.latency_s = cluster_.latency.nvlink_us * 1e-6;
  return r;
}

Route ClusterTopology::rdma(int src, int dst, double nic_weight) const {
  if (offload_.unified_network) return unified_rdma(src, dst, nic_weight);
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

Route ClusterTopology::unified_rdma(int src, int dst, double nic_weight) const {
  if (same_node(src, dst)) return nvlink(src, dst);
  // Across nodes on the sender's own plane, into the destination's node through its NIC on
  // that plane, whose I/O die passes it to the NVSwitch when the destination is another GPU.
  const int entry = plane_gateway(dst, src);
  const Nic& a = nic_[static_cast<std::size_t>(src)];
  const Nic& b = nic_[static_cast<std::size_t>(entry)];
  Route r;
  r.links.push_back({a.wire_tx, nic_weight});
  const int plane = cluster_.plane_of(src);
  const int leaf_a = cluster_.leaf_of(src);
  const int leaf_b = cluster_.leaf_of(entry);
  if (leaf_a != leaf_b) {
    r.links.push_back({leaf_[static_cast<std::size_t>(plane * leaves_ + leaf_a)].up, 1.0});
    r.links.push_back({leaf_[static_cast<std::size_t>(plane * leaves_ + leaf_b)].down, 1.0});
    r.latency_s = cluster_.latency.ib_cross_leaf_us * 1e-6;
  } else {
    r.latency_s = cluster_.latency.ib_same_leaf_us * 1e-6;
  }
  r.links.push_back({b.wire_rx, nic_weight});
  if (entry != dst) {
    const Route last = nvswitch_to(dst);
    r.links.insert(r.links.end(), last.links.begin(), last.links.end());
    r.latency_s += last.latency_s;
  }
  return r;
}

bool ClusterTopology::belongs_to(int gpu, flow::LinkId link) const {
  const auto g = static_cast<std::size_t>(gpu);
  const Nic& n = nic_[g];
  if (link == nvlink_[g].tx || link == nvlink_[g].rx || link == hbm_[g]) return true;
  if (link == n.pcie_from_gpu || link == n.pcie_to_gpu || link == n.wire_tx || link == n.wire_rx) return true;
  if (!sm_.empty() && link == sm_[g]) return true;
  return !coprocessor_.empty() && link == coprocessor_[g];
}

LinkUse ClusterTopology::coprocessor(int gpu, double weight) const {
  if (coprocessor_.empty()) throw std::logic_error("no communication co-processor in this topology");
  return {coprocessor_[static_cast<std::size_t>(gpu)], weight};
}

LinkUse ClusterTopology::hbm(int gpu, double weight) const { return {hbm_[static_cast<std::size_t>(gpu)], weight}; }

LinkUse ClusterTopology::sms(int gpu, double weight) const {
  if (sm_.empty()) throw std::logic_error("this kernel holds no SMs");
  return {sm_[static_cast<std::size_t>(gpu)], weight};
}

}  // namespace codesim::network
