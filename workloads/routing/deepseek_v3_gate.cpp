// DeepSeek-V3's gate as published ([V3] §2.1.2 eqs. 13-16; config_671B.json and the Gate of
// inference/model.py in github:deepseek-ai/DeepSeek-V3): sigmoid affinities; a per-expert
// bias that steers selection only; node-limited routing that scores each of the G groups by
// the sum of its top bias-adjusted affinities, keeps the best topk_groups groups and picks the
// top-k experts inside them; the chosen (unbiased) affinities normalised to sum to one and
// scaled by the routed scaling factor. No token is ever dropped.
//
// Three implementations of the same choice, tried in turn: choose_deepseek_v3_8x32
// (deepseek_v3_gate_8x32.cpp) for DeepSeek-V3's own shape on AVX-512 machines; choose_by_ranks for any group shape without bias; and
// choose_generic (sorted insertion, any setting). The first two count ranks with comparisons
// instead of branching on the data (mispredicted branches, not arithmetic, were most of the
// gate's time) and hand a token to the next one where equal values make the tie rule matter.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "workloads/routing/deepseek_v3_gate_8x32.hpp"
#include "workloads/routing/gate.hpp"
#include "workloads/routing/gate_bit_tricks.hpp"
#include "workloads/routing/top_k.hpp"

