// The softmax top-k gate of Mixtral and Qwen3-MoE (HF transformers MixtralSparseMoeBlock,
// Qwen3MoeSparseMoeBlock): softmax over all routed experts, the k most probable chosen, their
// probabilities renormalised to sum to one when the model says so (Mixtral always does, which
// is the same as a softmax over the k chosen logits).
#include <cmath>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/top_k.hpp"

namespace codesim::workloads {
namespace {

class SoftmaxTopKGate final : public Gate {
 public:
  explicit SoftmaxTopKGate(const ModelConfig& m)
      : normalise_(m.router.normalise_topk), scale_(static_cast<float>(m.router.scaling_factor)) {}

  void route(std::span<const float> logits, std::span<const float> bias, std::span<int> experts,
             std::span<float> weights) const override {
    thread_local std::vector<float> key;
    std::span<const float> keys = logits;
    if (!bias.empty()) {
      key.assign(logits.begin(), logits.end());
      for (std::size_t i = 0; i < key.size(); ++i) key[i] += bias[i];
      keys = key;
    }
    TopK top(experts.size());
    top.offer_range(keys, 0);
    for (std::size_t j = 0; j < experts.size(); ++j) experts[j] = top.index(j);
    if (weights.empty()) return;
    float max_logit = logits[0];
    for (const float l : logits) max_logit = std::max(max_logit, l);
    float chosen = 0.0f;
    for (std::size_t j = 0; j < experts.size(); ++j) {
      weights[j] = std::exp(logits[static_cast<std::size_t>(experts[j])] - max_logit);
      chosen += weights[j];
    }
    float denominator = chosen;
    if (!normalise_) {
      denominator = 0.0f;
      for (const float l : logits) denominator += std::exp(l - max_logit);
    }
    for (auto& w : weights) w = w / denominator * scale_;
  }

 private:
  bool normalise_;
  float scale_;
};

std::optional<RouterProblem> check(const ModelConfig& m) {
  if (m.router.groups != 1)
    return RouterProblem{"/moe/router/groups", std::to_string(m.router.groups),
                         "the softmax-top-k gate has no expert groups; must be 1"};
  if (m.router.topk_groups != 1)
    return RouterProblem{"/moe/router/topk_groups", std::to_string(m.router.topk_groups),
                         "the softmax-top-k gate has no expert groups; must be 1"};
  return std::nullopt;
}

const GateRegistrar registrar{GateKind{
    "softmax-top-k", "softmax over the routed experts, top-k by probability, optionally renormalised", check,
    [](const ModelConfig& m) -> std::unique_ptr<Gate> { return std::make_unique<SoftmaxTopKGate>(m); }}};

}  // namespace
}  // namespace codesim::workloads
