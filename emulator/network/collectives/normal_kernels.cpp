// DeepEP's normal kernels (training and prefill), on a configurable number of SMs that they
// hold for the whole transfer. Within one node (EP <= GPUs per node) each GPU writes every
// token once to each GPU holding one of its experts, over NVLink. Across nodes a token crosses
// InfiniBand once per target node, to the GPU with the sender's in-node index, which forwards
// it over NVLink to the GPUs of that node holding its experts, chunk by chunk as chunks land;
// tokens for the sender's own node take the same path through its own buffer. Combine is the
// mirror image: the GPUs of a node send their results over NVLink to the forwarding GPU, which
// sums them and sends one vector per token back over InfiniBand.
//
// Every copy between buffers is done by the kernel's SMs and reads and writes HBM: a copy
// into a send buffer reads and writes (2 bytes of HBM per byte), a remote write lands once
// (1), a receiver copying out of its buffer reads and writes (2).
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/network/collective.hpp"

namespace codesim::network {
namespace {

/// Chunks a stream is cut into: a forwarder starts forwarding a chunk once it has landed.
constexpr int kChunks = 8;

std::optional<std::string> check(const ClusterConfig& cluster, const AllToAllRequest& q) {
  if (q.sms < 2 || q.sms % 2 != 0) return "normal mode runs on an even number of SMs (a sender and a receiver per channel)";
  if (q.sms > cluster.device.sms)
    return "--sms " + std::to_string(q.sms) + " is more than the " + std::to_string(cluster.device.sms) +
           " SMs of a " + cluster.device.name + " GPU";
  if (q.ep > cluster.gpus_per_node && q.ep % cluster.gpus_per_node != 0)
    return "across nodes, normal mode needs whole nodes: EP " + std::to_string(q.ep) + " is not a multiple of " +
           std::to_string(cluster.gpus_per_node);
  if (cluster.fabric.planes != 1 && cluster.fabric.planes != cluster.gpus_per_node)
    return "normal mode forwards by in-node index, which needs one plane per GPU of a node, or one plane";
  return std::nullopt;
}

ExpertRoutingRequest routing(const ClusterConfig& cluster, const AllToAllRequest& q) {
  // test_internode.py: groups are nodes, the best min(nodes, 4) kept; test_intranode.py: one group.
  ExpertRoutingRequest r = ungrouped_routing(cluster.gpus_per_node, q);
  const int nodes = (q.ep + cluster.gpus_per_node - 1) / cluster.gpus_per_node;
  r.groups = nodes;
  r.topk_groups = std::min(nodes, 4);
  return r;
}

double token_bytes(const AllToAllRequest& q) {
  return q.op == CommOp::kDispatch ? fp8_token_bytes(q.hidden) : bf16_token_bytes(q.hidden);
}

/// A copy from `from`'s memory into `to`'s by the SMs of both ends.
std::vector<flow::LinkUse> copy_path(const ClusterTopology& topo, int from, int to, Route* route) {
  if (from == to) return {topo.sms(from), topo.hbm(from, 2.0)};
  std::vector<flow::LinkUse> path = route->links;
  path.push_back(topo.sms(from));
  path.push_back(topo.hbm(from, 1.0));
  path.push_back(topo.sms(to));
  path.push_back(topo.hbm(to, 3.0));
  return path;
}

void start_intranode(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const double b = token_bytes(q);
  const bool dispatch = q.op == CommOp::kDispatch;
  c.counted_as = dispatch ? "tokens received (once per GPU) x (hidden + hidden/128 x 4) B, NVLink"
                          : "tokens sent back (once per GPU) x 2 x hidden B, NVLink";
  for (int s = 0; s < q.ep; ++s)
    for (int d = 0; d < q.ep; ++d) {
      const auto tokens = c.counts.gpu(s, d);
      if (tokens == 0) continue;
      const int from = dispatch ? s : d;
      const int to = dispatch ? d : s;
      // DeepEP counts, for each rank, the tokens it received in dispatch (and sends back in combine).
      c.counted_bytes[static_cast<std::size_t>(d)] += static_cast<double>(tokens) * b;
      Route r;
      if (from != to) r = c.topology.nvlink(from, to);
      c.net.start_flow(t0, copy_path(c.topology, from, to, &r), static_cast<double>(tokens) * b, r.latency_s,
                       [&c, from, to](flow::FlowId, double t) {
                         c.arrival(to, t);
                         c.arrival(from, t);
                       });
    }
}

/// A stream cut into kChunks equal chunks on one path: one flow, with a milestone at each
/// chunk boundary; `landed(k, t)` runs when chunk k has arrived (its last byte left, plus the
/// path's latency).
void start_stream(flow::NetworkBackend& net, double t0, std::vector<flow::LinkUse> path, double bytes, double latency,
                  std::function<void(int, double)> landed) {
  auto on_landed = std::make_shared<std::function<void(int, double)>>(std::move(landed));
  flow::Milestones m;
  for (int k = 1; k < kChunks; ++k) m.bytes.push_back(bytes * k / kChunks);
  m.reached = [&net, on_landed, latency](int k, double t) {
    net.at(t + latency, [on_landed, k, t, latency] { (*on_landed)(k, t + latency); });
  };
  net.start_flow(t0, std::move(path), bytes, latency,
                 [on_landed](flow::FlowId, double t) { (*on_landed)(kChunks - 1, t); }, 0, std::move(m));
}

/// An RDMA write from `from` to `to` (same plane) as a copy: the sender's SMs stage it in the
/// send buffer (read and write), the NIC moves it, it lands in the receive buffer.
std::vector<flow::LinkUse> rdma_copy_path(const ClusterTopology& topo, int from, int to, Route* route) {
  if (from == to) return {topo.sms(from), topo.hbm(from, 2.0)};
  *route = topo.rdma(from, to);
  std::vector<flow::LinkUse> path = route->links;
  path.push_back(topo.sms(from));
  path.push_back(topo.hbm(from, 2.0));
  path.push_back(topo.hbm(to, 1.0));
  return path;
}

void start_internode_dispatch(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const int gpn = c.cluster.gpus_per_node;
  const double b = token_bytes(q);
  c.counted_as = "tokens sent once per target node, own node included x (hidden + hidden/128 x 4) B, RDMA";
  for (int s = 0; s < q.ep; ++s)
    for (int node = 0; node < c.counts.nodes; ++node) {
      const auto tokens = c.counts.node(s, node);
      if (tokens == 0) continue;
      const int f = node * gpn + c.cluster.local_of(s);
      c.counted_bytes[static_cast<std::size_t>(s)] += static_cast<double>(tokens) * b;
      Route r;
      auto path = rdma_copy_path(c.topology, s, f, &r);
      start_stream(c.net, t0, std::move(path), static_cast<double>(tokens) * b, r.latency_s,
                   [&c, s, f, node, gpn, b](int, double t) {
                     c.arrival(s, t);
                     c.arrival(f, t);
                     // The forwarder passes the chunk on to every GPU of its node that holds one
                     // of the chunk's experts (itself included: a copy out of its buffer).
                     for (int d = node * gpn; d < (node + 1) * gpn && d < c.request.ep; ++d) {
                       const auto m = c.counts.gpu(s, d);
                       if (m == 0) continue;
                       Route nv;
                       if (d != f) nv = c.topology.nvlink(f, d);
                       c.net.start_flow(t, copy_path(c.topology, f, d, &nv), static_cast<double>(m) * b / kChunks,
                                        nv.latency_s, [&c, f, d](flow::FlowId, double when) {
                                          c.arrival(d, when);
                                          c.arrival(f, when);
                                        });
                     }
                   });
    }
}

/// Combine across nodes: the chunks a forwarder receives from the GPUs of its node, summed
/// and sent on over InfiniBand once chunk k has arrived from all of them.
struct CombineForwarder {
  std::vector<int> waiting;  ///< per chunk: streams still to land
};

void start_internode_combine(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const int gpn = c.cluster.gpus_per_node;
  const double b = token_bytes(q);
  c.counted_as = "tokens received once per source node, own node included x 2 x hidden B, RDMA";
  for (int s = 0; s < q.ep; ++s)
    for (int node = 0; node < c.counts.nodes; ++node)
      c.counted_bytes[static_cast<std::size_t>(s)] += static_cast<double>(c.counts.node(s, node)) * b;
  for (int f = 0; f < q.ep; ++f) {
    const int node = c.cluster.node_of(f);
    const int local = c.cluster.local_of(f);
    // The sources this forwarder serves: GPUs with its in-node index, one per node.
    std::vector<int> sources;
    for (int s = local; s < q.ep; s += gpn) sources.push_back(s);
    auto join = std::make_shared<CombineForwarder>();
    // Send chunk k of the sum back to every source once all of this node's GPUs delivered it.
    auto send_back = [&c, f, node, sources, b](int k, double t) {
      (void)k;
      for (const int s : sources) {
        const auto tokens = c.counts.node(s, node);
        if (tokens == 0) continue;
        Route r;
        auto path = rdma_copy_path(c.topology, f, s, &r);
        if (s != f) {
          path.push_back(c.topology.sms(s));  // the source sums what comes back from every node
          path.push_back(c.topology.hbm(s, 2.0));
        }
        c.net.start_flow(t, std::move(path), static_cast<double>(tokens) * b / kChunks, r.latency_s,
                         [&c, f, s](flow::FlowId, double when) {
                           c.arrival(s, when);
                           c.arrival(f, when);
                         });
      }
    };
    int streams = 0;
    for (int d = node * gpn; d < (node + 1) * gpn && d < q.ep; ++d) {
      double tokens = 0.0;
      for (const int s : sources) tokens += static_cast<double>(c.counts.gpu(s, d));
      if (tokens == 0.0) continue;
      ++streams;
      Route nv;
      if (d != f) nv = c.topology.nvlink(d, f);
      start_stream(c.net, t0, copy_path(c.topology, d, f, &nv), tokens * b, nv.latency_s,
                   [&c, join, send_back, d, f](int k, double t) {
                     c.arrival(d, t);
                     c.arrival(f, t);
                     if (--join->waiting[static_cast<std::size_t>(k)] == 0) send_back(k, t);
                   });
    }
    join->waiting.assign(kChunks, streams);
    if (streams == 0)
      for (int k = 0; k < kChunks; ++k) c.net.at(t0, [send_back, k, t0] { send_back(k, t0); });
  }
}

void start_internode(CollectiveContext& c, double t0) {
  if (c.request.op == CommOp::kDispatch)
    start_internode_dispatch(c, t0);
  else
    start_internode_combine(c, t0);
}

void start(CollectiveContext& c) {
  const auto& q = c.request;
  double t0 = c.start_s + c.cluster.latency.nvlink_us * 1e-6;  // the counts exchange (notify) before any data
  if (q.ep <= c.cluster.gpus_per_node) {
    start_intranode(c, t0);
    return;
  }
  t0 += c.cluster.latency.ib_cross_leaf_us * 1e-6;
  start_internode(c, t0);
}

const CollectiveRegistrar registrar{CollectiveKind{
    "normal",
    "DeepEP normal kernels: NVLink within a node; across nodes InfiniBand once per target node, then NVLink "
    "forwarding by the GPU with the sender's in-node index; combine mirrors it and sums at the forwarder; "
    "runs on --sms SMs it holds throughout",
    true, check, routing, start}};

}  // namespace
}  // namespace codesim::network
