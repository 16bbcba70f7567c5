#pragma once
// A deployment scenario: which model, on which cluster, with which parallelism, batch,
// expert placement, communication mode and precisions. Loaded from a data file under
// workloads/data/scenarios/ and checked against its model.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "workloads/config/model_config.hpp"
#include "workloads/placement/expert_placement.hpp"

namespace codesim::workloads {

enum class Phase { kTraining, kPrefill, kDecode };

enum class CommunicationMode {
  /// DeepEP normal kernels ([V3] §3.2.2): a token crosses InfiniBand once per target node, to
  /// the GPU with the sender's in-node index, which forwards it over NVLink; combine mirrors it.
  kNormal,
  /// DeepEP low-latency kernels ([V3] §3.4.2): every (token, expert) copy goes straight to
  /// the expert's GPU by RDMA; NVLink only for same-node peers when `intranode_nvlink`.
  kLowLatency,
};

enum class SharedExpertPlacement {
  kLocal,           ///< every GPU runs the shared expert on its own tokens (no traffic)
  kRoutedReplicas,  ///< served like a routed expert chosen by every token ([V3] EP320 decode)
};

enum class GemmLayout { kContiguous, kMasked };

/// The largest popularity skew (Zipf exponent) a scenario or --skew may ask for: at 16 the
/// second most popular expert is already 2^-16 as likely a top choice as the first.
inline constexpr double kMaxSkew = 16.0;

struct ScenarioConfig {
  std::string name;
  std::string description;
  std::string source;
  std::string file;
  std::string model;  ///< model catalogue name, or a path relative to this file
  Phase phase = Phase::kPrefill;

  int nodes = 0;
  int gpus_per_node = 0;
  int attention_tensor_parallel = 1;
  int attention_data_parallel = 1;
  int pipeline_parallel = 1;

  std::int64_t tokens_per_micro_batch = 0;  ///< tokens entering the MoE layer, per GPU
  int micro_batches = 1;

  int redundant_experts = 0;
  PlacementPolicy placement = PlacementPolicy::kContiguous;
  bool placement_from_previous_draw = true;  ///< load statistics from an earlier batch, not this one
  SharedExpertPlacement shared = SharedExpertPlacement::kLocal;
  int shared_replicas = 0;
  GemmLayout layout = GemmLayout::kContiguous;

  CommunicationMode comm_mode = CommunicationMode::kNormal;
  int comm_sms = 0;  ///< SMs the communication kernels hold while they run
  bool intranode_nvlink = true;
  std::string dispatch_format = "e4m3";
  int dispatch_scale_tile = 128;  ///< elements per scale (0: no scales on the wire)
  int dispatch_scale_bytes = 4;
  int dispatch_metadata_bytes = 0;
  std::string combine_format = "bf16";

  std::string gemm_input_format = "e4m3";
  std::string gemm_output_format = "bf16";
  std::string activation_scaling = "1x128";
  std::string weight_scaling = "128x128";

  std::string scores = "independent";  ///< default score generator
  double skew = 0.0;                   ///< in [0, kMaxSkew]

  [[nodiscard]] int gpus() const { return nodes * gpus_per_node; }
};

/// Reads a scenario file; throws WorkloadError naming the file, field and value.
[[nodiscard]] ScenarioConfig load_scenario_config(const std::filesystem::path& file);
[[nodiscard]] ScenarioConfig parse_scenario_config(const nlohmann::json& json, const std::string& file);

/// Checks that the scenario fits the model (experts divide over GPUs, scale tiles divide the
/// hidden size, ...); throws WorkloadError naming the scenario file, field and value.
void check_scenario_against_model(const ScenarioConfig& scenario, const ModelConfig& model);

/// Bytes on the wire for one token copy (the hidden vector plus its scales and metadata).
[[nodiscard]] std::int64_t dispatch_bytes_per_token(const ScenarioConfig& scenario, const ModelConfig& model);
[[nodiscard]] std::int64_t combine_bytes_per_token(const ScenarioConfig& scenario, const ModelConfig& model);

[[nodiscard]] std::string phase_name(Phase phase);
[[nodiscard]] std::string communication_mode_name(CommunicationMode mode);
[[nodiscard]] std::string gemm_layout_name(GemmLayout layout);
[[nodiscard]] nlohmann::ordered_json scenario_config_json(const ScenarioConfig& scenario);

}  // namespace codesim::workloads
