#pragma once
// Where expert instances live: which GPU holds which copy of which expert. DeepSeek-V3 serves
// prefill and decode with redundant copies of the hottest experts, chosen from load statistics
// and packed onto nodes and GPUs so that every GPU carries about the same load ([V3] §3.4;
// the hierarchical balancing of github:deepseek-ai/EPLB). Pure arithmetic: no routing, no I/O.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace codesim::workloads {

enum class PlacementPolicy {
  kContiguous,    ///< expert e on GPU e / (experts per GPU); no redundant copies (training)
  kHierarchical,  ///< expert groups packed onto nodes, replicas chosen and packed per node
  kGlobal,        ///< replicas chosen and packed over all GPUs, ignoring groups and nodes
};

struct PlacementRequest {
  int experts = 0;             ///< routed experts of the model (logical)
  int groups = 1;              ///< expert groups (DeepSeek-V3: 8 groups of 32 experts)
  int redundant = 0;           ///< extra routed-expert copies to place
  int pinned_instances = 0;    ///< instances of one more expert with a fixed copy count (the
                               ///< shared expert served as a routed one, EP320); never replicated
  int nodes = 1;
  int gpus_per_node = 1;
  PlacementPolicy policy = PlacementPolicy::kContiguous;
};

/// Expert instances per GPU. Instance `slot` of GPU `g` is `instance_expert[g * per_gpu + slot]`;
/// routed experts are numbered 0..experts-1 and the pinned expert is `experts`.
struct ExpertPlacement {
  int gpus = 0;
  int per_gpu = 0;
  int experts = 0;  ///< routed experts (the pinned expert, if any, has id `experts`)
  std::vector<int> instance_expert;
  /// replicas[e]: the global instance indices (g * per_gpu + slot) holding expert e, in
  /// ascending order; size experts (+1 when pinned instances exist).
  std::vector<std::vector<int>> replicas;

  [[nodiscard]] int gpu_of_instance(int instance) const { return instance / per_gpu; }
};

/// Checks the request (counts divide, policy applicable); throws std::invalid_argument naming
/// the quantity and its value.
void validate_placement_request(const PlacementRequest& request);

/// Places experts. `expert_load[e]` is the expected number of token copies expert e receives
/// (size request.experts; ignored by kContiguous); the pinned expert's load is `pinned_load`.
/// Deterministic: ties are broken by the lower expert, node or GPU index.
[[nodiscard]] ExpertPlacement place_experts(const PlacementRequest& request, std::span<const double> expert_load,
                                            double pinned_load = 0.0);

/// max over GPUs / mean over GPUs of a per-GPU load (1.0 for perfect balance; 0 if all zero).
[[nodiscard]] double max_over_mean(std::span<const double> per_gpu_load);

[[nodiscard]] std::string placement_policy_name(PlacementPolicy policy);

}  // namespace codesim::workloads
