// The normal kernels' combine when nothing in a node can sum (see the header).
#include "emulator/network/collectives/normal_direct_combine.hpp"

#include <utility>
#include <vector>

namespace codesim::network {

// Combine on a unified network with no SMs and no co-processor: nothing in the node can sum
// the partials of its GPUs, so each GPU holding a token's expert sends its output straight to
// the token's GPU through the unified interface (one vector per token and GPU, instead of one
// per token and node), read once at the sender; the receiver lands it and reads it again for
// the weighted sum, which its compute kernels do (HBM only: the additions are negligible).
void start_direct_combine(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const double b = bf16_token_bytes(q.hidden);
  c.counted_as = q.ep <= c.cluster.gpus_per_node
                     ? "tokens sent back (once per GPU) x 2 x hidden B, NVLink"
                     : "tokens received once per source node, own node included x 2 x hidden B, RDMA";
  for (int s = 0; s < q.ep; ++s) {
    if (q.ep <= c.cluster.gpus_per_node) {
      for (int d = 0; d < q.ep; ++d) c.counted_bytes[static_cast<std::size_t>(d)] += c.counts.gpu(s, d) * b;
    } else {
      for (int node = 0; node < c.counts.nodes; ++node)
        c.counted_bytes[static_cast<std::size_t>(s)] += static_cast<double>(c.counts.node(s, node)) * b;
    }
  }
  const bool reduce = q.offload.switch_reduce;
  const int gpn = c.cluster.gpus_per_node;
  for (int s = 0; s < q.ep; ++s)
    for (int d = 0; d < q.ep; ++d) {
      const auto tokens = c.counts.gpu(s, d);
      if (tokens == 0) continue;
      if (reduce && !c.topology.same_node(s, d)) continue;  // summed in the remote node's switch (below)
      std::vector<flow::LinkUse> path;
      double latency = 0.0;
      if (d == s) {
        path = {c.topology.hbm(s, 2.0)};
      } else {
        Route r = c.topology.rdma(d, s);
        path = std::move(r.links);
        latency = r.latency_s;
        path.push_back(c.topology.hbm(d, 1.0));
        path.push_back(c.topology.hbm(s, 2.0));
      }
      c.net.start_flow(t0, std::move(path), static_cast<double>(tokens) * b, latency,
                       [&c, s, d](flow::FlowId, double t) {
                         c.arrival(s, t);
                         c.arrival(d, t);
                       });
    }
  if (!reduce) return;
  // With a switch reduce, a remote node's NVSwitch sums its GPUs' partials of a token and its
  // interface on the token GPU's plane sends one vector per (token, node): one flow over the
  // tree, each partner's port carrying its share.
  for (int s = 0; s < q.ep; ++s)
    for (int node = 0; node < c.counts.nodes; ++node) {
      if (node == c.cluster.node_of(s)) continue;
      const auto summed = static_cast<double>(c.counts.node(s, node));
      if (summed == 0.0) continue;
      std::vector<flow::LinkUse> path;
      std::vector<int> partners;
      for (int d = node * gpn; d < (node + 1) * gpn && d < q.ep; ++d) {
        const auto tokens = c.counts.gpu(s, d);
        if (tokens == 0) continue;
        partners.push_back(d);
        path.push_back(c.topology.nvlink_tx(d, static_cast<double>(tokens) / summed));
        path.push_back(c.topology.hbm(d, static_cast<double>(tokens) / summed));
      }
      Route r = c.topology.rdma(node * gpn + c.cluster.local_of(s), s);
      path.insert(path.end(), r.links.begin(), r.links.end());
      path.push_back(c.topology.hbm(s, 2.0));
      c.net.start_flow(t0, std::move(path), summed * b, r.latency_s + c.cluster.latency.nvlink_us * 1e-6,
                       [&c, s, partners](flow::FlowId, double t) {
                         c.arrival(s, t);
                         for (const int d : partners) c.arrival(d, t);
                       });
    }
}

}  // namespace codesim::network
