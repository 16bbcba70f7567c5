// DeepEP's low-latency kernels: every (token, expert) copy is its own message, written by the
// GPU straight into the receiver's buffer (IBGDA: the GPU posts the RDMA work request and
// rings the NIC's doorbell itself). Dispatch moves FP8 with its scales and 16 bytes of
// metadata, combine moves BF16 back along the same pairs. No SM is held once the messages are
// issued. The first release ("low-latency", Feb 2025) sends every message over RDMA, peers in
// the same node included; the later one ("low-latency-nvlink", June 2025) writes to peers in
// the same node over NVLink.
//
// With the request's offload: a co-processor (or a unified network's interface) lands each
// message in place, so the receiver's copy out of its buffer goes (HBM 3 -> 1 byte per byte);
// no SM is held either way, so there is nothing else for it to take over. A unified network
// routes as ClusterTopology::rdma describes (no PCIe, no crossing to another plane's NIC
// first, peers in the same node through the NVSwitch). switch_multicast: a token's copies for
// several experts on one GPU travel as one message up to the last switch before that GPU,
// which writes it into each expert's slot (the destination's NIC or NVLink port, and its HBM,
// still carry every copy); switch_reduce is the mirror image (the first switch after the
// expert's GPU sums a token's partials for that source). Copies for different GPUs share no
// link of the multi-plane fabric (each GPU of a node is on its own plane), so this is the
// whole tree. DeepEP's counted bytes (every copy) do not change.
#include <optional>
#include <string>

#include "emulator/network/collective.hpp"

namespace codesim::network {
namespace {

constexpr double kLowLatencyMetadataBytes = 16.0;

std::optional<std::string> check(const ClusterConfig& cluster, const AllToAllRequest& q) {
  (void)cluster;
  (void)q;
  return std::nullopt;
}

ExpertRoutingRequest routing(const ClusterConfig& cluster, const AllToAllRequest& q) {
  return ungrouped_routing(cluster.gpus_per_node, q);  // test_low_latency.py: no group limit
}

void start(CollectiveContext& c, bool nvlink_in_node) {
  const auto& q = c.request;
  const auto& topo = c.topology;
  const bool dispatch = q.op == CommOp::kDispatch;
  const double message = dispatch ? fp8_token_bytes(q.hidden) + kLowLatencyMetadataBytes : bf16_token_bytes(q.hidden);
  // The NIC spends the per-message overhead on its wire as if it moved that many more bytes.
  const double wire_rate = topo.wire_bytes_per_s();
  const auto& o = q.offload;
  const bool lands_once = o.coprocessor || o.unified_network;
  const bool tree = dispatch ? o.switch_multicast : o.switch_reduce;
  const double nic_weight = 1.0 + c.cluster.calibration.values.nic_message_overhead_ns * 1e-9 * wire_rate / message;
  c.counted_as = dispatch ? "(token, expert) copies sent x (hidden + hidden/128 x 4 + 16) B"
                          : "(token, expert) copies sent x 2 x hidden B";
  for (int s = 0; s < q.ep; ++s)
    for (int d = 0; d < q.ep; ++d) {
      const auto copies = c.counts.copy(s, d);
      if (copies == 0) continue;
      // Dispatch goes from the token's GPU to the expert's; combine comes back.
      const int from = dispatch ? s : d;
      const int to = dispatch ? d : s;
      c.counted_bytes[static_cast<std::size_t>(from)] += static_cast<double>(copies) * message;
      const double bytes = static_cast<double>(copies) * message;
      std::vector<flow::LinkUse> path;
      double latency = 0.0;
      if (from == to) {
        path = {topo.hbm(from, 2.0)};
      } else {
        Route r = nvlink_in_node && topo.same_node(from, to) ? topo.nvlink(from, to) : topo.rdma(from, to, nic_weight);
        path = std::move(r.links);
        latency = r.latency_s;
        // Read at the sender; written into the receive buffer, then copied out by the
        // receiver's warps (read and write).
        double sender_hbm = 1.0;
        double receiver_hbm = lands_once ? 1.0 : 3.0;
        if (tree) {
          // One message per (token, GPU) except between the copies' own GPU (the receiver in
          // dispatch, the expert's GPU in combine) and the switch next to it: the route's
          // last links into the receiver (first links out of the expert's GPU) carry every copy.
          const double once = static_cast<double>(c.counts.gpu(s, d)) / static_cast<double>(copies);
          const auto n = path.size();
          const auto own_link = [&](int gpu, const flow::LinkUse& use, LinkDirection direction) {
            return topo.belongs_to(gpu, use.link) &&
                   direction_of_label(c.net.links()[static_cast<std::size_t>(use.link)].link_class) == direction;
          };
          std::size_t own = 0;  // links at the copies' end of the route
          if (dispatch)
            while (own < n && own_link(to, path[n - 1 - own], LinkDirection::kIn)) ++own;
          else
            while (own < n && own_link(from, path[own], LinkDirection::kOut)) ++own;
          for (std::size_t i = 0; i < n; ++i) {
            const bool at_end = dispatch ? i >= n - own : i < own;
            if (!at_end) path[i].weight *= once;
          }
          (dispatch ? sender_hbm : receiver_hbm) *= once;
        }
        path.push_back(topo.hbm(from, sender_hbm));
        path.push_back(topo.hbm(to, receiver_hbm));
      }
      c.net.start_flow(c.start_s, std::move(path), bytes, latency, [&c, from, to](flow::FlowId, double t) {
        c.arrival(to, t);
        c.arrival(from, t);  // the sender waits for its last message's completion too
      });
    }
}

const CollectiveRegistrar pure_rdma{CollectiveKind{
    "low-latency",
    "DeepEP low-latency kernels, first release: every (token, expert) copy an RDMA message (IBGDA), "
    "peers in the same node included; FP8 dispatch, BF16 combine; no SMs held",
    false, check, routing, [](CollectiveContext& c) { start(c, false); }, true}};

const CollectiveRegistrar with_nvlink{CollectiveKind{
    "low-latency-nvlink",
    "DeepEP low-latency kernels from June 2025: as low-latency, but peers in the same node are written over NVLink",
    false, check, routing, [](CollectiveContext& c) { start(c, true); }, true}};

}  // namespace
}  // namespace codesim::network
