#include "workloads/config/scenario_config.hpp"

#include <stdexcept>

#include "emulator/numerics/float_format.hpp"
#include "workloads/config/workload_error.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {
namespace {

constexpr int kMaxGpus = 1024;
constexpr std::int64_t kMaxTokensPerMicroBatch = std::int64_t{1} << 24;  // routing state stays < 1 GB

std::string read_format(JsonObjectReader& r, std::string_view key) {
  std::string s = r.string(key);
  if (!numerics::parse_format(s)) r.fail(key, "unknown number format");
  return s;
}

/// "per-tensor" or "<rows>x<cols>" with positive sizes.
std::string read_scaling(JsonObjectReader& r, std::string_view key) {
  std::string s = r.string(key);
  if (s == "per-tensor") return s;
  const auto x = s.find('x');
  auto positive = [](std::string_view t) {
    return !t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string_view::npos &&
           t.find_first_not_of('0') != std::string_view::npos;
  };
  if (x == std::string::npos || !positive(std::string_view(s).substr(0, x)) ||
      !positive(std::string_view(s).substr(x + 1)))
    r.fail(key, "must be per-tensor or ROWSxCOLS, e.g. 1x128");
  return s;
}

}  // namespace

ScenarioConfig parse_scenario_config(const nlohmann::json& json, const std::string& file) {
  JsonObjectReader r(json, file, "");
  ScenarioConfig s;
  s.file = file;
  s.name = r.string("name");
  s.description = r.string("description");
  s.source = r.string("source");
  s.model = r.string("model");
  const std::string phase = r.choice("phase", {"training", "prefill", "decode"});
  s.phase = phase == "training" ? Phase::kTraining : phase == "prefill" ? Phase::kPrefill : Phase::kDecode;

  JsonObjectReader cluster = r.object("cluster");
  s.nodes = cluster.int_field("nodes", 1, 4096);
  s.gpus_per_node = cluster.int_field("gpus_per_node", 1, 72);
  // Traffic is kept as dense GPU x GPU matrices (8 per micro-batch): 1024 GPUs is 64 MB.
  if (s.gpus() > kMaxGpus)
    cluster.fail("nodes", "nodes x gpus_per_node = " + std::to_string(s.gpus()) + " exceeds the " +
                              std::to_string(kMaxGpus) + " GPUs of one expert-parallel group that codesim models");
  cluster.finish();

  JsonObjectReader par = r.object("parallelism");
  const int expert = par.int_field("expert", 1, 1 << 20);
  if (expert != s.gpus())
    par.fail("expert", "must equal cluster nodes x gpus_per_node (" + std::to_string(s.gpus()) +
                           "): the simulated cluster is one expert-parallel group");
  s.attention_tensor_parallel = par.int_field("attention_tensor", 1, 1024);
  s.attention_data_parallel = par.int_field("attention_data", 1, 1 << 20);
  s.pipeline_parallel = par.int_field("pipeline", 1, 1024);
  par.finish();

  JsonObjectReader tokens = r.object("tokens");
  s.tokens_per_micro_batch = tokens.integer("per_gpu_per_micro_batch", 1, 1 << 20);
  if (s.tokens_per_micro_batch * s.gpus() > kMaxTokensPerMicroBatch)
    tokens.fail("per_gpu_per_micro_batch", "times " + std::to_string(s.gpus()) + " GPUs exceeds " +
                                               std::to_string(kMaxTokensPerMicroBatch) + " tokens per micro-batch");
  s.micro_batches = tokens.int_field("micro_batches", 1, 64);
  tokens.finish();

  JsonObjectReader experts = r.object("experts");
  s.redundant_experts = experts.int_field("redundant", 0, 1 << 16);
  const std::string placement = experts.choice("placement", {"contiguous", "hierarchical", "global"});
  s.placement = placement == "contiguous"     ? PlacementPolicy::kContiguous
                : placement == "hierarchical" ? PlacementPolicy::kHierarchical
                                              : PlacementPolicy::kGlobal;
  s.placement_from_previous_draw = experts.choice("load_statistics", {"previous-draw", "same-draw"}) == "previous-draw";
  s.shared = experts.choice("shared", {"local", "routed-replicas"}) == "local" ? SharedExpertPlacement::kLocal
                                                                              : SharedExpertPlacement::kRoutedReplicas;
  s.shared_replicas = experts.int_field("shared_replicas", 0, 1 << 16);
  if (s.shared == SharedExpertPlacement::kRoutedReplicas && s.shared_replicas == 0)
    experts.fail("shared_replicas", "must be at least 1 when shared is routed-replicas");
  if (s.shared == SharedExpertPlacement::kLocal && s.shared_replicas != 0)
    experts.fail("shared_replicas", "must be 0 when shared is local");
  s.layout = experts.choice("gemm_layout", {"contiguous", "masked"}) == "contiguous" ? GemmLayout::kContiguous
                                                                                    : GemmLayout::kMasked;
  experts.finish();

  JsonObjectReader comm = r.object("communication");
  s.comm_mode = comm.choice("mode", {"normal", "low-latency"}) == "normal" ? CommunicationMode::kNormal
                                                                          : CommunicationMode::kLowLatency;
  s.comm_sms = comm.int_field("sms", 0, 1024);
  s.intranode_nvlink = comm.boolean("intranode_nvlink");
  if (s.comm_mode == CommunicationMode::kNormal && !s.intranode_nvlink)
    comm.fail("intranode_nvlink", "normal mode forwards inside the node over NVLink; must be true");
  s.dispatch_format = read_format(comm, "dispatch_format");
  s.dispatch_scale_tile = comm.int_field("dispatch_scale_tile", 0, 1 << 16);
  s.dispatch_scale_bytes = comm.int_field("dispatch_scale_bytes", 0, 16);
  s.dispatch_metadata_bytes = comm.int_field("dispatch_metadata_bytes", 0, 1 << 16);
  s.combine_format = read_format(comm, "combine_format");
  comm.finish();

  JsonObjectReader prec = r.object("precision");
  s.gemm_input_format = read_format(prec, "gemm_inputs");
  s.gemm_output_format = read_format(prec, "gemm_output");
  s.activation_scaling = read_scaling(prec, "activation_scaling");
  s.weight_scaling = read_scaling(prec, "weight_scaling");
  prec.finish();

  JsonObjectReader routing = r.object("routing");
  s.scores = routing.string("scores");
  if (ScoreGeneratorRegistry::instance().find(s.scores) == nullptr)
    routing.fail("scores", "unknown score generator (known: " + ScoreGeneratorRegistry::instance().known_names() + ")");
  s.skew = routing.number("skew", 0.0, kMaxSkew);
  routing.finish();
  r.finish();
  return s;
}

