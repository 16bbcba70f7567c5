// DeepSeek-V3's own router shape, sixteen lanes at a time (see deepseek_v3_gate_8x32.hpp).
// The same choice as deepseek_v3_gate.cpp's baseline code, bit for bit.
#include "workloads/routing/deepseek_v3_gate_8x32.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "workloads/routing/avx512_versions.hpp"
#include "workloads/routing/gate_bit_tricks.hpp"

namespace codesim::workloads {
namespace {

#if CODESIM_AVX512_VERSIONS
constexpr float kLow = -std::numeric_limits<float>::infinity();

// DeepSeek-V3's own shape (8 groups of 32 experts, 4 groups kept, k <= 8) on x86-64-v4
// machines: the same choice, sixteen lanes at a time. Function multiversioning: the default
// version declines (deepseek_v3_gate.cpp then runs its baseline code); the AVX-512 one is picked
// once at load time where the processor has it. Both compute exactly the same selection.
using F16 = float __attribute__((vector_size(64)));
using I16 = std::int32_t __attribute__((vector_size(64)));
using U8x16 = std::uint8_t __attribute__((vector_size(16)));

__attribute__((target("default"))) bool choose_8x32(const float*, std::size_t, int, int*, std::uint8_t*) { return false; }

/// Bit i set where lane i of `flags` (each 0 or -1) is set.
__attribute__((target("arch=x86-64-v4"), always_inline)) inline std::uint32_t lane_bits(I16 flags) {
  const U8x16 bytes = __builtin_convertvector(flags & 1, U8x16);
  std::uint64_t half[2];
  std::memcpy(half, &bytes, sizeof half);
  // Byte i (0 or 1) to bit i: no two partial products share a bit, so nothing carries.
  return static_cast<std::uint32_t>(((half[0] * 0x0102040810204080ULL) >> 56) |
                                    (((half[1] * 0x0102040810204080ULL) >> 56) << 8));
}

__attribute__((target("arch=x86-64-v4"), always_inline)) inline F16 max16(F16 a, F16 b) { return a < b ? b : a; }
__attribute__((target("arch=x86-64-v4"), always_inline)) inline F16 min16(F16 a, F16 b) { return b < a ? b : a; }

/// As merge_pairs: the top two of the union of the pair (f, s) with the pair (f2, s2).
__attribute__((target("arch=x86-64-v4"), always_inline)) inline void merge16(F16& f, F16& s, F16 f2, F16 s2) {
  s = max16(min16(f, f2), max16(s, s2));
  f = max16(f, f2);
}

/// As sigmoid4, lane for lane (the same operations in the same order; the workloads library
/// is compiled with -ffp-contract=off, so no version fuses a multiply and an add).
__attribute__((target("arch=x86-64-v4"), always_inline)) inline F16 sigmoid16(F16 x) {
  const F16 y = min16(max16(-x, F16{} - 80.0f), F16{} + 80.0f);
  const F16 shifter = F16{} + 12582912.0f;
  const F16 n = (y * 1.44269504f + shifter) - shifter;
  const F16 r = (y - n * 0.693359375f) - n * -2.12194440e-4f;
  F16 p = F16{} + (1.0f / 5040.0f);
  p = p * r + (1.0f / 720.0f);
  p = p * r + (1.0f / 120.0f);
  p = p * r + (1.0f / 24.0f);
  p = p * r + (1.0f / 6.0f);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I16 exponent = __builtin_convertvector(n, I16) + 127;
  return 1.0f / (1.0f + p * __builtin_bit_cast(F16, exponent << 23));
}

__attribute__((target("arch=x86-64-v4"), always_inline)) inline float min_of(F16 v) {
  v = min16(v, __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = min16(v, __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
  v = min16(v, __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  v = min16(v, __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
  return v[0];
}
__attribute__((target("arch=x86-64-v4"), always_inline)) inline float max_of(F16 v) {
  v = max16(v, __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  v = max16(v, __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
  v = max16(v, __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  v = max16(v, __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
  return v[0];
}
/// The sum of lanes 0-7.
__attribute__((target("arch=x86-64-v4"), always_inline)) inline int sum_of_low8(I16 v) {
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  return v[0];
}

__attribute__((target("arch=x86-64-v4"), always_inline)) inline int sum_of_all(I16 v) {
  v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  return sum_of_low8(v);
}

/// Per lane g < 8: the number of lanes 0-7 with a larger value.
__attribute__((target("arch=x86-64-v4"), always_inline)) inline I16 group_ranks(F16 value) {
  I16 rank = {};
  for (int j = 0; j < 8; ++j) rank -= (F16{} + value[j]) > value;  // true is -1
  return rank;
}

/// Phase 1 of choose_8x32: the four kept groups (ascending) and the candidate threshold (the
/// smallest second-largest logit among them); ok false where the generic code must decide.
struct KeptGroups {
  int group[4];
  float threshold;
  bool ok;
};

__attribute__((target("arch=x86-64-v4"), always_inline)) inline KeptGroups keep_groups_8x32(const float* x) {
  constexpr float kHigh = std::numeric_limits<float>::infinity();
  F16 f[8];  // per group: lane-wise largest and second largest of its two 16-lane halves
  F16 s[8];
  for (int g = 0; g < 8; ++g) {
    F16 a;
    F16 b;
    std::memcpy(&a, x + 32 * g, sizeof a);
    std::memcpy(&b, x + 32 * g + 16, sizeof b);
    f[g] = max16(a, b);
    s[g] = min16(a, b);
  }
  // A merge tree that halves the lanes per group at each level while packing two groups'
  // lanes into one vector: after level 1, lanes 0-7 hold group 2p and 8-15 group 2p+1;
  // after level 2, four lanes per group; after level 3, two; after level 4, lane g holds
  // group g's largest (in F) and second largest (in S) logit.
  F16 f1[4];
  F16 s1[4];
  for (int p = 0; p < 4; ++p) {
    const F16 a = f[2 * p];
    const F16 b = f[2 * p + 1];
    const F16 c = s[2 * p];
    const F16 d = s[2 * p + 1];
    f1[p] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    s1[p] = __builtin_shufflevector(c, d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    merge16(f1[p], s1[p], __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31),
            __builtin_shufflevector(c, d, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  }
  F16 f2[2];
  F16 s2[2];
  for (int q = 0; q < 2; ++q) {
    const F16 a = f1[2 * q];
    const F16 b = f1[2 * q + 1];
    const F16 c = s1[2 * q];
    const F16 d = s1[2 * q + 1];
    f2[q] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    s2[q] = __builtin_shufflevector(c, d, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    merge16(f2[q], s2[q], __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31),
            __builtin_shufflevector(c, d, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31));
  }
  F16 f3 = __builtin_shufflevector(f2[0], f2[1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
  F16 s3 = __builtin_shufflevector(s2[0], s2[1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
  merge16(f3, s3, __builtin_shufflevector(f2[0], f2[1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31),
          __builtin_shufflevector(s2[0], s2[1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31));
  F16 first = __builtin_shufflevector(f3, f3, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
  F16 second = __builtin_shufflevector(s3, s3, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
  merge16(first, second, __builtin_shufflevector(f3, f3, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15),
          __builtin_shufflevector(s3, s3, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15));
  // Group scores, estimated as in choose_by_ranks (lanes 0-7 and again 8-15), and their ranks.
  const F16 both = sigmoid16(__builtin_shufflevector(first, second, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  F16 score = both + __builtin_shufflevector(both, both, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  // Everything below stays in vector form or in integer arithmetic: a scalar loop over the
  // groups with `rank < 4 ? a : b` compiles to branches on random data, which mispredicted
  // several times per token and cost more than all the arithmetic.
  I16 rank = group_ranks(score);
  I16 keep = rank < 4;  // lanes 0-7 (and their copies in 8-15)
  const F16 high = F16{} + kHigh;
  const F16 low = F16{} + kLow;
  const float lowest_kept = min_of(keep ? score : high);
  const float highest_dropped = max_of(keep ? low : score);
  KeptGroups out{};
  out.ok = true;
  if (sum_of_low8(rank) != 28 || !(lowest_kept - highest_dropped > 1e-5f)) {  // 1e-5: kScoreMargin
    for (int g = 0; g < 8; ++g)
      score[g] = 1.0f / (1.0f + std::exp(-first[g])) + 1.0f / (1.0f + std::exp(-second[g]));
    for (int g = 8; g < 16; ++g) score[g] = score[g - 8];
    rank = group_ranks(score);
    keep = rank < 4;
    out.ok = sum_of_low8(rank) == 28;
  }
  out.threshold = min_of(keep ? second : high);
  std::uint32_t kept = lane_bits(keep) & 0xFFU;  // four bits when ok
  for (int j = 0; j < 4; ++j) {
    out.group[j] = std::countr_zero(kept | 0x80U) & 7;
    kept &= kept - 1;
  }
  return out;
}

/// Phase 2 of choose_8x32: experts[0, k) from the candidates of the kept groups.
__attribute__((target("arch=x86-64-v4"), always_inline)) inline bool choose_experts_8x32(const float* x,
                                                                                          const KeptGroups& kept,
                                                                                          int k, int* experts) {
  // Candidates: the kept groups' logits at least the threshold. Each kept group writes its
  // (usually at most 8) candidates to its own 8 slots, so the four extractions do not wait
  // for one another; unused slots get -infinity, which is above no candidate.
  alignas(64) float key[32];
  int index[32];
  int counts[4];
  int n = 0;
  bool overflow = false;
  const F16 t = F16{} + kept.threshold;
  for (int j = 0; j < 4; ++j) {
    const int base = 32 * kept.group[j];
    F16 a;
    F16 b;
    std::memcpy(&a, x + base, sizeof a);
    std::memcpy(&b, x + base + 16, sizeof b);
    std::uint32_t mask = lane_bits(a >= t) | (lane_bits(b >= t) << 16);
    const int count = bit_count(mask);
    overflow |= count > 8;
    n += count;
    for (int slot = 0; slot < 8; ++slot) {
      const int i = first_bit(mask);  // 31 (empty mask): a junk slot
      key[8 * j + slot] = x[base + i];
      index[8 * j + slot] = base + i;
      mask &= mask - 1;
    }
    counts[j] = count;
  }
  if (overflow) return false;
  // Unused slots (slot >= its group's count) become -infinity, in vector form.
  const I16 slot_in_group = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7};
  const I16 count_low = {counts[0], counts[0], counts[0], counts[0], counts[0], counts[0], counts[0], counts[0],
                         counts[1], counts[1], counts[1], counts[1], counts[1], counts[1], counts[1], counts[1]};
  const I16 count_high = {counts[2], counts[2], counts[2], counts[2], counts[2], counts[2], counts[2], counts[2],
                          counts[3], counts[3], counts[3], counts[3], counts[3], counts[3], counts[3], counts[3]};
  F16 low;
  F16 high;
  std::memcpy(&low, key, sizeof low);
  std::memcpy(&high, key + 16, sizeof high);
  low = slot_in_group < count_low ? low : F16{} + kLow;
  high = slot_in_group < count_high ? high : F16{} + kLow;
  std::memcpy(key, &low, sizeof low);
  std::memcpy(key + 16, &high, sizeof high);
  // Ranks of all 32 slots among the candidates; two partial counts per vector keep the
  // chains short.
  I16 low0 = {};
  I16 low1 = {};
  I16 high0 = {};
  I16 high1 = {};
  for (int j = 0; j < 32; j += 2) {
    const F16 other0 = F16{} + key[j];
    const F16 other1 = F16{} + key[j + 1];
    low0 -= other0 > low;  // true is -1
    high0 -= other0 > high;
    low1 -= other1 > low;
    high1 -= other1 > high;
  }
  const I16 low_sum = low0 + low1;
  const I16 high_sum = high0 + high1;
  // Unused slots are placed at k (not chosen): their rank becomes k, in vector form.
  const I16 k_vector = I16{} + k;
  const I16 place_low = slot_in_group < count_low ? (low_sum < k_vector ? low_sum : k_vector) : k_vector;
  const I16 place_high = slot_in_group < count_high ? (high_sum < k_vector ? high_sum : k_vector) : k_vector;
  const I16 used_rank = (slot_in_group < count_low ? low_sum : I16{}) + (slot_in_group < count_high ? high_sum : I16{});
  int place[32];
  std::memcpy(place, &place_low, sizeof place_low);
  std::memcpy(place + 16, &place_high, sizeof place_high);
  int placed[9];
  for (int i = 0; i < 32; ++i) placed[place[i]] = index[i];
  if (sum_of_all(used_rank) != n * (n - 1) / 2) return false;
  std::copy_n(placed, k, experts);
  return true;
}

/// experts[t * k, t * k + k) for tokens t < tokens, whose 256 logits are x[256 t, 256 t + 256),
/// in DeepSeek-V3's shape; done[t] false where the generic code must decide (equal values,
/// group scores too close for the estimate, many candidates). Software-pipelined: the kept
/// groups of token t + 1 are found right before the experts of token t, two independent
/// chains of dependent steps that the processor overlaps.
__attribute__((target("arch=x86-64-v4"))) bool choose_8x32(const float* x, std::size_t tokens, int k, int* experts,
                                                         std::uint8_t* done) {
  if (tokens == 0) return true;
  KeptGroups next = keep_groups_8x32(x);
  for (std::size_t t = 0; t < tokens; ++t) {
    const KeptGroups current = next;
    if (t + 1 < tokens) next = keep_groups_8x32(x + 256 * (t + 1));
    done[t] = current.ok && choose_experts_8x32(x + 256 * t, current, k, experts + static_cast<std::size_t>(k) * t) ? 1 : 0;
  }
  return true;
}
#else
bool choose_8x32(const float*, std::size_t, int, int*, std::uint8_t*) { return false; }
#endif

}  // namespace

bool choose_deepseek_v3_8x32(const float* x, std::size_t tokens, int k, int* experts, std::uint8_t* done) {
  return choose_8x32(x, tokens, k, experts, done);  // the multiversioned entry point
}

}  // namespace codesim::workloads