namespace codesim::workloads {
namespace {

// Four floats as one value (GCC/Clang vector extensions): one SSE register on the baseline
// x86-64 target, so the code below needs no instruction-set extension.
using Float4 = float __attribute__((vector_size(16)));
using Int4 = std::int32_t __attribute__((vector_size(16)));
using UInt4 = std::uint32_t __attribute__((vector_size(16)));
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
  const UInt4 bit = {1, 2, 4, 8};
  const Float4 t = Float4{} + threshold;
  UInt4 m = {};
  for (int j = 0; j < 8; ++j) m |= __builtin_bit_cast(UInt4, load4(x + 4 * j) >= t) & (bit << (4 * j));
  m |= __builtin_shufflevector(m, m, 2, 3, 0, 1);
  m |= __builtin_shufflevector(m, m, 1, 0, 3, 2);
  return m[0];
}

/// sigmoid(x) = 1 / (1 + exp(-x)) for four floats, without calling std::exp: exp(-x) as
/// 2^n * e^r with |r| <= ln(2) / 2 and a degree-7 Taylor polynomial for e^r, |x| clamped to 80
/// (where the sigmoid is 0 or 1 to float precision anyway). Checked against the scalar
/// 1 / (1 + std::exp(-x)) on every float in [-32, 32] and a sweep to 1e30: they differ by at
/// most 1.2e-7 (one unit in the last place). Used only to decide which groups are kept when
/// the decision is clear by a wide margin; see choose_by_ranks.
Float4 sigmoid4(Float4 x) {
  const Float4 y = min4(max4(-x, Float4{} - 80.0f), Float4{} + 80.0f);
  const Float4 shifter = Float4{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const Float4 n = (y * 1.44269504f + shifter) - shifter;
  const Float4 r = (y - n * 0.693359375f) - n * -2.12194440e-4f;  // ln 2 in two parts
  Float4 p = Float4{} + (1.0f / 5040.0f);
  p = p * r + (1.0f / 720.0f);
  p = p * r + (1.0f / 120.0f);
  p = p * r + (1.0f / 24.0f);
  p = p * r + (1.0f / 6.0f);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const Int4 exponent = __builtin_convertvector(n, Int4) + 127;
  return 1.0f / (1.0f + p * __builtin_bit_cast(Float4, exponent << 23));
}

/// rank[i] = the number of key[0, n) above key[i], for i < n. `key` holds `padded` entries,
/// padded from n with -infinity to a multiple of 4; rank gets `padded` entries. Four ranks
/// per comparison: each key is compared with a vector of four others at once.
void ranks_above(const float* key, int n, int padded, int* rank) {
  constexpr int kHeld = 4;  // vectors of ranks kept in registers across the keys
  for (int c = 0; c < padded; c += 4 * kHeld) {
    const int vectors = std::min(kHeld, (padded - c) / 4);
    Float4 mine[kHeld];
    Int4 count[kHeld];
    for (int v = 0; v < kHeld; ++v) {
      mine[v] = v < vectors ? load4(key + c + 4 * v) : Float4{} + kLow;
      count[v] = Int4{};
    }
    for (int j = 0; j < n; ++j) {
      const Float4 other = Float4{} + key[j];
      for (int v = 0; v < kHeld; ++v) count[v] -= other > mine[v];  // true is -1
    }
    for (int v = 0; v < vectors; ++v) std::memcpy(rank + c + 4 * v, &count[v], sizeof count[v]);
  }
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

  void choose(std::span<const float> logits, std::size_t tokens, std::span<int> experts) const override {
    const std::size_t e = logits.size() / std::max<std::size_t>(tokens, 1);
    const std::size_t k = experts.size() / std::max<std::size_t>(tokens, 1);
    thread_local std::vector<std::uint8_t> done;
    done.assign(tokens, 0);
    if (!(e == 256 && fits_8x32(k) && choose_deepseek_v3_8x32(logits.data(), tokens, static_cast<int>(k), experts.data(), done.data())))
      done.assign(tokens, 0);
    for (std::size_t t = 0; t < tokens; ++t)
      if (done[t] == 0) route(logits.subspan(t * e, e), {}, experts.subspan(t * k, k), {});
  }

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
  static constexpr float kScoreMargin = 1e-5f;

  static float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

  /// DeepSeek-V3's own router shape, which choose_deepseek_v3_8x32 handles.
  [[nodiscard]] bool fits_8x32(std::size_t k) const {
    return groups_ == 8 && per_group_ == 32 && topk_groups_ == 4 && group_score_experts_ == 2 && k <= 8;
  }

  /// Ranks of the estimated group scores `score` (padded entries are overwritten); true when
  /// they separate the kept groups from the others by more than kScoreMargin.
  bool kept_by_margin(float* score, int padded_groups, int* rank) const {
    for (int g = groups_; g < padded_groups; ++g) score[g] = kLow;
    ranks_above(score, groups_, padded_groups, rank);
    // Four groups at a time, with vector selects: a scalar `keep ? a : b` here compiles to a
    // branch on random data, mispredicted for about half the groups.
    Float4 lowest_kept = Float4{} + std::numeric_limits<float>::infinity();
    Float4 highest_dropped = Float4{} + kLow;
    Int4 rank_sum = {};
    for (int g = 0; g < padded_groups; g += 4) {
      Int4 r;
      std::memcpy(&r, rank + g, sizeof r);
      const Float4 value = load4(score + g);
      const Int4 real = Int4{g, g + 1, g + 2, g + 3} < groups_;
      const Int4 keep = (r < topk_groups_) & real;
      rank_sum += real & r;
      lowest_kept = min4(lowest_kept, keep ? value : lowest_kept);
      highest_dropped = max4(highest_dropped, (keep | ~real) ? highest_dropped : value);
    }
    return rank_sum[0] + rank_sum[1] + rank_sum[2] + rank_sum[3] == groups_ * (groups_ - 1) / 2 &&
           std::min(std::min(lowest_kept[0], lowest_kept[1]), std::min(lowest_kept[2], lowest_kept[3])) -
                   std::max(std::max(highest_dropped[0], highest_dropped[1]),
                            std::max(highest_dropped[2], highest_dropped[3])) >
               kScoreMargin;
  }

  /// The published setting without bias (a group's score is the sum of the sigmoids of its
  /// two largest logits; sigmoid(logit) orders experts as the logit does), by ranks instead
  /// of sorted insertion: a value's rank is the number of values above it, counted with
  /// comparisons that need no branch, so the data cannot make the processor mispredict. The
  /// ranks are a permutation exactly when no two values are equal; otherwise (never seen
  /// with generated logits, but possible) returns false and route() takes the generic path,
  /// whose tie rule then decides.
  bool choose_by_ranks(std::span<const float> logits, std::span<int> experts) const {
    std::uint8_t done = 0;
    if (fits_8x32(experts.size()) && logits.size() == 256 &&
        choose_deepseek_v3_8x32(logits.data(), 1, static_cast<int>(experts.size()), experts.data(), &done) && done != 0)
      return true;
    float first[kMaxRankedGroups];
    float second[kMaxRankedGroups];
    const int padded_groups = (groups_ + 3) / 4 * 4;
    for (int g = 0; g < groups_; ++g)
      top_two(&logits[static_cast<std::size_t>(g * per_group_)], per_group_, first[g], second[g]);
    for (int g = groups_; g < padded_groups; ++g) first[g] = second[g] = 0.0f;
    // Kept groups: those with fewer than topk_groups scores above theirs. The scores are
    // first estimated with sigmoid4 (within 2.5e-7 of the exact float score, see there); when
    // every kept estimate exceeds every dropped one by more than kScoreMargin (40 times that),
    // the exact scores order the two sets the same way and cannot tie across them, so the
    // kept set is the exact one. Otherwise (about one token in a thousand) the exact scores
    // decide.
    float score[kMaxRankedGroups] = {};  // (initialised only to keep GCC's warnings quiet)
    for (int g = 0; g < padded_groups; g += 4) {
      const Float4 estimate = sigmoid4(load4(first + g)) + sigmoid4(load4(second + g));
      std::memcpy(score + g, &estimate, sizeof estimate);
    }
    int rank[kMaxCandidates];
    if (!kept_by_margin(score, padded_groups, rank)) {
      for (int g = 0; g < groups_; ++g) score[g] = sigmoid(first[g]) + sigmoid(second[g]);
      for (int g = groups_; g < padded_groups; ++g) score[g] = kLow;
      ranks_above(score, groups_, padded_groups, rank);
      int rank_sum = 0;
      for (int g = 0; g < groups_; ++g) rank_sum += rank[g];
      if (rank_sum != groups_ * (groups_ - 1) / 2) return false;
    }
    int kept[kMaxRankedGroups];  // ascending
    int n_kept = 0;
    // The kept groups' two largest logits are 2 * topk_groups >= k candidates, so the k-th
    // largest logit is at least the smallest of them: lower logits cannot be chosen.
    float threshold = std::numeric_limits<float>::infinity();
    for (int g = 0; g < groups_; ++g) {
      const int keep = rank[g] < topk_groups_ ? 1 : 0;
      kept[n_kept] = g;
      n_kept += keep;
      const std::uint32_t pick = 0U - static_cast<std::uint32_t>(keep);  // all ones if kept
      const std::uint32_t bits = (std::bit_cast<std::uint32_t>(second[g]) & pick) |
                                 (std::bit_cast<std::uint32_t>(std::numeric_limits<float>::infinity()) & ~pick);
      threshold = std::min(threshold, std::bit_cast<float>(bits));
    }
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
            // An empty mask gives 31: junk, dropped by the count, but read from inside the
            // block (a group narrower than 32 would otherwise read past the logits).
            const int i = std::min(first_bit(mask), width - 1);
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
    // Ranks among the candidates; the k best go to their places. Up to 16 candidates (nearly
    // always) are ranked over 16 padded slots, so that no loop's length depends on the data;
    // padding is -infinity, above no candidate, and goes to the unused slot k.
    const int padded = n <= 16 ? 16 : (n + 3) / 4 * 4;
    std::fill(key + n, key + padded, kLow);
    std::fill(index + n, index + padded, 0);
    ranks_above(key, padded, padded, rank);
    const auto k = static_cast<int>(experts.size());
    int placed[TopK::kMax + 1];
    int rank_sum = 0;
    for (int i = 0; i < padded; ++i) {
      const int real = -static_cast<int>(i < n);  // all ones for a candidate
      rank_sum += rank[i] & real;
      placed[(std::min(rank[i], k) & real) | (k & ~real)] = index[i];  // slot k: not chosen
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