ScenarioConfig load_scenario_config(const std::filesystem::path& file) {
  return parse_scenario_config(read_json_file(file), file.string());
}

void check_scenario_against_model(const ScenarioConfig& s, const ModelConfig& m) {
  auto fail = [&](const std::string& field, const std::string& value, const std::string& why) {
    JsonObjectReader::fail_at(s.file, field, value, why + " (model " + m.name + ")");
  };
  if (s.shared == SharedExpertPlacement::kRoutedReplicas && m.shared_experts != 1)
    fail("/experts/shared", "\"routed-replicas\"",
         "serving the shared expert as a routed one needs exactly one shared expert, the model has " +
             std::to_string(m.shared_experts));
  const int instances = m.routed_experts + s.redundant_experts + s.shared_replicas;
  if (instances % s.gpus() != 0)
    fail("/experts/redundant", std::to_string(s.redundant_experts),
         std::to_string(m.routed_experts) + " routed + " + std::to_string(s.redundant_experts) + " redundant + " +
             std::to_string(s.shared_replicas) + " shared expert instances do not divide over " +
             std::to_string(s.gpus()) + " GPUs");
  PlacementRequest request{m.routed_experts, m.router.groups, s.redundant_experts, s.shared_replicas,
                           s.nodes,          s.gpus_per_node,  s.placement};
  try {
    validate_placement_request(request);
  } catch (const std::invalid_argument& e) {
    fail("/experts/placement", "\"" + placement_policy_name(s.placement) + "\"", e.what());
  }
  if (s.dispatch_scale_tile > 0 && m.hidden % s.dispatch_scale_tile != 0)
    fail("/communication/dispatch_scale_tile", std::to_string(s.dispatch_scale_tile),
         "must divide the hidden size " + std::to_string(m.hidden));
  for (const auto& [field, format] : {std::pair{"/communication/dispatch_format", s.dispatch_format},
                                      std::pair{"/communication/combine_format", s.combine_format}}) {
    const auto f = numerics::parse_format(format);
    if ((static_cast<std::int64_t>(m.hidden) * f->total_bits()) % 8 != 0)
      fail(field, "\"" + format + "\"", "a hidden vector of this format is not a whole number of bytes");
  }
}

