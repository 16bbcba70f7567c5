#pragma once
// Hardware that takes communication work off the SMs (DeepSeek-V3 section 3.5.1, ISCA'25
// section 4.4): what an all-to-all request asks the collectives to assume about the node and
// the network. Proposals set these through kernels::CommunicationFeatures; the collectives in
// collectives/ read them from AllToAllRequest::offload. All off: DeepEP on today's hardware.
namespace codesim::network {

struct CommunicationOffload {
  /// A communication co-processor on each GPU's I/O die does the forwarding between
  /// InfiniBand and NVLink, the copies between RDMA buffers and the kernel's buffers, the
  /// combine's sums and the FP8 cast for the wire: no SM is held and nothing is staged through
  /// HBM by SMs. Its own throughput and per-hop latency below.
  bool coprocessor = false;
  double coprocessor_gbps = 0.0;       ///< bytes it forwards, copies or sums per second, per GPU (GB/s)
  double coprocessor_latency_us = 0.0; ///< added to every hop it forwards
  /// One network interface reaches every GPU of the cluster: traffic between the fabrics is
  /// switched in hardware (no forwarding GPU, no SMs, no landing in a forwarder's HBM), and a
  /// GPU's scale-out traffic need not cross to another plane's NIC first.
  bool unified_network = false;
  double scale_out_gbps = 0.0;  ///< per GPU and direction with a unified network (GB/s; 0: the NIC's line rate)
  /// Switches replicate dispatch traffic (a token goes once to the switch nearest its targets)
  /// and sum combine traffic (one reduced vector per token leaves the switch): NVSwitch and
  /// the InfiniBand leaves.
  bool switch_multicast = false;
  bool switch_reduce = false;

  [[nodiscard]] bool operator==(const CommunicationOffload&) const = default;
  [[nodiscard]] bool any() const { return coprocessor || unified_network || switch_multicast || switch_reduce; }
};

}  // namespace codesim::network
