#pragma once
// The walk over a micro-batch's routed tokens: each copy goes to an instance of its expert,
// round-robin over the expert's replicas in token order, and is counted per instance, per
// hop of the all-to-all, and in the routing statistics. Split over threads with the same
// result: a first pass counts each chunk's copies per expert, so that every chunk knows where
// the round-robin stands when it starts.
#include <cstdint>
#include <vector>

#include "workloads/config/scenario_config.hpp"
#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/placement/expert_placement.hpp"
#include "workloads/traffic/all_to_all_traffic.hpp"

namespace codesim::workloads {

struct TokenWalkInput {
  const ScenarioConfig* scenario = nullptr;
  const ExpertPlacement* placement = nullptr;
  const RoutingDraw* draw = nullptr;
  int shared_expert = -1;  ///< expert id every token also picks (shared expert as routed), or -1
};

struct TokenWalk {
  AllToAllPhase copies;  ///< token copies per hop, in the dispatch direction (bytes_per_copy 1)
  std::vector<std::int64_t> instance_rows;
  std::int64_t node_sum = 0;    ///< distinct nodes holding each token's routed experts, summed
  std::int64_t remote_sum = 0;  ///< the same, other than the token's own node
  std::int64_t gpu_sum = 0;     ///< distinct GPUs per token, summed
  int max_nodes = 0;
  std::vector<std::int64_t> nodes_histogram;
};

[[nodiscard]] TokenWalk walk_tokens(const TokenWalkInput& input, int threads);

}  // namespace codesim::workloads
