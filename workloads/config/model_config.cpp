#include "workloads/config/model_config.hpp"

#include "emulator/numerics/float_format.hpp"
#include "workloads/config/workload_error.hpp"
#include "workloads/routing/gate.hpp"

namespace codesim::workloads {

std::int64_t ModelConfig::expert_parameters() const {
  return std::int64_t{3} * hidden * expert_intermediate;
}

std::int64_t ModelConfig::dense_ffn_parameters() const { return std::int64_t{3} * hidden * dense_intermediate; }

std::int64_t ModelConfig::attention_parameters_per_layer() const {
  const std::int64_t h = hidden;
  const auto& a = attention;
  if (a.kind == AttentionKind::kMla) {
    const std::int64_t qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim;
    const std::int64_t q = a.q_lora_rank > 0 ? h * a.q_lora_rank + std::int64_t{a.q_lora_rank} * a.heads * qk_dim
                                             : h * a.heads * qk_dim;
    const std::int64_t kv_a = h * (a.kv_lora_rank + a.qk_rope_head_dim);
    const std::int64_t kv_b = std::int64_t{a.kv_lora_rank} * a.heads * (a.qk_nope_head_dim + a.v_head_dim);
    const std::int64_t o = std::int64_t{a.heads} * a.v_head_dim * h;
    return q + kv_a + kv_b + o;
  }
  const std::int64_t q = h * a.heads * a.head_dim;
  const std::int64_t kv = 2 * h * a.kv_heads * a.head_dim;
  const std::int64_t o = std::int64_t{a.heads} * a.head_dim * h;
  return q + kv + o;
}

std::int64_t ModelConfig::router_parameters_per_layer() const { return std::int64_t{routed_experts} * hidden; }

std::int64_t ModelConfig::embedding_parameters() const {
  return std::int64_t{tied_embeddings ? 1 : 2} * vocab * hidden;
}

std::int64_t ModelConfig::total_parameters() const {
  const std::int64_t moe_layer =
      std::int64_t{routed_experts + shared_experts} * expert_parameters() + router_parameters_per_layer();
  return embedding_parameters() + layers * attention_parameters_per_layer() + dense_layers * dense_ffn_parameters() +
         moe_layers() * moe_layer;
}

std::int64_t ModelConfig::activated_parameters() const {
  const std::int64_t moe_layer =
      std::int64_t{experts_per_token + shared_experts} * expert_parameters() + router_parameters_per_layer();
  return embedding_parameters() + layers * attention_parameters_per_layer() + dense_layers * dense_ffn_parameters() +
         moe_layers() * moe_layer;
}

std::int64_t ModelConfig::kv_cache_bytes_per_token(int element_bytes) const {
  const auto& a = attention;
  const std::int64_t per_layer = a.kind == AttentionKind::kMla ? std::int64_t{a.kv_lora_rank} + a.qk_rope_head_dim
                                                               : std::int64_t{2} * a.kv_heads * a.head_dim;
  return per_layer * element_bytes * layers;
}

namespace {

AttentionConfig read_attention(JsonObjectReader r) {
  AttentionConfig a;
  const std::string kind = r.choice("kind", {"mla", "gqa"});
  a.heads = r.int_field("heads", 1, 4096);
  if (kind == "mla") {
    a.kind = AttentionKind::kMla;
    a.q_lora_rank = r.int_field("q_lora_rank", 0, 1 << 20);
    a.kv_lora_rank = r.int_field("kv_lora_rank", 1, 1 << 20);
    a.qk_nope_head_dim = r.int_field("qk_nope_head_dim", 1, 1 << 16);
    a.qk_rope_head_dim = r.int_field("qk_rope_head_dim", 0, 1 << 16);
    a.v_head_dim = r.int_field("v_head_dim", 1, 1 << 16);
  } else {
    a.kind = AttentionKind::kGqa;
    a.kv_heads = r.int_field("kv_heads", 1, 4096);
    a.head_dim = r.int_field("head_dim", 1, 1 << 16);
    if (a.heads % a.kv_heads != 0) r.fail("kv_heads", "must divide heads (" + std::to_string(a.heads) + ")");
  }
  r.finish();
  return a;
}

RouterConfig read_router(JsonObjectReader r) {
  RouterConfig c;
  c.gate = r.string("gate");
  if (GateRegistry::instance().find(c.gate) == nullptr)
    r.fail("gate", "unknown gate (known: " + GateRegistry::instance().known_names() + ")");
  c.groups = static_cast<int>(r.optional_integer("groups", 1, 256).value_or(1));
  c.topk_groups = static_cast<int>(r.optional_integer("topk_groups", 1, 64).value_or(1));
  c.group_score_experts = static_cast<int>(r.optional_integer("group_score_experts", 1, 64).value_or(1));
  c.normalise_topk = r.boolean("normalise_topk");
  c.scaling_factor = r.optional_number("scaling_factor", 1e-6, 1e6).value_or(1.0);
  r.finish();
  return c;
}

}  // namespace

ModelConfig parse_model_config(const nlohmann::json& json, const std::string& file) {
  JsonObjectReader r(json, file, "");
  ModelConfig m;
  m.file = file;
  m.name = r.string("name");
  m.display_name = r.string("display_name");
  m.source = r.string("source");
  m.layers = r.int_field("layers", 1, 100000);
  m.dense_layers = r.int_field("dense_layers", 0, m.layers - 1);
  m.hidden = r.int_field("hidden_size", 1, 1 << 20);
  m.vocab = r.int_field("vocab_size", 1, 1 << 24);
  m.tied_embeddings = r.boolean("tied_embeddings");
  m.dense_intermediate = static_cast<int>(r.optional_integer("dense_intermediate_size", 1, 1 << 22).value_or(0));
  if (m.dense_layers > 0 && m.dense_intermediate == 0)
    r.fail("dense_intermediate_size", "required when dense_layers > 0");
  m.attention = read_attention(r.object("attention"));

  JsonObjectReader moe = r.object("moe");
  m.routed_experts = static_cast<int>(moe.integer("routed_experts", 1, 1 << 16));
  m.shared_experts = static_cast<int>(moe.integer("shared_experts", 0, 64));
  m.expert_intermediate = static_cast<int>(moe.integer("expert_intermediate_size", 1, 1 << 22));
  m.experts_per_token = static_cast<int>(moe.integer("experts_per_token", 1, 64));
  if (m.experts_per_token > m.routed_experts)
    moe.fail("experts_per_token", "larger than routed_experts (" + std::to_string(m.routed_experts) + ")");
  m.router = read_router(moe.object("router"));
  moe.finish();

  JsonObjectReader q = r.object("quantisation");
  m.weight_format = q.string("weight_format");
  const auto weight_format = numerics::parse_format(m.weight_format);
  if (!weight_format) q.fail("weight_format", "unknown number format");
  m.weight_block = static_cast<int>(q.integer("weight_block", 0, 1 << 16));
  // 8-bit weights carry their scales per block (DeepSeek-V3: 128 x 128); without a block the
  // model names no scaling at all. A block tiles the weight matrices, so it divides both sides.
  if (weight_format->total_bits() <= 8 && m.weight_block == 0)
    q.fail("weight_block", "an 8-bit weight format needs a scale block (DeepSeek-V3: 128)");
  if (m.weight_block > 0 && (m.hidden % m.weight_block != 0 || m.expert_intermediate % m.weight_block != 0))
    q.fail("weight_block", "must divide hidden_size (" + std::to_string(m.hidden) + ") and expert_intermediate_size (" +
                               std::to_string(m.expert_intermediate) + ")");
  m.activation_tile = static_cast<int>(q.integer("activation_tile", 0, 1 << 16));
  if (m.activation_tile > 0 && m.hidden % m.activation_tile != 0)
    q.fail("activation_tile", "must divide hidden_size (" + std::to_string(m.hidden) + ")");
  q.finish();

  if (r.has("published")) {
    JsonObjectReader p = r.object("published");
    m.published_total_parameters = p.optional_number("total_parameters", 1, 1e16);
    m.published_activated_parameters = p.optional_number("activated_parameters", 1, 1e16);
    p.finish();
  }
  r.finish();

  if (const auto problem = GateRegistry::instance().at(m.router.gate).check(m))
    JsonObjectReader::fail_at(file, problem->field, problem->value, problem->why);
  return m;
}

ModelConfig load_model_config(const std::filesystem::path& file) {
  return parse_model_config(read_json_file(file), file.string());
}

nlohmann::ordered_json model_config_json(const ModelConfig& m) {
  nlohmann::ordered_json j;
  j["name"] = m.name;
  j["display_name"] = m.display_name;
  j["source"] = m.source;
  j["layers"] = m.layers;
  j["dense_layers"] = m.dense_layers;
  j["moe_layers"] = m.moe_layers();
  j["hidden_size"] = m.hidden;
  j["routed_experts"] = m.routed_experts;
  j["shared_experts"] = m.shared_experts;
  j["expert_intermediate_size"] = m.expert_intermediate;
  j["experts_per_token"] = m.experts_per_token;
  j["gate"] = m.router.gate;
  j["groups"] = m.router.groups;
  j["topk_groups"] = m.router.topk_groups;
  j["weight_format"] = m.weight_format;
  j["weight_block"] = m.weight_block;
  j["activation_tile"] = m.activation_tile;
  j["expert_parameters"] = m.expert_parameters();
  j["total_parameters"] = m.total_parameters();
  j["activated_parameters"] = m.activated_parameters();
  j["kv_cache_bytes_per_token_bf16"] = m.kv_cache_bytes_per_token(2);
  return j;
}

}  // namespace codesim::workloads
