#pragma once
// Which GPU each token's experts live on, routed as DeepEP's own tests route them
// (DeepSeek-V3's gate over i.i.d. scores, seeded), and the token counts the communication
// kernels move: per GPU pair deduplicated (normal mode sends a token once per GPU), per
// source GPU and target node deduplicated (once per node over InfiniBand), and every
// (token, expert) copy (low-latency mode).
#include <cstdint>
#include <vector>

namespace codesim::network {

struct ExpertRoutingRequest {
  int gpus = 8;
  int gpus_per_node = 8;
  int tokens = 4096;      ///< per GPU
  int experts = 256;      ///< routed experts, placed contiguously: experts / gpus per GPU
  int top_k = 8;
  int groups = 1;         ///< expert groups for node-limited routing (DeepEP's tests: one per node)
  int topk_groups = 1;
  std::uint64_t seed = 1;
};

/// The target GPU of every (token, expert) choice: targets[(gpu * tokens + t) * top_k + j].
struct ExpertRouting {
  int gpus = 0;
  int gpus_per_node = 8;
  int tokens = 0;
  int top_k = 0;
  std::vector<int> targets;
};

/// Throws std::invalid_argument naming the value when experts do not divide over the GPUs
/// or groups, or top_k does not fit in the kept groups.
[[nodiscard]] ExpertRouting route_experts(const ExpertRoutingRequest& request);

/// Token counts, all row-major [source][target].
struct TokenCounts {
  int gpus = 0;
  int nodes = 0;
  int gpus_per_node = 8;
  std::vector<std::int64_t> gpu_tokens;   ///< gpus x gpus: tokens with at least one expert on the GPU
  std::vector<std::int64_t> node_tokens;  ///< gpus x nodes: tokens with at least one expert in the node
  std::vector<std::int64_t> copies;       ///< gpus x gpus: (token, expert) copies
  /// gpus x nodes: tokens with at least one expert in the node on a GPU other than the
  /// source's peer there (the GPU with the source's in-node index; in the source's own node,
  /// the source itself): what a switch multicast from the peer carries once per token, and
  /// what a switch reduce delivers to it. Empty when the counts were built without it.
  std::vector<std::int64_t> forwarded_tokens;
  [[nodiscard]] std::int64_t gpu(int s, int d) const { return gpu_tokens[static_cast<std::size_t>(s * gpus + d)]; }
  [[nodiscard]] std::int64_t node(int s, int b) const { return node_tokens[static_cast<std::size_t>(s * nodes + b)]; }
  [[nodiscard]] std::int64_t copy(int s, int d) const { return copies[static_cast<std::size_t>(s * gpus + d)]; }
  [[nodiscard]] std::int64_t forwarded(int s, int b) const {
    return forwarded_tokens[static_cast<std::size_t>(s * nodes + b)];
  }
};

[[nodiscard]] TokenCounts count_tokens(const ExpertRouting& routing);

}  // namespace codesim::network
