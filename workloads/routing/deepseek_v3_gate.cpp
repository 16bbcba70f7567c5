// DeepSeek-V3's gate as published ([V3] §2.1.2 eqs. 13-16; config_671B.json and the Gate of
// inference/model.py in github:deepseek-ai/DeepSeek-V3): sigmoid affinities; a per-expert
// bias that steers selection only; node-limited routing that scores each of the G groups by
// the sum of its top bias-adjusted affinities, keeps the best topk_groups groups and picks the
// top-k experts inside them; the chosen (unbiased) affinities normalised to sum to one and
// scaled by the routed scaling factor. No token is ever dropped.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/top_k.hpp"

namespace codesim::workloads {
namespace {

// Four floats as one value (GCC/Clang vector extensions): one SSE register on the baseline
// x86-64 target, so the code below needs no instruction-set extension.
using Float4 = float __attribute__((vector_size(16)));
using Int4 = std::int32_t __attribute__((vector_size(16)));
constexpr float kLow = -std::numeric_limits<float>::infinity();

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
Float4 max4(Float4 a, Float4 b) { return a < b ? b : a; }
Float4 min4(Float4 a, Float4 b) { return b < a ? b : a; }

/// The two largest values of a multiset (equal values count twice), from per-lane pairs:
/// merging the pairs (f, s) and (f2, s2) keeps max(f, f2) and the larger of the loser and the
/// two runners-up. Exact: max and min only select values.
void merge_pairs(Float4& f, Float4& s, Float4 f2, Float4 s2) {
  s = max4(min4(f, f2), max4(s, s2));
  f = max4(f, f2);
}

/// Largest and second largest of x[0, n), n a positive multiple of 8. Two independent lane
/// sets break the max/min dependency chain; lanes are merged pairwise at the end.
void top_two(const float* x, int n, float& first, float& second) {
  Float4 f0 = load4(x);
  Float4 f1 = load4(x + 4);
  Float4 s0 = Float4{} + kLow;
  Float4 s1 = s0;
  for (int i = 8; i < n; i += 8) {
    const Float4 a = load4(x + i);
    const Float4 b = load4(x + i + 4);
    s0 = max4(s0, min4(f0, a));
    s1 = max4(s1, min4(f1, b));
    f0 = max4(f0, a);
    f1 = max4(f1, b);
  }
  merge_pairs(f0, s0, f1, s1);
  // Lanes 2-3 onto 0-1, then lane 1 onto lane 0.
  merge_pairs(f0, s0, __builtin_shufflevector(f0, f0, 2, 3, 0, 1), __builtin_shufflevector(s0, s0, 2, 3, 0, 1));
  merge_pairs(f0, s0, __builtin_shufflevector(f0, f0, 1, 0, 3, 2), __builtin_shufflevector(s0, s0, 1, 0, 3, 2));
  first = f0[0];
  second = s0[0];
}

/// Bit i set when x[i] >= threshold, for x[0, 32).
std::uint32_t at_least_mask32(const float* x, float threshold) {
  const Int4 bit = {1, 2, 4, 8};
  const Float4 t = Float4{} + threshold;
  Int4 m = (load4(x) >= t) & bit;
  for (int j = 1; j < 8; ++j) m |= (load4(x + 4 * j) >= t) & (bit << (4 * j));
  m |= __builtin_shufflevector(m, m, 2, 3, 0, 1);
  m |= __builtin_shufflevector(m, m, 1, 0, 3, 2);
  return static_cast<std::uint32_t>(m[0]);
}

/// std::popcount without the POPCNT instruction (not in baseline x86-64, where GCC calls a
/// library function for it): the classic parallel bit count.
int bit_count(std::uint32_t x) {
  x = x - ((x >> 1) & 0x55555555U);
  x = (x & 0x33333333U) + ((x >> 2) & 0x33333333U);
  x = (x + (x >> 4)) & 0x0F0F0F0FU;
  return static_cast<int>((x * 0x01010101U) >> 24);
}

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
    const bool by_ranks = groups_ > 1 && groups_ <= kMaxRankedGroups && group_score_experts_ == 2 && bias.empty() &&
                          per_group_ % 8 == 0 && topk_groups_ * per_group_ <= kMaxCandidates &&
                          static_cast<std::size_t>(2 * topk_groups_) >= experts.size();
    if (!by_ranks || !choose_by_ranks(logits, experts)) {
      TopK chosen(experts.size());
      choose_generic(logits, bias, chosen);
      for (std::size_t j = 0; j < experts.size(); ++j) experts[j] = chosen.index(j);
    }
    if (weights.empty()) return;
    float sum = 0.0f;
    for (std::size_t j = 0; j < experts.size(); ++j) {
      weights[j] = sigmoid(logits[static_cast<std::size_t>(experts[j])]);  // unbiased affinity
      sum += weights[j];
    }
    for (auto& w : weights) w = (normalise_ ? w / sum : w) * scale_;
  }

