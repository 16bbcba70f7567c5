#pragma once
// The links of a cluster, as components: each GPU's NvlinkPort (transmit and receive, to the
// node's non-blocking NVSwitch), its Nic (the PCIe link to the GPU in both directions and
// the wire in both directions), each plane's leaf FabricSwitch (its uplinks and downlinks to
// the spines, taken together: ECMP over a full-bisection fat-tree), and the two resources a
// communication kernel shares with compute: the GPU's HBM and the SMs the kernel holds.
// Routes say which links a transfer crosses and at what weight.
//
// With a CommunicationOffload: a co-processor link per GPU (coprocessor), and a unified
// network: the NIC sits on the GPU's I/O die (no PCIe hop: those links are not built), runs at
// scale_out_gbps when given (the leaves' spine side scaled alike, to keep full bisection), and
// reaches any GPU itself: traffic to another plane crosses that plane's fabric from the
// sender's own NIC and enters the destination's node through its NIC on the sender's plane,
// which feeds the NVSwitch (only the destination's NVLink receive side); traffic within a node
// goes through the NVSwitch.
#include <vector>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/communication_offload.hpp"
#include "emulator/network/flow/network_backend.hpp"
#include "emulator/network/link_class.hpp"

namespace codesim::network {

struct NvlinkPort {
  flow::LinkId tx = -1;
  flow::LinkId rx = -1;
};

struct Nic {
  flow::LinkId pcie_from_gpu = -1;  ///< the NIC reading GPU memory
  flow::LinkId pcie_to_gpu = -1;    ///< the NIC writing GPU memory
  flow::LinkId wire_tx = -1;
  flow::LinkId wire_rx = -1;
};

struct FabricSwitch {
  flow::LinkId up = -1;    ///< leaf to spines, all uplinks together
  flow::LinkId down = -1;  ///< spines to leaf
};

struct Route {
  std::vector<flow::LinkUse> links;
  double latency_s = 0.0;
};

class ClusterTopology {
 public:
  /// Builds the links of the first `gpus` GPUs of `cluster` in `net`. `comm_sms` is the number
  /// of SMs each GPU's communication kernel holds (0: it holds none once messages are issued);
  /// `offload` adds co-processor links and the unified network's links and routes.
  ClusterTopology(const ClusterConfig& cluster, int gpus, int comm_sms, flow::NetworkBackend& net,
                  const CommunicationOffload& offload = {});

  [[nodiscard]] const ClusterConfig& cluster() const { return cluster_; }
  [[nodiscard]] const CommunicationOffload& offload() const { return offload_; }
  /// A NIC wire's capacity (bytes/s): the line rate (or the unified network's scale-out rate)
  /// x rdma_efficiency.
  [[nodiscard]] double wire_bytes_per_s() const { return wire_bytes_per_s_; }
  [[nodiscard]] int gpus() const { return gpus_; }
  [[nodiscard]] int nodes() const { return (gpus_ + cluster_.gpus_per_node - 1) / cluster_.gpus_per_node; }
  [[nodiscard]] bool same_node(int a, int b) const { return cluster_.node_of(a) == cluster_.node_of(b); }
  /// The GPU in `src`'s node on `dst`'s plane: where traffic to another plane crosses first.
  [[nodiscard]] int plane_gateway(int src, int dst) const;

  /// A store from `src` to `dst` in the same node through the NVSwitch.
  [[nodiscard]] Route nvlink(int src, int dst) const;
  /// An RDMA write from `src`'s memory to `dst`'s, through the NIC of `src` and of `dst`.
  /// Traffic to another plane first crosses NVLink to the plane's gateway; when the gateway is
  /// the destination itself (same node), its NIC loops the message back through its leaf
  /// switch. `nic_weight` is the NIC's wire time per payload byte (per-message overheads).
  /// With a unified network: no PCIe, no crossing to a gateway first (see the file comment),
  /// and within a node the NVSwitch.
  [[nodiscard]] Route rdma(int src, int dst, double nic_weight = 1.0) const;
  /// The last hop of traffic a unified network's NIC passes into `dst`'s node: the NVSwitch
  /// to `dst` (its NVLink receive side only).
  [[nodiscard]] Route nvswitch_to(int dst) const;
  /// Whether `link` is one of `gpu`'s own: its NVLink port, its NIC and PCIe links, its HBM,
  /// SMs or co-processor (not a switch's).
  [[nodiscard]] bool belongs_to(int gpu, flow::LinkId link) const;

  /// One side of `gpu`'s NVLink port alone: a branch of a switch's multicast or reduce tree.
  [[nodiscard]] flow::LinkUse nvlink_tx(int gpu, double weight = 1.0) const {
    return {nvlink_[static_cast<std::size_t>(gpu)].tx, weight};
  }
  [[nodiscard]] flow::LinkUse nvlink_rx(int gpu, double weight = 1.0) const {
    return {nvlink_[static_cast<std::size_t>(gpu)].rx, weight};
  }
  /// Memory traffic of a copy at `gpu`: `weight` bytes of HBM per byte moved.
  [[nodiscard]] flow::LinkUse hbm(int gpu, double weight) const;
  /// The SMs of `gpu`'s communication kernel (requires comm_sms > 0).
  [[nodiscard]] flow::LinkUse sms(int gpu, double weight = 1.0) const;
  [[nodiscard]] bool has_sms() const { return !sm_.empty(); }
  /// The co-processor of `gpu` (requires offload().coprocessor).
  [[nodiscard]] flow::LinkUse coprocessor(int gpu, double weight = 1.0) const;
  [[nodiscard]] bool has_coprocessor() const { return !coprocessor_.empty(); }

 private:
  [[nodiscard]] Route unified_rdma(int src, int dst, double nic_weight) const;

  const ClusterConfig& cluster_;
  CommunicationOffload offload_;
  int gpus_;
  double wire_bytes_per_s_ = 0.0;
  std::vector<NvlinkPort> nvlink_;
  std::vector<Nic> nic_;
  std::vector<FabricSwitch> leaf_;  ///< plane-major: plane * leaves + leaf
  std::vector<flow::LinkId> hbm_;
  std::vector<flow::LinkId> sm_;
  std::vector<flow::LinkId> coprocessor_;
  int leaves_ = 1;
};

}  // namespace codesim::network
