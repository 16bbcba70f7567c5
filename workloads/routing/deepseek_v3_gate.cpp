// DeepSeek-V3's gate as published ([V3] §2.1.2 eqs. 13-16; config_671B.json and the Gate of
// inference/model.py in github:deepseek-ai/DeepSeek-V3): sigmoid affinities; a per-expert
// bias that steers selection only; node-limited routing that scores each of the G groups by
// the sum of its top bias-adjusted affinities, keeps the best topk_groups groups and picks the
// top-k experts inside them; the chosen (unbiased) affinities normalised to sum to one and
// scaled by the routed scaling factor. No token is ever dropped.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/top_k.hpp"

namespace codesim::workloads {
namespace {

class DeepSeekV3Gate final : public Gate {
 public:
  explicit DeepSeekV3Gate(const ModelConfig& m)
      : groups_(m.router.groups),
        per_group_(m.routed_experts / m.router.groups),
        topk_groups_(m.router.topk_groups),
        group_score_experts_(m.router.group_score_experts),
        normalise_(m.router.normalise_topk),
        scale_(static_cast<float>(m.router.scaling_factor)) {}

  void route(std::span<const float> logits, std::span<const float> bias, std::span<int> experts,
             std::span<float> weights) const override {
    // Without a bias the selection key sigmoid(logit) orders experts exactly as the logit
    // does, so the sigmoid is only evaluated for the values that are summed or returned.
    thread_local std::vector<float> key_buffer;
    std::span<const float> keys = logits;
    if (!bias.empty()) {
      key_buffer.resize(logits.size());
      for (std::size_t i = 0; i < logits.size(); ++i) key_buffer[i] = sigmoid(logits[i]) + bias[i];
      keys = key_buffer;
    }
    // Group score of the published gate: the sum of its best group_score_experts keys.
    auto key_value = [&](int e) {
      return bias.empty() ? sigmoid(logits[static_cast<std::size_t>(e)]) : keys[static_cast<std::size_t>(e)];
    };
    TopK chosen(experts.size());
    if (groups_ > 1) {
      TopK best_groups(static_cast<std::size_t>(topk_groups_));
      float floor[256];  // per group (the model file allows at most 256): smallest key in its score
      for (int g = 0; g < groups_; ++g) {
        const auto group = keys.subspan(static_cast<std::size_t>(g * per_group_), static_cast<std::size_t>(per_group_));
        float score = 0.0f;
        if (group_score_experts_ == 2 && bias.empty()) {
          // The published setting: the two largest logits. Eight independent lanes break the
          // max/min dependency chain; the lanes' pairs are merged at the end.
          constexpr std::size_t kLanes = 8;
          constexpr float kLow = -std::numeric_limits<float>::infinity();
          float lane_first[kLanes];
          float lane_second[kLanes];
          std::fill_n(lane_first, kLanes, kLow);
          std::fill_n(lane_second, kLanes, kLow);
          std::size_t i = 0;
          if (group.size() >= kLanes) {
            // Two 4-wide vectors of lanes (GCC/Clang vector extensions: SSE2 maxps/minps).
            using Float4 = float __attribute__((vector_size(16)));
            auto max4 = [](Float4 a, Float4 b) { return a < b ? b : a; };
            auto min4 = [](Float4 a, Float4 b) { return b < a ? b : a; };
            Float4 first0 = {kLow, kLow, kLow, kLow};
            Float4 first1 = first0;
            Float4 second0 = first0;
            Float4 second1 = first0;
            for (; i + kLanes <= group.size(); i += kLanes) {
              Float4 a;
              Float4 b;
              std::memcpy(&a, &group[i], sizeof a);
              std::memcpy(&b, &group[i + 4], sizeof b);
              second0 = max4(second0, min4(first0, a));
              second1 = max4(second1, min4(first1, b));
              first0 = max4(first0, a);
              first1 = max4(first1, b);
            }
            std::memcpy(lane_first, &first0, sizeof first0);
            std::memcpy(lane_first + 4, &first1, sizeof first1);
            std::memcpy(lane_second, &second0, sizeof second0);
            std::memcpy(lane_second + 4, &second1, sizeof second1);
          }
          for (; i < group.size(); ++i) {
            lane_second[0] = std::max(lane_second[0], std::min(lane_first[0], group[i]));
            lane_first[0] = std::max(lane_first[0], group[i]);
          }
          float first = kLow;
          float second = kLow;
          for (std::size_t l = 0; l < kLanes; ++l) {
            for (const float v : {lane_first[l], lane_second[l]}) {
              second = std::max(second, std::min(first, v));
              first = std::max(first, v);
            }
          }
          score = sigmoid(first) + sigmoid(second);
          floor[g] = second;
        } else {
          TopK in_group(static_cast<std::size_t>(group_score_experts_));
          in_group.offer_range(group, g * per_group_);
          for (std::size_t j = 0; j < in_group.size(); ++j) score += key_value(in_group.index(j));
          floor[g] = in_group.key(in_group.size() - 1);
        }
        best_groups.offer(score, g);
      }
      int kept[TopK::kMax];
      for (std::size_t j = 0; j < best_groups.size(); ++j) kept[j] = best_groups.index(j);
      std::sort(kept, kept + best_groups.size());
      // The kept groups' scored keys are topk_groups * group_score_experts candidates; when
      // they are at least k, the k-th largest key is at least the smallest of them, so lower
      // keys can be skipped with one comparison. Equal keys still go through the tie rule.
      float threshold = -std::numeric_limits<float>::infinity();
      if (static_cast<std::size_t>(topk_groups_) * static_cast<std::size_t>(group_score_experts_) >= experts.size()) {
        threshold = std::numeric_limits<float>::infinity();
        for (std::size_t j = 0; j < best_groups.size(); ++j) threshold = std::min(threshold, floor[kept[j]]);
      }
      // Branch-free compaction of the candidates that pass, then the exact top-k among them.
      thread_local std::vector<int> passed;
      passed.resize(static_cast<std::size_t>(topk_groups_ * per_group_));
      std::size_t n = 0;
      for (std::size_t j = 0; j < best_groups.size(); ++j) {
        const int first = kept[j] * per_group_;
        for (int i = first; i < first + per_group_; ++i) {
          passed[n] = i;
          n += keys[static_cast<std::size_t>(i)] >= threshold ? 1U : 0U;
        }
      }
      for (std::size_t j = 0; j < n; ++j) chosen.offer(keys[static_cast<std::size_t>(passed[j])], passed[j]);
    } else {
      chosen.offer_range(keys, 0);
    }
    float sum = 0.0f;
    for (std::size_t j = 0; j < experts.size(); ++j) {
      experts[j] = chosen.index(j);
      weights[j] = sigmoid(logits[static_cast<std::size_t>(experts[j])]);  // unbiased affinity
      sum += weights[j];
    }
    for (auto& w : weights) w = (normalise_ ? w / sum : w) * scale_;
  }

 private:
  static float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

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
