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
//
// With the request's offload (Ends below; docs/network.md, "Communication offload"): a
// co-processor takes every SM's place, reads a source once, lands bytes once and forwards
// without landing in the forwarder's HBM; a unified network forwards from InfiniBand into the
// NVSwitch in hardware (no SMs, no HBM, no NVLink transmit at the forwarder) and moves bytes
// without SMs; sums (combine) stay with SMs or the co-processor. switch_multicast makes each
// NVLink forward one flow over the multicast tree (the issuer's port carries a token once);
// switch_reduce makes each NVLink gather one flow over the reduce tree (the receiver's port
// carries one summed vector per token). DeepEP's counted bytes do not change.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/network/collective.hpp"
#include "emulator/network/collectives/normal_direct_combine.hpp"

namespace codesim::network {
namespace {

/// Chunks a stream is cut into: a forwarder starts forwarding a chunk once it has landed.
constexpr int kChunks = 8;

std::optional<std::string> check(const ClusterConfig& cluster, const AllToAllRequest& q) {
  const auto& o = q.offload;
  if (q.sms == 0 && (o.coprocessor || o.unified_network)) {
    // A unified network without a co-processor has nobody to sum a node's partials: its
    // combine sends every partial straight back (direct_combine below).
  } else if (q.sms < 2 || q.sms % 2 != 0) {
    return "normal mode runs on an even number of SMs (a sender and a receiver per channel), or on none with a "
           "co-processor or a unified network";
  }
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

/// What a GPU does with bytes it sends: reads them from its own memory (a token's source, a
/// partial result), or passes on bytes that reached it as a forwarder.
enum class Sending { kOwn, kForwarded };
/// What a GPU does with bytes it receives: lands them as the final result (dispatch), adds
/// them into its result (combine), or gathers them as a forwarder to sum and send on.
enum class Receiving { kLand, kLandAndSum, kGather };

/// Who moves and sums bytes at each end of a transfer, and what it costs in HBM, from the
/// request's offload. All off, DeepEP on today's GPUs: the kernel's SMs do every copy, a copy
/// into a send buffer reads and writes (2), a receiver lands and copies out (3). With a
/// co-processor it takes the SMs' place on every path (the same bytes), sources are read
/// once, bytes land once, and forwarded or summed bytes pass through it without landing in
/// the forwarder's HBM. With a unified network the interface reads sources and lands bytes
/// itself (no worker, read once, land once); only sums take a worker: the co-processor if
/// there is one, otherwise SMs (which sum from a receive buffer as today).
class Ends {
 public:
  explicit Ends(const ClusterTopology& topo)
      : topo_(topo), coprocessor_(topo.offload().coprocessor), unified_(topo.offload().unified_network) {}

  /// The sending end of a transfer from `g` to another GPU, at `w` bytes per byte of the flow.
  void send(std::vector<flow::LinkUse>& path, int g, Sending what, double w = 1.0) const {
    if (unified_) {
      if (what == Sending::kOwn) path.push_back(topo_.hbm(g, w));
      return;
    }
    path.push_back(worker(g, w));
    if (!coprocessor_ || what == Sending::kOwn) path.push_back(topo_.hbm(g, w));
  }

  /// The receiving end of a transfer into `g` from another GPU.
  void receive(std::vector<flow::LinkUse>& path, int g, Receiving what, double w = 1.0) const {
    if (unified_ && what == Receiving::kLand) {
      path.push_back(topo_.hbm(g, w));
      return;
    }
    path.push_back(worker(g, w));
    if (coprocessor_) {
      if (what != Receiving::kGather) path.push_back(topo_.hbm(g, w));
    } else {
      path.push_back(topo_.hbm(g, 3.0 * w));
    }
  }

  /// A transfer from `g` to itself: today the SMs copy (read and write).
  void local(std::vector<flow::LinkUse>& path, int g, Sending from, Receiving to) const {
    if (!coprocessor_ && !unified_) {
      path.push_back(topo_.sms(g));
      path.push_back(topo_.hbm(g, 2.0));
      return;
    }
    if (!unified_ || to == Receiving::kGather) path.push_back(worker(g, 1.0));
    // A forwarder's own share lands once (its stream read the source); a co-processor sums
    // its own partial as it reads it; otherwise a copy reads and writes.
    const bool once = from == Sending::kForwarded || (to == Receiving::kGather && coprocessor_);
    path.push_back(topo_.hbm(g, once ? 1.0 : 2.0));
  }

  /// The source's side of a stream over InfiniBand (or into its own buffer): today the SMs
  /// stage it in the send buffer (read and write); a co-processor or a unified network's NIC
  /// reads it once.
  void stage(std::vector<flow::LinkUse>& path, int g) const {
    if (!unified_) path.push_back(worker(g, 1.0));
    path.push_back(topo_.hbm(g, coprocessor_ || unified_ ? 1.0 : 2.0));
  }

  /// The forwarder's side of a combine's send back: the sum it made, staged by SMs (read and
  /// write), streamed out of the co-processor, or read once by a unified network's NIC.
  void stage_sum(std::vector<flow::LinkUse>& path, int g) const {
    if (coprocessor_) {
      path.push_back(worker(g, 1.0));
    } else if (unified_) {
      path.push_back(topo_.hbm(g, 1.0));
    } else {
      path.push_back(topo_.sms(g));
      path.push_back(topo_.hbm(g, 2.0));
    }
  }

  /// Where InfiniBand bytes land at a dispatch's forwarder: its receive buffer today, nowhere
  /// when a co-processor or the unified network passes them on (cut-through).
  void land_at_forwarder(std::vector<flow::LinkUse>& path, int g) const {
    if (!coprocessor_ && !unified_) path.push_back(topo_.hbm(g, 1.0));
  }

  /// The combine's landing at the token's source from another node's forwarder: lands, then
  /// the sum over nodes (SMs from the receive buffer, or the co-processor as it lands).
  void land_and_sum_over_nodes(std::vector<flow::LinkUse>& path, int g) const {
    path.push_back(topo_.hbm(g, 1.0));
    path.push_back(worker(g, 1.0));
    if (!coprocessor_) path.push_back(topo_.hbm(g, 2.0));
  }

  /// The combine's send back to the forwarder itself (its own node's sum into its result).
  void own_sum(std::vector<flow::LinkUse>& path, int g) const {
    if (coprocessor_) {
      path.push_back(worker(g, 1.0));
      path.push_back(topo_.hbm(g, 1.0));
    } else if (unified_) {
      path.push_back(topo_.hbm(g, 2.0));
    } else {
      path.push_back(topo_.sms(g));
      path.push_back(topo_.hbm(g, 2.0));
    }
  }

  /// Whether a forward from `f` to other GPUs of its node skips `f`'s NVLink transmit side:
  /// the unified network's NIC feeds the NVSwitch itself, for bytes that came over InfiniBand
  /// (a sender's own node's tokens still leave through its port).
  [[nodiscard]] bool forwards_in_hardware(int f, int source) const { return unified_ && f != source; }

 private:
  [[nodiscard]] flow::LinkUse worker(int g, double w) const {
    return coprocessor_ ? topo_.coprocessor(g, w) : topo_.sms(g, w);
  }

  const ClusterTopology& topo_;
  bool coprocessor_;
  bool unified_;
};

/// The co-processor's per-hop latency, for a flow that passes through one (0 otherwise).
double coprocessor_latency(const CollectiveContext& c, const std::vector<flow::LinkUse>& path) {
  if (!c.topology.has_coprocessor()) return 0.0;
  const int label = link_label(LinkClass::kCoprocessor, LinkDirection::kNone);
  for (const auto& use : path)
    if (c.net.links()[static_cast<std::size_t>(use.link)].link_class == label)
      return c.request.offload.coprocessor_latency_us * 1e-6;
  return 0.0;
}

/// A copy from `from`'s memory into `to`'s (over `route` when they differ).
std::vector<flow::LinkUse> copy_path(const Ends& ends, int from, int to, const Route& route, Sending sending,
                                     Receiving receiving) {
  std::vector<flow::LinkUse> path;
  if (from == to) {
    ends.local(path, from, sending, receiving);
    return path;
  }
  path = route.links;
  ends.send(path, from, sending);
  ends.receive(path, to, receiving);
  return path;
}

/// Starts a flow, adding the co-processor's latency when it passes through one.
void start_copy(CollectiveContext& c, double t0, std::vector<flow::LinkUse> path, double bytes, double latency,
                flow::NetworkBackend::FlowDone done) {
  latency += coprocessor_latency(c, path);
  c.net.start_flow(t0, std::move(path), bytes, latency, std::move(done));
}

/// A multicast from `issuer` to the GPUs `targets` of its node through the NVSwitch, as one
/// flow over the tree: the issuer's NVLink transmit carries `tokens` (each once; none when a
/// unified network's NIC feeds the switch), each target's receive side its `shares[i]` tokens.
/// A fluid flow over the union of the branches moves at its slowest branch's pace, as a switch
/// replicating into ports with bounded buffers does.
std::vector<flow::LinkUse> multicast_tree(const ClusterTopology& topo, const Ends& ends, int issuer, Sending sending,
                                          bool from_switch, double tokens, const std::vector<int>& targets,
                                          const std::vector<double>& shares) {
  std::vector<flow::LinkUse> path;
  if (!from_switch) path.push_back(topo.nvlink_tx(issuer));
  ends.send(path, issuer, sending);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const double w = shares[i] / tokens;
    path.push_back(topo.nvlink_rx(targets[i], w));
    ends.receive(path, targets[i], Receiving::kLand, w);
  }
  return path;
}

/// The mirror image: the partials of `sources` (each `shares[i]` tokens from its own memory)
/// summed in the NVSwitch, one vector per token (`tokens`) into `receiver`'s port.
std::vector<flow::LinkUse> reduce_tree(const ClusterTopology& topo, const Ends& ends, int receiver, Receiving receiving,
                                       double tokens, const std::vector<int>& sources,
                                       const std::vector<double>& shares) {
  std::vector<flow::LinkUse> path;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const double w = shares[i] / tokens;
    path.push_back(topo.nvlink_tx(sources[i], w));
    ends.send(path, sources[i], Sending::kOwn, w);
  }
  path.push_back(topo.nvlink_rx(receiver));
  ends.receive(path, receiver, receiving);
  return path;
}

void start_intranode(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const double b = token_bytes(q);
  const bool dispatch = q.op == CommOp::kDispatch;
  c.counted_as = dispatch ? "tokens received (once per GPU) x (hidden + hidden/128 x 4) B, NVLink"
                          : "tokens sent back (once per GPU) x 2 x hidden B, NVLink";
  const Ends ends(c.topology);
  const Receiving receiving = dispatch ? Receiving::kLand : Receiving::kLandAndSum;
  // With a switch tree, the transfers between different GPUs are one tree per source (below).
  const bool tree = dispatch ? q.offload.switch_multicast : q.offload.switch_reduce;
  for (int s = 0; s < q.ep; ++s)
    for (int d = 0; d < q.ep; ++d) {
      const auto tokens = c.counts.gpu(s, d);
      if (tokens == 0) continue;
      const int from = dispatch ? s : d;
      const int to = dispatch ? d : s;
      // DeepEP counts, for each rank, the tokens it received in dispatch (and sends back in combine).
      c.counted_bytes[static_cast<std::size_t>(d)] += static_cast<double>(tokens) * b;
      if (tree && from != to) continue;
      Route r;
      if (from != to) r = c.topology.nvlink(from, to);
      start_copy(c, t0, copy_path(ends, from, to, r, Sending::kOwn, receiving), static_cast<double>(tokens) * b,
                 r.latency_s, [&c, from, to](flow::FlowId, double t) {
                   c.arrival(to, t);
                   c.arrival(from, t);
                 });
    }
  if (!tree) return;
  // Each source's tokens once through its port to the switch, which replicates them to every
  // other GPU holding one of their experts (combine: sums their partials into one vector).
  for (int s = 0; s < q.ep; ++s) {
    const auto tokens = static_cast<double>(c.counts.forwarded(s, c.cluster.node_of(s)));
    if (tokens == 0.0) continue;
    std::vector<int> peers;
    std::vector<double> shares;
    for (int d = 0; d < q.ep; ++d)
      if (d != s && c.counts.gpu(s, d) > 0) {
        peers.push_back(d);
        shares.push_back(static_cast<double>(c.counts.gpu(s, d)));
      }
    auto path = dispatch ? multicast_tree(c.topology, ends, s, Sending::kOwn, false, tokens, peers, shares)
                         : reduce_tree(c.topology, ends, s, receiving, tokens, peers, shares);
    start_copy(c, t0, std::move(path), tokens * b, c.cluster.latency.nvlink_us * 1e-6,
               [&c, s, peers](flow::FlowId, double t) {
                 c.arrival(s, t);
                 for (const int d : peers) c.arrival(d, t);
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

/// A dispatch's stream from `from` to its forwarder `to` (same plane) over InfiniBand, or into
/// its own buffer when it is its own forwarder: staged at the source, landed at the forwarder.
std::vector<flow::LinkUse> dispatch_stream_path(const ClusterTopology& topo, const Ends& ends, int from, int to,
                                                Route* route) {
  std::vector<flow::LinkUse> path;
  if (from != to) {
    *route = topo.rdma(from, to);
    path = route->links;
  }
  ends.stage(path, from);
  if (from != to) ends.land_at_forwarder(path, to);
  return path;
}

/// A combine's send back from the forwarder `from` to the token's source `to` (same plane)
/// over InfiniBand, or into its own result.
std::vector<flow::LinkUse> combine_send_back_path(const ClusterTopology& topo, const Ends& ends, int from, int to,
                                                  Route* route) {
  std::vector<flow::LinkUse> path;
  if (from == to) {
    ends.own_sum(path, from);
    return path;
  }
  *route = topo.rdma(from, to);
  path = route->links;
  ends.stage_sum(path, from);
  ends.land_and_sum_over_nodes(path, to);  // the source sums what comes back from every node
  return path;
}

void start_internode_dispatch(CollectiveContext& c, double t0) {
  const auto& q = c.request;
  const int gpn = c.cluster.gpus_per_node;
  const double b = token_bytes(q);
  c.counted_as = "tokens sent once per target node, own node included x (hidden + hidden/128 x 4) B, RDMA";
  const bool multicast = q.offload.switch_multicast;
  for (int s = 0; s < q.ep; ++s)
    for (int node = 0; node < c.counts.nodes; ++node) {
      const auto tokens = c.counts.node(s, node);
      if (tokens == 0) continue;
      const int f = node * gpn + c.cluster.local_of(s);
      c.counted_bytes[static_cast<std::size_t>(s)] += static_cast<double>(tokens) * b;
      const Ends ends(c.topology);
      Route r;
      auto path = dispatch_stream_path(c.topology, ends, s, f, &r);
      const double latency = r.latency_s + coprocessor_latency(c, path);
      start_stream(c.net, t0, std::move(path), static_cast<double>(tokens) * b, latency,
                   [&c, ends, s, f, node, gpn, b, multicast](int, double t) {
                     c.arrival(s, t);
                     c.arrival(f, t);
                     // The forwarder passes the chunk on to every GPU of its node that holds one
                     // of the chunk's experts (itself included: a copy out of its buffer); with
                     // a switch multicast, to the others as one tree.
                     const bool hardware = ends.forwards_in_hardware(f, s);
                     std::vector<int> targets;
                     std::vector<double> shares;
                     for (int d = node * gpn; d < (node + 1) * gpn && d < c.request.ep; ++d) {
                       const auto m = c.counts.gpu(s, d);
                       if (m == 0) continue;
                       if (multicast && d != f) {
                         targets.push_back(d);
                         shares.push_back(static_cast<double>(m));
                         continue;
                       }
                       Route nv;
                       if (d != f) nv = hardware ? c.topology.nvswitch_to(d) : c.topology.nvlink(f, d);
                       start_copy(c, t, copy_path(ends, f, d, nv, Sending::kForwarded, Receiving::kLand),
                                  static_cast<double>(m) * b / kChunks, nv.latency_s,
                                  [&c, f, d](flow::FlowId, double when) {
                                    c.arrival(d, when);
                                    c.arrival(f, when);
                                  });
                     }
                     if (targets.empty()) return;
                     const auto forwarded = static_cast<double>(c.counts.forwarded(s, node));
                     start_copy(c, t,
                                multicast_tree(c.topology, ends, f, Sending::kForwarded, hardware, forwarded, targets,
                                               shares),
                                forwarded * b / kChunks, c.cluster.latency.nvlink_us * 1e-6,
                                [&c, f, targets](flow::FlowId, double when) {
                                  c.arrival(f, when);
                                  for (const int d : targets) c.arrival(d, when);
                                });
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
    const Ends ends(c.topology);
    // Send chunk k of the sum back to every source once all of this node's GPUs delivered it.
    auto send_back = [&c, ends, f, node, sources, b](int k, double t) {
      (void)k;
      for (const int s : sources) {
        const auto tokens = c.counts.node(s, node);
        if (tokens == 0) continue;
        Route r;
        start_copy(c, t, combine_send_back_path(c.topology, ends, f, s, &r), static_cast<double>(tokens) * b / kChunks,
                   r.latency_s, [&c, f, s](flow::FlowId, double when) {
                     c.arrival(s, when);
                     c.arrival(f, when);
                   });
      }
    };
    // With a switch reduce, the partials of the node's other GPUs reach the forwarder as one
    // stream of sums (one vector per token that has an expert on one of them).
    const bool reduce = q.offload.switch_reduce;
    std::vector<int> partners;
    std::vector<double> shares;
    double summed = 0.0;
    if (reduce)
      for (const int s : sources) summed += static_cast<double>(c.counts.forwarded(s, node));
    int streams = 0;
    for (int d = node * gpn; d < (node + 1) * gpn && d < q.ep; ++d) {
      double tokens = 0.0;
      for (const int s : sources) tokens += static_cast<double>(c.counts.gpu(s, d));
      if (tokens == 0.0) continue;
      if (reduce && d != f) {
        partners.push_back(d);
        shares.push_back(tokens);
        continue;
      }
      ++streams;
      Route nv;
      if (d != f) nv = c.topology.nvlink(d, f);
      auto path = copy_path(ends, d, f, nv, Sending::kOwn, Receiving::kGather);
      const double latency = nv.latency_s + coprocessor_latency(c, path);
      start_stream(c.net, t0, std::move(path), tokens * b, latency, [&c, join, send_back, d, f](int k, double t) {
        c.arrival(d, t);
        c.arrival(f, t);
        if (--join->waiting[static_cast<std::size_t>(k)] == 0) send_back(k, t);
      });
    }
    if (!partners.empty()) {
      ++streams;
      auto path = reduce_tree(c.topology, ends, f, Receiving::kGather, summed, partners, shares);
      const double latency = c.cluster.latency.nvlink_us * 1e-6 + coprocessor_latency(c, path);
      start_stream(c.net, t0, std::move(path), summed * b, latency,
                   [&c, join, send_back, partners, f](int k, double t) {
                     for (const int d : partners) c.arrival(d, t);
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
  const bool nobody_sums = q.sms == 0 && !q.offload.coprocessor;
  if (q.op == CommOp::kCombine && nobody_sums) {
    if (q.ep > c.cluster.gpus_per_node) t0 += c.cluster.latency.ib_cross_leaf_us * 1e-6;
    start_direct_combine(c, t0);
    return;
  }
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
