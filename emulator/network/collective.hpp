#pragma once
// A communication kernel as DeepEP runs it, on the cluster's links: each variant (normal,
// low-latency, low-latency-nvlink) is one file under collectives/ that registers a
// CollectiveKind by name. A kernel turns the token counts into flows on the fluid network and
// reports, for every GPU, when its kernel ends and the bytes DeepEP's tests count for it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/network/cluster_topology.hpp"
#include "emulator/network/communication_offload.hpp"
#include "emulator/network/expert_traffic.hpp"
#include "emulator/network/flow/network_backend.hpp"
#include "emulator/registry/named_registry.hpp"

namespace codesim::network {

enum class CommOp { kDispatch, kCombine };

/// What `codesim alltoall` asks for: DeepEP's test setting.
struct AllToAllRequest {
  std::string mode = "normal";  ///< a registered collective
  CommOp op = CommOp::kDispatch;
  int ep = 8;                   ///< GPUs taking part: the first ep GPUs of the cluster
  int tokens = 4096;            ///< per GPU
  int hidden = 7168;
  int sms = 24;                 ///< SMs a normal-mode kernel holds (DeepEP's tests: 24)
  int experts = 256;
  int top_k = 8;
  std::uint64_t seed = 1;
  std::string backend = "fluid";  ///< a registered network backend
  CommunicationOffload offload;   ///< hardware that takes work off the SMs (all off: today's)
};

/// Bytes per token in DeepEP's formats: FP8 E4M3 with one FP32 scale per 128 elements, BF16.
[[nodiscard]] inline double fp8_token_bytes(int hidden) { return hidden + hidden / 128 * 4.0; }
[[nodiscard]] inline double bf16_token_bytes(int hidden) { return 2.0 * hidden; }

/// The routing of a DeepEP test without a group limit: DeepSeek-V3's gate over i.i.d. scores
/// for the request's tokens, experts and top-k, seeded; kernels add their group limits.
[[nodiscard]] inline ExpertRoutingRequest ungrouped_routing(int gpus_per_node, const AllToAllRequest& q) {
  ExpertRoutingRequest r;
  r.gpus = q.ep;
  r.gpus_per_node = gpus_per_node;
  r.tokens = q.tokens;
  r.experts = q.experts;
  r.top_k = q.top_k;
  r.seed = q.seed;
  return r;
}

/// Everything a kernel works with while it lays out its flows.
struct CollectiveContext {
  const ClusterConfig& cluster;
  const AllToAllRequest& request;
  const TokenCounts& counts;
  const ClusterTopology& topology;
  flow::NetworkBackend& net;
  /// When the kernel starts on every GPU (s): later than zero when it shares the network with
  /// another all-to-all already under way.
  double start_s = 0.0;
  /// Filled by the kernel, one entry per GPU.
  std::vector<double> last_arrival_s;   ///< last byte this GPU waits for has landed
  std::vector<double> counted_bytes;    ///< DeepEP's byte count for this GPU
  std::string counted_as;               ///< the formula, for the output

  /// Records that `gpu` waits for something delivered at `time`.
  void arrival(int gpu, double time) {
    auto& t = last_arrival_s[static_cast<std::size_t>(gpu)];
    if (time > t) t = time;
  }
};

struct CollectiveKind {
  std::string name;
  std::string summary;
  /// Holds SMs for the whole transfer (normal mode) or not (low-latency modes).
  bool holds_sms = true;
  /// Why the request cannot run on the cluster (nullopt: it can).
  std::function<std::optional<std::string>(const ClusterConfig&, const AllToAllRequest&)> check;
  /// The routing DeepEP's test for this mode uses (groups, kept groups).
  std::function<ExpertRoutingRequest(const ClusterConfig&, const AllToAllRequest&)> routing;
  /// Lays out the flows (and the actions that start later ones) on ctx.net.
  std::function<void(CollectiveContext&)> start;
  /// Every flow is posted by `start`, and a flow's completion only records arrivals (no
  /// actions, milestones or later flows): the posted links and flows then fix the outcome, and
  /// a solve of the same problem can be reused (SolvedNetworkCache).
  bool flows_fixed_at_start = false;
};

using CollectiveRegistry = registry::NamedRegistry<CollectiveKind>;
using CollectiveRegistrar = registry::NamedRegistrar<CollectiveKind>;

}  // namespace codesim::network
