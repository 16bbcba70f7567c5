#pragma once
// One MoE layer of a scenario, made concrete by a routing draw: per GPU, the expert instances
// it holds and the tokens each receives, the operators it runs (quantisation, grouped GEMMs,
// SwiGLU, all-to-alls) with their shapes and formats, and the GPU x GPU traffic of every
// all-to-all. This is what the emulator consumes; it knows nothing about timing or SystemC.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workloads/config/model_config.hpp"
#include "workloads/config/scenario_config.hpp"
#include "workloads/placement/expert_placement.hpp"
#include "workloads/traffic/all_to_all_traffic.hpp"

namespace codesim::workloads {

struct RoutingOptions {
  std::uint64_t seed = 1;
  std::optional<std::string> scores;  ///< score generator; default: the scenario's
  std::optional<double> skew;         ///< default: the scenario's
  int threads = 1;                    ///< routing threads; the result does not depend on it
};

struct ExpertInstance {
  int expert = 0;        ///< routed expert id, or model.routed_experts for the shared expert
  bool shared = false;
  std::int64_t rows = 0;  ///< token copies it receives in this micro-batch (the GEMM's M)
};

enum class OperatorKind {
  kQuantize,         ///< BF16 -> FP8 with 1 x tile scales, per token
  kSwigluQuantize,   ///< SwiGLU of the gate/up output, fused with the FP8 quantisation
  kSwigluBackward,   ///< SwiGLU gradient, fused with quantising the gate/up gradient
  kCastTranspose,    ///< dequantise, transpose and re-quantise (128 x 1 tiles) for Wgrad
  kGemm,             ///< one dense GEMM
  kGroupedGemm,      ///< one grouped GEMM (one group per local expert instance)
  kDispatch,         ///< all-to-all toward the experts
  kCombine,          ///< all-to-all back to the tokens' GPUs
};

struct Operator {
  OperatorKind kind = OperatorKind::kGemm;
  std::string name;
  // element-wise operators
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::string in_format;
  std::string out_format;
  // GEMMs: D (m x n) = A (m x k) * B^T. A grouped GEMM has one m per group (forward and
  // data gradients) or one k per group (weight gradients, where the tokens are the K axis).
  std::vector<std::int64_t> m;
  std::int64_t n = 0;
  std::vector<std::int64_t> k;
  std::string layout;  ///< contiguous or masked (grouped), dense
  std::string a_scaling;
  std::string b_scaling;
  // all-to-alls
  std::string phase;  ///< index into MicroBatchWorkload::traffic by name
};

struct GpuWorkload {
  int gpu = 0;
  int node = 0;
  std::int64_t tokens = 0;  ///< tokens whose MoE input starts on this GPU
  std::vector<ExpertInstance> instances;
  std::int64_t routed_rows = 0;  ///< sum of rows over routed instances
  std::int64_t shared_rows = 0;  ///< rows of the shared expert run here (local or replica)
  std::vector<Operator> operators;
};

struct RoutingStatistics {
  double mean_nodes_per_token = 0;         ///< distinct nodes holding a token's routed experts
  int max_nodes_per_token = 0;
  double mean_remote_nodes_per_token = 0;  ///< the same, other than the token's own node
  double mean_gpus_per_token = 0;          ///< distinct GPUs a token is dispatched to
  std::vector<std::int64_t> nodes_histogram;  ///< [n]: tokens reaching n nodes
};

struct LoadBalance {
  double expert_max_over_mean = 0;       ///< routed-expert loads of this draw
  double gpu_max_over_mean_before = 0;   ///< routed rows per GPU, one copy per expert, contiguous
  double gpu_max_over_mean_after = 0;    ///< routed rows per GPU with the scenario's placement
  /// The straggler in absolute terms: with more instances than experts the mean per GPU falls,
  /// so max/mean alone can rise while the slowest GPU gets no slower.
  std::int64_t gpu_max_rows_before = 0;
  std::int64_t gpu_max_rows_after = 0;
  std::int64_t max_rows_per_instance = 0;
  double mean_rows_per_instance = 0;
};

struct MicroBatchWorkload {
  int index = 0;
  std::vector<GpuWorkload> gpus;
  std::vector<AllToAllPhase> traffic;
  RoutingStatistics routing;
  LoadBalance balance;
  std::int64_t routed_pairs = 0;  ///< (token, routed expert) pairs drawn
};

struct MoeLayerWorkload {
  ScenarioConfig scenario;
  ModelConfig model;
  RoutingOptions routing;  ///< with defaults filled in
  ExpertPlacement placement;
  std::vector<MicroBatchWorkload> micro_batches;
};

/// Builds the workload; throws WorkloadError for a scenario that does not fit its model or an
/// unknown score generator. Deterministic for a given seed.
[[nodiscard]] MoeLayerWorkload build_moe_layer_workload(const ScenarioConfig& scenario, const ModelConfig& model,
                                                        const RoutingOptions& options);

[[nodiscard]] std::string operator_kind_name(OperatorKind kind);

}  // namespace codesim::workloads
