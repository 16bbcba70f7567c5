#include "emulator/network/scenario_traffic.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::network {
namespace {

bool shared_as_routed(const workloads::MoeLayerWorkload& w) {
  return w.scenario.shared == workloads::SharedExpertPlacement::kRoutedReplicas;
}

}  // namespace

TokenCounts scenario_token_counts(const workloads::MoeLayerWorkload& w, int micro_batch, int threads) {
  const auto& s = w.scenario;
  const auto& m = w.model;
  if (micro_batch < 0 || micro_batch >= s.micro_batches)
    throw std::invalid_argument("micro-batch " + std::to_string(micro_batch) + ": scenario " + s.name +
                                " has micro-batches 0.." + std::to_string(s.micro_batches - 1));
  // The same draw as build_moe_layer_workload: token i of micro-batch b uses stream b * tokens + i.
  const auto gate = workloads::GateRegistry::instance().at(m.router.gate).make(m);
  const auto scores = workloads::ScoreGeneratorRegistry::instance()
                          .at(w.routing.scores.value_or(s.scores))
                          .make(workloads::ScoreOptions{w.routing.seed, m.routed_experts, w.routing.skew.value_or(s.skew)});
  const int gpus = s.gpus();
  const std::int64_t tokens = s.tokens_per_micro_batch * gpus;
  const auto draw = workloads::draw_routing(*gate, *scores, m.routed_experts, m.experts_per_token,
                                            static_cast<std::uint64_t>(micro_batch) * static_cast<std::uint64_t>(tokens),
                                            tokens, threads);

  TokenCounts c;
  c.gpus = gpus;
  c.gpus_per_node = s.gpus_per_node;
  c.nodes = s.nodes;
  const auto g = static_cast<std::size_t>(gpus);
  c.gpu_tokens.assign(g * g, 0);
  c.copies.assign(g * g, 0);
  c.node_tokens.assign(g * static_cast<std::size_t>(c.nodes), 0);
  c.forwarded_tokens.assign(g * static_cast<std::size_t>(c.nodes), 0);
  // Round-robin over each expert's replicas in token order, starting afresh every micro-batch.
  const auto& p = w.placement;
  std::vector<std::size_t> next(p.replicas.size(), 0);
  std::vector<std::int64_t> seen_gpu(g, -1);
  std::vector<std::int64_t> seen_node(static_cast<std::size_t>(c.nodes), -1);
  std::vector<std::int64_t> seen_forwarded(static_cast<std::size_t>(c.nodes), -1);
  const int k = draw.top_k;
  const int shared = shared_as_routed(w) ? m.routed_experts : -1;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const auto source = static_cast<std::size_t>(t / s.tokens_per_micro_batch);
    auto reach = [&](int expert) {
      const auto e = static_cast<std::size_t>(expert);
      const auto& reps = p.replicas[e];
      const int d = p.gpu_of_instance(reps[next[e]]);
      next[e] = (next[e] + 1) % reps.size();
      const auto dst = static_cast<std::size_t>(d);
      ++c.copies[source * g + dst];
      if (seen_gpu[dst] != t) {
        seen_gpu[dst] = t;
        ++c.gpu_tokens[source * g + dst];
      }
      const auto node = static_cast<std::size_t>(d / s.gpus_per_node);
      if (seen_node[node] != t) {
        seen_node[node] = t;
        ++c.node_tokens[source * static_cast<std::size_t>(c.nodes) + node];
      }
      const auto gpn = static_cast<std::size_t>(s.gpus_per_node);
      if (dst % gpn != source % gpn && seen_forwarded[node] != t) {
        seen_forwarded[node] = t;
        ++c.forwarded_tokens[source * static_cast<std::size_t>(c.nodes) + node];
      }
    };
    for (int j = 0; j < k; ++j) reach(draw.experts[static_cast<std::size_t>(t * k + j)]);
    if (shared >= 0) reach(shared);
  }
  return c;
}

std::string scenario_collective(const workloads::ScenarioConfig& s) {
  if (s.comm_mode == workloads::CommunicationMode::kNormal) return "normal";
  return s.intranode_nvlink ? "low-latency-nvlink" : "low-latency";
}

AllToAllRequest scenario_alltoall_request(const workloads::MoeLayerWorkload& w, CommOp op, int sms,
                                          const CommunicationOffload& offload) {
  AllToAllRequest q;
  q.mode = scenario_collective(w.scenario);
  q.op = op;
  q.ep = w.scenario.gpus();
  q.tokens = static_cast<int>(w.scenario.tokens_per_micro_batch);
  q.hidden = w.model.hidden;
  const auto* kind = CollectiveRegistry::instance().find(q.mode);
  q.sms = kind != nullptr && kind->holds_sms ? sms : 0;
  q.experts = w.placement.gpus * w.placement.per_gpu;
  q.top_k = w.model.experts_per_token + (shared_as_routed(w) ? 1 : 0);
  q.seed = w.routing.seed;
  q.offload = offload;
  return q;
}

std::optional<std::string> scenario_cluster_problem(const ClusterConfig& cluster, const workloads::ScenarioConfig& s) {
  if (s.gpus_per_node != cluster.gpus_per_node)
    return "scenario " + s.name + " has " + std::to_string(s.gpus_per_node) + " GPUs per node, cluster " +
           cluster.name + " " + std::to_string(cluster.gpus_per_node);
  if (s.gpus() > cluster.gpus())
    return "scenario " + s.name + " needs " + std::to_string(s.gpus()) + " GPUs, cluster " + cluster.name + " has " +
           std::to_string(cluster.gpus());
  return std::nullopt;
}

}  // namespace codesim::network
