// DeepSeek-V3's gate as published ([V3] §2.1.2 eqs. 13-16; config_671B.json and the Gate of
// inference/model.py in github:deepseek-ai/DeepSeek-V3): sigmoid affinities; a per-expert
// bias that steers selection only; node-limited routing that scores each of the G groups by
// the sum of its top bias-adjusted affinities, keeps the best topk_groups groups and picks the
// top-k experts inside them; the chosen (unbiased) affinities normalised to sum to one and
// scaled by the routed scaling factor. No token is ever dropped.
#include <algorithm>
#include <cmath>
#include <vector>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/top_k.hpp"

namespace codesim::workloads {
namespace {

class DeepSeekV3Gate final : public Gate {
 public:
  explicit DeepSeekV3Gate(const ModelConfig& m)
      : experts_(m.routed_experts),
        groups_(m.router.groups),
        per_group_(m.routed_experts / m.router.groups),
        topk_groups_(m.router.topk_groups),
        group_score_experts_(m.router.group_score_experts),
        normalise_(m.router.normalise_topk),
        scale_(static_cast<float>(m.router.scaling_factor)) {}

  void route(std::span<const float> logits, std::span<const float> bias, std::span<int> experts,
             std::span<float> weights) const override {
    // thread_local scratch: route() is called per token from several threads.
    thread_local std::vector<float> affinity;
    thread_local std::vector<float> key;
    thread_local std::vector<float> group_score;
    thread_local std::vector<int> candidates;
    thread_local std::vector<int> picked;
    affinity.resize(static_cast<std::size_t>(experts_));
    key.resize(static_cast<std::size_t>(experts_));
    for (std::size_t i = 0; i < affinity.size(); ++i) {
      affinity[i] = 1.0f / (1.0f + std::exp(-logits[i]));
      key[i] = bias.empty() ? affinity[i] : affinity[i] + bias[i];
    }
    const std::span<const float> keys(key);
    candidates.clear();
    if (groups_ > 1) {
      group_score.resize(static_cast<std::size_t>(groups_));
      picked.resize(static_cast<std::size_t>(group_score_experts_));
      for (int g = 0; g < groups_; ++g) {
        top_k_indices(keys.subspan(static_cast<std::size_t>(g * per_group_), static_cast<std::size_t>(per_group_)),
                      {}, std::span<int>(picked));
        float sum = 0.0f;
        for (const int i : picked) sum += keys[static_cast<std::size_t>(g * per_group_ + i)];
        group_score[static_cast<std::size_t>(g)] = sum;
      }
      picked.resize(static_cast<std::size_t>(topk_groups_));
      top_k_indices(std::span<const float>(group_score), {}, std::span<int>(picked));
      std::sort(picked.begin(), picked.end());
      for (const int g : picked)
        for (int i = 0; i < per_group_; ++i) candidates.push_back(g * per_group_ + i);
    }
    top_k_indices(keys, std::span<const int>(candidates), experts);
    float sum = 0.0f;
    for (std::size_t j = 0; j < experts.size(); ++j) {
      weights[j] = affinity[static_cast<std::size_t>(experts[j])];
      sum += weights[j];
    }
    for (auto& w : weights) w = (normalise_ ? w / sum : w) * scale_;
  }

 private:
  int experts_;
  int groups_;
  int per_group_;
  int topk_groups_;
  int group_score_experts_;
  bool normalise_;
  float scale_;
};

std::optional<RouterProblem> check(const ModelConfig& m) {
  const auto& r = m.router;
  if (m.routed_experts % r.groups != 0)
    return RouterProblem{"/moe/router/groups", std::to_string(r.groups),
                         "must divide routed_experts (" + std::to_string(m.routed_experts) + ")"};
  if (r.topk_groups > r.groups)
    return RouterProblem{"/moe/router/topk_groups", std::to_string(r.topk_groups),
                         "larger than groups (" + std::to_string(r.groups) + ")"};
  const int per_group = m.routed_experts / r.groups;
  if (r.groups > 1 && r.group_score_experts > per_group)
    return RouterProblem{"/moe/router/group_score_experts", std::to_string(r.group_score_experts),
                         "larger than the experts per group (" + std::to_string(per_group) + ")"};
  if (m.experts_per_token > r.topk_groups * per_group)
    return RouterProblem{"/moe/experts_per_token", std::to_string(m.experts_per_token),
                         "larger than the experts in the kept groups (" + std::to_string(r.topk_groups * per_group) +
                             ")"};
  return std::nullopt;
}

const GateRegistrar registrar{GateKind{
    "deepseek-v3",
    "sigmoid affinities with selection bias; node-limited: top groups by the sum of their best "
    "affinities, then top-k experts inside them; weights normalised and scaled",
    check, [](const ModelConfig& m) -> std::unique_ptr<Gate> { return std::make_unique<DeepSeekV3Gate>(m); }}};

}  // namespace
}  // namespace codesim::workloads