 private:
  static constexpr int kMaxRankedGroups = 64;
  static constexpr int kMaxCandidates = 256;

  static float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

  /// The published setting without bias (a group's score is the sum of the sigmoids of its
  /// two largest logits; sigmoid(logit) orders experts as the logit does), by ranks instead
  /// of sorted insertion: a value's rank is the number of values above it, counted with
  /// comparisons that need no branch, so the data cannot make the processor mispredict. The
  /// ranks are a permutation exactly when no two values are equal; otherwise (never seen
  /// with generated logits, but possible) returns false and route() takes the generic path,
  /// whose tie rule then decides.
  bool choose_by_ranks(std::span<const float> logits, std::span<int> experts) const {
    float first[kMaxRankedGroups];
    float second[kMaxRankedGroups];
    float score[kMaxRankedGroups];
    for (int g = 0; g < groups_; ++g) {
      top_two(&logits[static_cast<std::size_t>(g * per_group_)], per_group_, first[g], second[g]);
      score[g] = sigmoid(first[g]) + sigmoid(second[g]);
    }
    // Kept groups, in ascending order: those with fewer than topk_groups scores above theirs.
    int kept[kMaxRankedGroups];
    int n_kept = 0;
    int rank_sum = 0;
    for (int g = 0; g < groups_; ++g) {
      int rank = 0;
      for (int h = 0; h < groups_; ++h) rank += score[h] > score[g] ? 1 : 0;
      rank_sum += rank;
      kept[n_kept] = g;
      n_kept += rank < topk_groups_ ? 1 : 0;
    }
    if (rank_sum != groups_ * (groups_ - 1) / 2) return false;
    // The kept groups' two largest logits are 2 * topk_groups >= k candidates, so the k-th
    // largest logit is at least the smallest of them: lower logits cannot be chosen.
    float threshold = std::numeric_limits<float>::infinity();
    for (int j = 0; j < n_kept; ++j) threshold = std::min(threshold, second[kept[j]]);
    // The candidates, in ascending expert order. Each 32-expert block's mask usually has at
    // most 8 bits: those are extracted without a data-dependent branch (the extra slots get
    // junk that the count then drops).
    float key[kMaxCandidates + 8];
    int index[kMaxCandidates + 8];
    int n = 0;
    for (int j = 0; j < n_kept; ++j) {
      for (int block = 0; block < per_group_; block += 32) {
        const int base = kept[j] * per_group_ + block;
        const float* x = &logits[static_cast<std::size_t>(base)];
        const int width = std::min(32, per_group_ - block);
        std::uint32_t mask = 0;
        if (width == 32) {
          mask = at_least_mask32(x, threshold);
        } else {
          for (int i = 0; i < width; ++i) mask |= (x[i] >= threshold ? 1U : 0U) << i;
        }
        const int count = bit_count(mask);
        if (count <= 8) [[likely]] {
          for (int slot = 0; slot < 8; ++slot) {
            const int i = std::countr_zero(mask) & 31;  // 32 (empty mask) reads x[0]: junk
            key[n + slot] = x[i];
            index[n + slot] = base + i;
            mask &= mask - 1;
          }
        } else {
          for (int slot = 0; slot < count; ++slot) {
            const int i = std::countr_zero(mask);
            key[n + slot] = x[i];
            index[n + slot] = base + i;
            mask &= mask - 1;
          }
        }
        n += count;
      }
    }
    // Ranks among the candidates; the k best go to their places.
    const int padded = (n + 7) / 8 * 8;
    for (int i = n; i < padded; ++i) key[i] = kLow;
    const auto k = static_cast<int>(experts.size());
    int placed[TopK::kMax + 1];
    rank_sum = 0;
    for (int i = 0; i < n; ++i) {
      int rank = 0;
      for (int j = 0; j < padded; ++j) rank += key[j] > key[i] ? 1 : 0;
      rank_sum += rank;
      placed[std::min(rank, k)] = index[i];  // slot k: not chosen
    }
    if (rank_sum != n * (n - 1) / 2) return false;
    for (int j = 0; j < k; ++j) experts[static_cast<std::size_t>(j)] = placed[j];
    return true;
  }

