#pragma once
// A Mixture-of-Experts model as the workloads need it: layer counts, widths, experts, the
// router and the attention shape, loaded from a data file under workloads/data/models/ that
// cites its public source. Derived sizes (parameters, KV cache) are computed here, so that
// tests can hold them against the published figures.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace codesim::workloads {

enum class AttentionKind {
  kMla,  ///< multi-head latent attention (DeepSeek-V2/V3, Kimi K2)
  kGqa,  ///< grouped-query attention (Qwen3, Mixtral)
};

struct AttentionConfig {
  AttentionKind kind = AttentionKind::kGqa;
  int heads = 0;
  // MLA
  int q_lora_rank = 0;  ///< 0: queries projected directly from the hidden state
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  // GQA
  int kv_heads = 0;
  int head_dim = 0;
};

struct RouterConfig {
  std::string gate;             ///< registered gate name (routing/gate.hpp), e.g. "deepseek-v3"
  int groups = 1;               ///< expert groups (DeepSeek-V3: 8)
  int topk_groups = 1;          ///< groups kept per token (DeepSeek-V3: 4)
  int group_score_experts = 1;  ///< experts summed into a group's score (DeepSeek-V3: 2)
  bool normalise_topk = true;   ///< chosen weights rescaled to sum to 1
  double scaling_factor = 1.0;  ///< applied to the chosen weights (DeepSeek-V3: 2.5)
};

struct ModelConfig {
  std::string name;          ///< catalogue name, e.g. "deepseek-v3"
  std::string display_name;  ///< e.g. "DeepSeek-V3"
  std::string source;        ///< where the numbers come from
  std::string file;          ///< the data file it was read from

  int layers = 0;
  int dense_layers = 0;  ///< leading layers with a dense FFN instead of MoE
  int hidden = 0;
  int vocab = 0;
  bool tied_embeddings = false;
  int dense_intermediate = 0;  ///< FFN width of the dense layers (0 if there are none)
  AttentionConfig attention;

  int routed_experts = 0;
  int shared_experts = 0;
  int expert_intermediate = 0;
  int experts_per_token = 0;  ///< routed experts chosen per token
  RouterConfig router;

  std::string weight_format = "bf16";  ///< numerics format name of the expert weights
  int weight_block = 0;                ///< square weight-scale block (128 for 128x128), 0 = none
  int activation_tile = 0;             ///< 1 x N activation-scale tile (128), 0 = none

  /// Published totals, when the source states them (for checks; never used in arithmetic).
  std::optional<double> published_total_parameters;
  std::optional<double> published_activated_parameters;

  [[nodiscard]] int moe_layers() const { return layers - dense_layers; }
  /// gate, up and down projections of one expert (SwiGLU): 3 * hidden * width.
  [[nodiscard]] std::int64_t expert_parameters() const;
  [[nodiscard]] std::int64_t dense_ffn_parameters() const;
  [[nodiscard]] std::int64_t attention_parameters_per_layer() const;
  [[nodiscard]] std::int64_t router_parameters_per_layer() const;
  [[nodiscard]] std::int64_t embedding_parameters() const;  ///< input embedding and output head
  /// Weight matrices of the whole model; norm vectors (< 0.01%) and MTP modules excluded,
  /// as in the published totals.
  [[nodiscard]] std::int64_t total_parameters() const;
  /// Parameters one token touches: everything but the routed experts it does not choose.
  [[nodiscard]] std::int64_t activated_parameters() const;
  /// KV cache for one token over all layers, `element_bytes` per element (BF16: 2).
  /// MLA caches the latent and the RoPE key; GQA caches K and V of every KV head.
  [[nodiscard]] std::int64_t kv_cache_bytes_per_token(int element_bytes = 2) const;
};

/// Reads and validates a model file; throws WorkloadError naming the file, field and value.
[[nodiscard]] ModelConfig load_model_config(const std::filesystem::path& file);
[[nodiscard]] ModelConfig parse_model_config(const nlohmann::json& json, const std::string& file);
[[nodiscard]] nlohmann::ordered_json model_config_json(const ModelConfig& model);

}  // namespace codesim::workloads
