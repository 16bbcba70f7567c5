#include "workloads/moe_layer/workload_json.hpp"

namespace codesim::workloads {
namespace {

nlohmann::ordered_json sparse(const TrafficMatrix& m) {
  auto out = nlohmann::ordered_json::array();
  for (int s = 0; s < m.gpus(); ++s)
    for (int d = 0; d < m.gpus(); ++d)
      if (const auto b = m.at(s, d); b != 0) out.push_back({s, d, b});
  return out;
}

}  // namespace

nlohmann::ordered_json operator_json(const Operator& op) {
  nlohmann::ordered_json j;
  j["kind"] = operator_kind_name(op.kind);
  j["name"] = op.name;
  switch (op.kind) {
    case OperatorKind::kGemm:
    case OperatorKind::kGroupedGemm:
      j["layout"] = op.layout;
      j["m"] = op.m;
      j["n"] = op.n;
      j["k"] = op.k;
      j["inputs"] = op.in_format;
      j["output"] = op.out_format;
      j["a_scaling"] = op.a_scaling;
      j["b_scaling"] = op.b_scaling;
      break;
    case OperatorKind::kDispatch:
    case OperatorKind::kCombine:
      j["phase"] = op.phase;
      break;
    default:
      j["rows"] = op.rows;
      j["cols"] = op.cols;
      j["input"] = op.in_format;
      j["output"] = op.out_format;
      break;
  }
  return j;
}

nlohmann::ordered_json workload_json(const MoeLayerWorkload& w) {
  nlohmann::ordered_json j;
  j["schema"] = kWorkloadSchema;
  j["scenario"] = scenario_config_json(w.scenario);
  j["model"] = model_config_json(w.model);
  j["routing"] = {{"seed", w.routing.seed}, {"scores", *w.routing.scores}, {"skew", *w.routing.skew}};
  j["wire_bytes_per_token"] = {{"dispatch", dispatch_bytes_per_token(w.scenario, w.model)},
                               {"combine", combine_bytes_per_token(w.scenario, w.model)}};
  auto gpu_experts = nlohmann::ordered_json::array();
  for (int g = 0; g < w.placement.gpus; ++g) {
    auto row = nlohmann::ordered_json::array();
    for (int slot = 0; slot < w.placement.per_gpu; ++slot)
      row.push_back(w.placement.instance_expert[static_cast<std::size_t>(g * w.placement.per_gpu + slot)]);
    gpu_experts.push_back(row);
  }
  j["placement"] = {{"policy", placement_policy_name(w.scenario.placement)},
                    {"instances_per_gpu", w.placement.per_gpu},
                    {"shared_expert_id", w.model.routed_experts},
                    {"gpu_experts", gpu_experts}};
  auto mbs = nlohmann::ordered_json::array();
  for (const auto& mb : w.micro_batches) {
    nlohmann::ordered_json jm;
    jm["index"] = mb.index;
    jm["routed_pairs"] = mb.routed_pairs;
    jm["routing_statistics"] = {{"mean_nodes_per_token", mb.routing.mean_nodes_per_token},
                                {"max_nodes_per_token", mb.routing.max_nodes_per_token},
                                {"mean_remote_nodes_per_token", mb.routing.mean_remote_nodes_per_token},
                                {"mean_gpus_per_token", mb.routing.mean_gpus_per_token},
                                {"nodes_histogram", mb.routing.nodes_histogram}};
    jm["load_balance"] = {{"expert_max_over_mean", mb.balance.expert_max_over_mean},
                          {"gpu_max_over_mean_before", mb.balance.gpu_max_over_mean_before},
                          {"gpu_max_over_mean_after", mb.balance.gpu_max_over_mean_after},
                          {"gpu_max_rows_before", mb.balance.gpu_max_rows_before},
                          {"gpu_max_rows_after", mb.balance.gpu_max_rows_after},
                          {"max_rows_per_instance", mb.balance.max_rows_per_instance},
                          {"mean_rows_per_instance", mb.balance.mean_rows_per_instance}};
    auto gpus = nlohmann::ordered_json::array();
    for (const auto& g : mb.gpus) {
      nlohmann::ordered_json jg;
      jg["gpu"] = g.gpu;
      jg["node"] = g.node;
      jg["tokens"] = g.tokens;
      jg["routed_rows"] = g.routed_rows;
      jg["shared_rows"] = g.shared_rows;
      auto inst = nlohmann::ordered_json::array();
      for (const auto& i : g.instances) inst.push_back({{"expert", i.expert}, {"shared", i.shared}, {"rows", i.rows}});
      jg["instances"] = inst;
      auto ops = nlohmann::ordered_json::array();
      for (const auto& op : g.operators) ops.push_back(operator_json(op));
      jg["operators"] = ops;
      auto traffic = nlohmann::ordered_json::object();
      for (const auto& p : mb.traffic)
        traffic[p.name] = {{"nvlink_sent", p.nvlink.sent_by(g.gpu)},
                           {"nvlink_received", p.nvlink.received_by(g.gpu)},
                           {"infiniband_sent", p.infiniband.sent_by(g.gpu)},
                           {"infiniband_received", p.infiniband.received_by(g.gpu)},
                           {"local", p.local[static_cast<std::size_t>(g.gpu)]}};
      jg["traffic"] = traffic;
      gpus.push_back(jg);
    }
    jm["gpus"] = gpus;
    auto traffic = nlohmann::ordered_json::array();
    for (const auto& p : mb.traffic) {
      std::int64_t local = 0;
      for (const auto b : p.local) local += b;
      traffic.push_back({{"phase", p.name},
                         {"format", p.format},
                         {"bytes_per_copy", p.bytes_per_copy},
                         {"copies", p.copies},
                         {"totals", {{"nvlink", p.nvlink.total()}, {"infiniband", p.infiniband.total()}, {"local", local}}},
                         {"nvlink", sparse(p.nvlink)},
                         {"infiniband", sparse(p.infiniband)}});
    }
    jm["traffic"] = traffic;
    mbs.push_back(jm);
  }
  j["micro_batches"] = mbs;
  return j;
}

}  // namespace codesim::workloads