std::int64_t dispatch_bytes_per_token(const ScenarioConfig& s, const ModelConfig& m) {
  const auto f = numerics::parse_format(s.dispatch_format);
  const std::int64_t data = static_cast<std::int64_t>(m.hidden) * f->total_bits() / 8;
  const std::int64_t scales =
      s.dispatch_scale_tile > 0 ? static_cast<std::int64_t>(m.hidden / s.dispatch_scale_tile) * s.dispatch_scale_bytes : 0;
  return data + scales + s.dispatch_metadata_bytes;
}

std::int64_t combine_bytes_per_token(const ScenarioConfig& s, const ModelConfig& m) {
  const auto f = numerics::parse_format(s.combine_format);
  return static_cast<std::int64_t>(m.hidden) * f->total_bits() / 8;
}

std::string phase_name(Phase p) {
  return p == Phase::kTraining ? "training" : p == Phase::kPrefill ? "prefill" : "decode";
}
std::string communication_mode_name(CommunicationMode m) {
  return m == CommunicationMode::kNormal ? "normal" : "low-latency";
}
std::string gemm_layout_name(GemmLayout l) { return l == GemmLayout::kContiguous ? "contiguous" : "masked"; }

nlohmann::ordered_json scenario_config_json(const ScenarioConfig& s) {
  nlohmann::ordered_json j;
  j["name"] = s.name;
  j["description"] = s.description;
  j["source"] = s.source;
  j["model"] = s.model;
  j["phase"] = phase_name(s.phase);
  j["cluster"] = {{"nodes", s.nodes}, {"gpus_per_node", s.gpus_per_node}, {"gpus", s.gpus()}};
  j["parallelism"] = {{"expert", s.gpus()},
                      {"attention_tensor", s.attention_tensor_parallel},
                      {"attention_data", s.attention_data_parallel},
                      {"pipeline", s.pipeline_parallel}};
  j["tokens"] = {{"per_gpu_per_micro_batch", s.tokens_per_micro_batch}, {"micro_batches", s.micro_batches}};
  j["experts"] = {{"redundant", s.redundant_experts},
                  {"placement", placement_policy_name(s.placement)},
                  {"load_statistics", s.placement_from_previous_draw ? "previous-draw" : "same-draw"},
                  {"shared", s.shared == SharedExpertPlacement::kLocal ? "local" : "routed-replicas"},
                  {"shared_replicas", s.shared_replicas},
                  {"gemm_layout", gemm_layout_name(s.layout)}};
  j["communication"] = {{"mode", communication_mode_name(s.comm_mode)},
                        {"sms", s.comm_sms},
                        {"intranode_nvlink", s.intranode_nvlink},
                        {"dispatch_format", s.dispatch_format},
                        {"dispatch_scale_tile", s.dispatch_scale_tile},
                        {"dispatch_scale_bytes", s.dispatch_scale_bytes},
                        {"dispatch_metadata_bytes", s.dispatch_metadata_bytes},
                        {"combine_format", s.combine_format}};
  j["precision"] = {{"gemm_inputs", s.gemm_input_format},
                    {"gemm_output", s.gemm_output_format},
                    {"activation_scaling", s.activation_scaling},
                    {"weight_scaling", s.weight_scaling}};
  return j;
}

}  // namespace codesim::workloads
