#include "emulator/network/expert_traffic.hpp"

#include <stdexcept>
#include <string>

#include "workloads/config/model_config.hpp"
#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::network {

ExpertRouting route_experts(const ExpertRoutingRequest& q) {
  if (q.gpus < 1 || q.experts % q.gpus != 0)
    throw std::invalid_argument("EP " + std::to_string(q.gpus) + " does not divide the " + std::to_string(q.experts) +
                                " experts");
  workloads::ModelConfig model;
  model.name = "deepep-test";
  model.routed_experts = q.experts;
  model.experts_per_token = q.top_k;
  model.router.gate = "deepseek-v3";
  model.router.groups = q.groups;
  model.router.topk_groups = q.topk_groups;
  // DeepEP's tests score a group by its best expert (amax).
  model.router.group_score_experts = 1;
  const auto& kind = workloads::GateRegistry::instance().at("deepseek-v3");
  if (const auto problem = kind.check(model))
    throw std::invalid_argument("routing: " + problem->field + " = " + problem->value + ": " + problem->why);
  const auto gate = kind.make(model);
  workloads::ScoreOptions so;
  so.seed = q.seed;
  so.experts = q.experts;
  const auto scores = workloads::ScoreGeneratorRegistry::instance().at("independent").make(so);
  const auto draw = workloads::draw_routing(*gate, *scores, q.experts, q.top_k, 0,
                                            static_cast<std::int64_t>(q.gpus) * q.tokens);
  ExpertRouting r;
  r.gpus = q.gpus;
  r.gpus_per_node = q.gpus_per_node;
  r.tokens = q.tokens;
  r.top_k = q.top_k;
  const int per_gpu = q.experts / q.gpus;
  r.targets = draw.experts;
  for (int& t : r.targets) t /= per_gpu;
  return r;
}

TokenCounts count_tokens(const ExpertRouting& r) {
  TokenCounts c;
  c.gpus = r.gpus;
  c.gpus_per_node = r.gpus_per_node;
  c.nodes = (r.gpus + r.gpus_per_node - 1) / r.gpus_per_node;
  const auto g = static_cast<std::size_t>(r.gpus);
  c.gpu_tokens.assign(g * g, 0);
  c.copies.assign(g * g, 0);
  c.node_tokens.assign(g * static_cast<std::size_t>(c.nodes), 0);
  c.forwarded_tokens.assign(g * static_cast<std::size_t>(c.nodes), 0);
  std::vector<int> seen_gpu(g, -1);
  std::vector<int> seen_node(static_cast<std::size_t>(c.nodes), -1);
  std::vector<int> seen_forwarded(static_cast<std::size_t>(c.nodes), -1);
  int stamp = 0;
  for (int s = 0; s < r.gpus; ++s)
    for (int t = 0; t < r.tokens; ++t, ++stamp) {
      const std::size_t base = (static_cast<std::size_t>(s) * static_cast<std::size_t>(r.tokens) +
                                static_cast<std::size_t>(t)) * static_cast<std::size_t>(r.top_k);
      for (int j = 0; j < r.top_k; ++j) {
        const int d = r.targets[base + static_cast<std::size_t>(j)];
        if (d < 0) continue;
        ++c.copies[static_cast<std::size_t>(s) * g + static_cast<std::size_t>(d)];
        if (seen_gpu[static_cast<std::size_t>(d)] != stamp) {
          seen_gpu[static_cast<std::size_t>(d)] = stamp;
          ++c.gpu_tokens[static_cast<std::size_t>(s) * g + static_cast<std::size_t>(d)];
        }
        const int b = d / r.gpus_per_node;
        if (seen_node[static_cast<std::size_t>(b)] != stamp) {
          seen_node[static_cast<std::size_t>(b)] = stamp;
          ++c.node_tokens[static_cast<std::size_t>(s) * static_cast<std::size_t>(c.nodes) + static_cast<std::size_t>(b)];
        }
        if (d % r.gpus_per_node != s % r.gpus_per_node && seen_forwarded[static_cast<std::size_t>(b)] != stamp) {
          seen_forwarded[static_cast<std::size_t>(b)] = stamp;
          ++c.forwarded_tokens[static_cast<std::size_t>(s) * static_cast<std::size_t>(c.nodes) +
                               static_cast<std::size_t>(b)];
        }
      }
    }
  return c;
}

}  // namespace codesim::network