  /// Any router setting: bias, any number of experts in a group's score.
  void choose_generic(std::span<const float> logits, std::span<const float> bias, TopK& chosen) const {
    // Without a bias the selection key sigmoid(logit) orders experts exactly as the logit
    // does, so the sigmoid is only evaluated for the values that are summed or returned.
    thread_local std::vector<float> key_buffer;
    std::span<const float> keys = logits;
    if (!bias.empty()) {
      key_buffer.resize(logits.size());
      for (std::size_t i = 0; i < logits.size(); ++i) key_buffer[i] = sigmoid(logits[i]) + bias[i];
      keys = key_buffer;
    }
    auto key_value = [&](int e) {
      return bias.empty() ? sigmoid(logits[static_cast<std::size_t>(e)]) : keys[static_cast<std::size_t>(e)];
    };
    if (groups_ <= 1) {
      chosen.offer_range(keys, 0);
      return;
    }
    TopK best_groups(static_cast<std::size_t>(topk_groups_));
    float floor[256];  // per group: smallest key in its score
    for (int g = 0; g < groups_; ++g) {
      const auto group = keys.subspan(static_cast<std::size_t>(g * per_group_), static_cast<std::size_t>(per_group_));
      // Group score of the published gate: the sum of its best group_score_experts keys.
      TopK in_group(static_cast<std::size_t>(group_score_experts_));
      in_group.offer_range(group, g * per_group_);
      float score = 0.0f;
      for (std::size_t j = 0; j < in_group.size(); ++j) score += key_value(in_group.index(j));
      floor[g] = in_group.key(in_group.size() - 1);
      best_groups.offer(score, g);
    }
    int kept[TopK::kMax];
    for (std::size_t j = 0; j < best_groups.size(); ++j) kept[j] = best_groups.index(j);
    std::sort(kept, kept + best_groups.size());
    // As above: the kept groups' scored keys bound the k-th largest key from below.
    float threshold = kLow;
    if (best_groups.size() * static_cast<std::size_t>(group_score_experts_) >= chosen.capacity()) {
      threshold = std::numeric_limits<float>::infinity();
      for (std::size_t j = 0; j < best_groups.size(); ++j) threshold = std::min(threshold, floor[kept[j]]);
    }
    for (std::size_t j = 0; j < best_groups.size(); ++j) {
      const int first = kept[j] * per_group_;
      for (int i = first; i < first + per_group_; ++i)
        if (keys[static_cast<std::size_t>(i)] >= threshold) chosen.offer(keys[static_cast<std::size_t>(i)], i);
    }
  }

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
