#include "workloads/routing/normal_ziggurat.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "workloads/routing/avx512_versions.hpp"

namespace codesim::workloads {
namespace {

static_assert(std::endian::native == std::endian::little, "the low half of a word is the first of its two values");

// Words per block of the box pass: two values each, so 256 values (one token of DeepSeek-V3).
constexpr std::size_t kBlockWords = 128;

/// Value `i`'s candidate from its 32-bit half-word: the upper 25 bits (signed) times its
/// layer's width; `outside` is 1 when it falls outside its layer's box (|h| >= edge).
inline void box_one(std::uint32_t half, const float* width, const std::uint32_t* edge, float& out,
                    std::uint8_t& outside) {
  const std::uint32_t layer = half & 127U;
  const auto h = static_cast<std::int32_t>(half & ~std::uint32_t{127});  // signed, uniform
  out = static_cast<float>(h) * width[layer];  // float: the logits are floats anyway
  const std::uint32_t magnitude = h < 0 ? 0U - static_cast<std::uint32_t>(h) : static_cast<std::uint32_t>(h);
  outside = magnitude >= edge[layer] ? 1 : 0;
}

/// The box pass over `words` consecutive words of the stream whose state is `state`: half[i]
/// gets value i's 32-bit half-word, out[i] its candidate and outside[i] says whether sample()
/// must finish it. Plain loops
/// that the compiler vectorises at the baseline x86-64 level (SSE2) and, in the AVX2 version,
/// with AVX2. Every version computes the same integers and the same single float product, so
/// the result does not depend on the machine.
inline __attribute__((always_inline)) void box_pass_loops(std::uint64_t state, std::size_t words,
                                                          const float* __restrict width,
                                                          const std::uint32_t* __restrict edge,
                                                          std::uint32_t* __restrict half, float* __restrict out,
                                                          std::uint8_t* __restrict outside) {
  for (std::size_t i = 0; i < words; ++i) {
    const std::uint64_t word = RandomStream::word_at(state, i);
    half[2 * i] = static_cast<std::uint32_t>(word);
    half[2 * i + 1] = static_cast<std::uint32_t>(word >> 32);
  }
  // box_one, written out: through its reference parameters the compiler loses __restrict
  // and will not vectorise (and a scalar cvtsi2ss then chains every value to the last one
  // through its false dependency on the register it writes).
  for (std::size_t i = 0; i < 2 * words; ++i) {
    const std::uint32_t layer = half[i] & 127U;
    const auto h = static_cast<std::int32_t>(half[i] & ~std::uint32_t{127});
    out[i] = static_cast<float>(h) * width[layer];
    const std::uint32_t magnitude = h < 0 ? 0U - static_cast<std::uint32_t>(h) : static_cast<std::uint32_t>(h);
    outside[i] = magnitude >= edge[layer] ? 1 : 0;
  }
}

#if CODESIM_AVX512_VERSIONS
__attribute__((target("default"))) void box_pass(std::uint64_t state, std::size_t words, const float* width,
                                                 const std::uint32_t* edge, std::uint32_t* half, float* out,
                                                 std::uint8_t* outside) {
  box_pass_loops(state, words, width, edge, half, out, outside);
}

__attribute__((target("avx2"))) void box_pass(std::uint64_t state, std::size_t words, const float* width,
                                              const std::uint32_t* edge, std::uint32_t* half, float* out,
                                              std::uint8_t* outside) {
  box_pass_loops(state, words, width, edge, half, out, outside);
}

// AVX-512 (x86-64-v4): 16 values at a time, the 128-entry tables held in registers and read
// with two-table permutes (vpermt2ps), four per table, instead of gathers. GCC vector
// extensions; the same integer and float operations as box_one.
using U64x8 = std::uint64_t __attribute__((vector_size(64)));
using U32x16 = std::uint32_t __attribute__((vector_size(64)));
using I32x16 = std::int32_t __attribute__((vector_size(64)));
using F32x16 = float __attribute__((vector_size(64)));
using U8x16 = std::uint8_t __attribute__((vector_size(16)));

template <typename Vector, typename Element>
__attribute__((target("arch=x86-64-v4"), always_inline)) inline Vector load_vector(const Element* p) {
  Vector v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// table[index & 127] per lane; `table` is eight 16-lane vectors.
template <typename Vector>
__attribute__((target("arch=x86-64-v4"), always_inline)) inline Vector lookup128(const Vector* table, I32x16 index) {
  const Vector a = __builtin_shuffle(table[0], table[1], index);  // entries 0-31 (index mod 32)
  const Vector b = __builtin_shuffle(table[2], table[3], index);
  const Vector c = __builtin_shuffle(table[4], table[5], index);
  const Vector d = __builtin_shuffle(table[6], table[7], index);
  const I32x16 bit5 = (index & 32) != 0;
  const I32x16 bit6 = (index & 64) != 0;
  const Vector low = bit5 ? b : a;
  const Vector high = bit5 ? d : c;
  return bit6 ? high : low;
}

__attribute__((target("arch=x86-64-v4"))) void box_pass(std::uint64_t state, std::size_t words, const float* width,
                                                        const std::uint32_t* edge, std::uint32_t* half_out, float* out,
                                                        std::uint8_t* outside) {
  F32x16 width_table[8];
  U32x16 edge_table[8];
  for (std::size_t j = 0; j < 8; ++j) {
    width_table[j] = load_vector<F32x16>(width + 16 * j);
    edge_table[j] = load_vector<U32x16>(edge + 16 * j);
  }
  const U64x8 step = {1, 2, 3, 4, 5, 6, 7, 8};
  std::size_t i = 0;
  for (; i + 8 <= words; i += 8) {
    U64x8 z = state + (step + i) * RandomStream::kGamma;  // words i .. i+7, as word_at
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    const auto half = __builtin_bit_cast(I32x16, z);  // low half first, as in memory
    std::memcpy(half_out + 2 * i, &half, sizeof half);
    const I32x16 layer = half & 127;
    const I32x16 h = half & ~127;
    const F32x16 x = __builtin_convertvector(h, F32x16) * lookup128(width_table, layer);
    const auto h_bits = __builtin_bit_cast(U32x16, h);
    const U32x16 magnitude = h < 0 ? 0U - h_bits : h_bits;
    const auto flag = __builtin_bit_cast(U32x16, magnitude >= lookup128(edge_table, layer)) & 1U;
    std::memcpy(out + 2 * i, &x, sizeof x);
    const U8x16 bytes = __builtin_convertvector(flag, U8x16);
    std::memcpy(outside + 2 * i, &bytes, sizeof bytes);
  }
  for (; i < words; ++i) {
    const std::uint64_t w = RandomStream::word_at(state, i);
    half_out[2 * i] = static_cast<std::uint32_t>(w);
    half_out[2 * i + 1] = static_cast<std::uint32_t>(w >> 32);
    box_one(half_out[2 * i], width, edge, out[2 * i], outside[2 * i]);
    box_one(half_out[2 * i + 1], width, edge, out[2 * i + 1], outside[2 * i + 1]);
  }
}
#else
void box_pass(std::uint64_t state, std::size_t words, const float* width, const std::uint32_t* edge,
              std::uint32_t* half, float* out, std::uint8_t* outside) {
  box_pass_loops(state, words, width, edge, half, out, outside);
}
#endif

/// word[k] = word k of the stream whose state is `state`, and unit[k] the uniform it gives
/// (NormalZiggurat::unit), for k < count: sample()'s extra words, computed ahead so that
/// finishing a value waits for nothing but the previous value's word count.
#if CODESIM_AVX512_VERSIONS
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
void extra_words(std::uint64_t state, std::size_t count, std::uint64_t* __restrict word, double* __restrict unit) {
  for (std::size_t k = 0; k < count; ++k) {
    word[k] = RandomStream::word_at(state, k);
    unit[k] = (static_cast<double>(word[k] >> 11) + 0.5) * 0x1p-53;
  }
}

/// Bits 0-7: whether bytes 0-7 of `x` (each 0 or 1) are 1. The multiplier moves byte i's bit
/// to bit 56 + i; no two partial products share a bit, so nothing carries into those bits.
inline std::uint64_t byte_flags_to_bits(std::uint64_t x) { return (x * 0x0102040810204080ULL) >> 56; }

/// std::popcount without the POPCNT instruction (not in baseline x86-64, where GCC calls a
/// library function for it): the classic parallel bit count.
inline int bit_count(std::uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

/// Appends first + (the positions of the set bits of `bits`, ascending) to list[count...],
/// returning the new count. A word with at most 4 bits (97% of them: about 1.75 values in 64
/// fall outside their boxes) is done with no data-dependent branch; the slots past its bits
/// get junk that the count leaves out. `list` needs 8 spare entries.
inline std::size_t append_bit_positions(std::uint64_t bits, std::uint32_t first, std::uint32_t* list,
                                        std::size_t count) {
  const auto bits_set = static_cast<std::size_t>(bit_count(bits));
  const std::size_t slots = bits_set <= 4 ? 4 : bits_set;
  for (std::size_t s = 0; s < slots; ++s) {
    // Bit 63 forced on: countr_zero is then never asked about zero, which without BMI1
    // costs a branch on the data (an empty word gives 63: junk that the count leaves out).
    list[count + s] = first + static_cast<std::uint32_t>(std::countr_zero(bits | (std::uint64_t{1} << 63)));
    bits &= bits - 1;
  }
  return count + bits_set;
}

}  // namespace

std::uint64_t NormalZiggurat::finish_outside(std::span<float> out, const std::uint32_t* half,
                                             const std::uint32_t* outside, std::size_t count,
                                             std::uint64_t extra) const {
  // The fast path below uses at most two extra words per value; a slow one may use more, and
  // then the words are computed again from where it stopped.
  constexpr std::size_t kAhead = 2 * 2 * kBlockWords + 2;
  std::uint64_t word[kAhead];
  double uniform[kAhead];
  std::uint64_t used = 0;
  std::uint64_t base = 0;  // word[k] is extra word base + k
  auto compute_ahead = [&](std::size_t values_left) {
    base = used;
    extra_words(extra + base * RandomStream::kGamma, std::min(kAhead, 2 * values_left + 2), word, uniform);
  };
  if (count > (kAhead - 2) / 2) {
    // Not expected (about 7 of 256 values are outside their boxes); sample() one by one.
    for (std::size_t j = 0; j < count; ++j) {
      auto next = [&] { return RandomStream::word_at(extra, used++); };
      out[outside[j]] = static_cast<float>(sample(half[outside[j]], next));
    }
    return used;
  }
  compute_ahead(count);
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t i = outside[j];
    // What sample() does first, computed without branches: the wedge test with the next
    // extra word and, in case it rejects, the next candidate from the word after. When the
    // wedge test is certain and either accepts or the candidate lands in its box (about 96%
    // of values), that is the result, using 1 or 2 words; anything else (the base layer's
    // tail, the band where exp decides, a second rejection) goes to sample() itself, which
    // starts from the same words and so gives the same value.
    const std::size_t layer = half[i] & 127U;
    const auto h = static_cast<std::int32_t>(half[i] & ~std::uint32_t{127});
    const double x = h * w_[layer];
    const std::size_t wedge = layer == 0 ? 1 : layer;  // the base layer goes to sample()
    const std::size_t k = used - base;
    const double y = f_[wedge] + uniform[k] * (f_[wedge - 1] - f_[wedge]);
    const int side = wedge_side(wedge, x, y);
    const auto next_half = static_cast<std::uint32_t>(word[k + 1] >> 32);
    const std::size_t next_layer = next_half & 127U;
    const auto next_h = static_cast<std::int32_t>(next_half & ~std::uint32_t{127});
    const double next_x = next_h * w_[next_layer];
    const std::uint32_t next_magnitude =
        next_h < 0 ? 0U - static_cast<std::uint32_t>(next_h) : static_cast<std::uint32_t>(next_h);
    const int next_inside = next_magnitude < k_[next_layer] ? 1 : 0;
    // Bitwise, so that the compiler keeps a single, predictable branch.
    const int accepted = side > 0 ? 1 : 0;
    const int fast = (layer != 0 ? 1 : 0) & (accepted | ((side < 0 ? 1 : 0) & next_inside));
    if (fast != 0) [[likely]] {
      const std::uint64_t pick_x = 0 - static_cast<std::uint64_t>(accepted);  // all ones if accepted
      const std::uint64_t bits =
          (std::bit_cast<std::uint64_t>(x) & pick_x) | (std::bit_cast<std::uint64_t>(next_x) & ~pick_x);
      out[i] = static_cast<float>(std::bit_cast<double>(bits));
      used += static_cast<std::uint64_t>(2 - accepted);
    } else {
      auto next = [&] { return RandomStream::word_at(extra, used++); };
      out[i] = static_cast<float>(sample(half[i], next));
      compute_ahead(count - j - 1);
    }
  }
  return used;
}

void NormalZiggurat::fill(std::span<float> out, RandomStream& rng) const {
  const std::size_t n = out.size();
  const std::size_t pairs = n / 2;
  const std::uint64_t state = rng.state();
  // Pass 1 (the box pass) over the whole output, collecting the values outside their boxes;
  // only then do their extra words start, after the ceil(n / 2) words of pass 1.
  std::uint8_t outside[2 * kBlockWords];
  std::uint32_t local_half[2 * kBlockWords];
  std::uint32_t local_list[2 * kBlockWords + 8];
  thread_local std::vector<std::uint32_t> long_half;
  thread_local std::vector<std::uint32_t> long_list;
  std::uint32_t* half = local_half;
  std::uint32_t* list = local_list;
  if (n > 2 * kBlockWords) {
    long_half.resize(n);
    long_list.resize(n + 8);
    half = long_half.data();
    list = long_list.data();
  }
  std::size_t count = 0;
  auto collect = [&](std::size_t first_value, std::size_t values) {
    const std::size_t mask_words = (values + 63) / 64;
    std::fill(outside + values, outside + 64 * mask_words, std::uint8_t{0});
    for (std::size_t m = 0; m < mask_words; ++m) {
      std::uint64_t bits = 0;
      for (std::size_t j = 0; j < 8; ++j) {
        std::uint64_t flags = 0;
        std::memcpy(&flags, outside + 64 * m + 8 * j, sizeof flags);
        bits |= byte_flags_to_bits(flags) << (8 * j);
      }
      count = append_bit_positions(bits, static_cast<std::uint32_t>(first_value + 64 * m), list, count);
    }
  };
  for (std::size_t first = 0; first < pairs; first += kBlockWords) {
    const std::size_t words = std::min(kBlockWords, pairs - first);
    box_pass(state + first * RandomStream::kGamma, words, w_float_.data(), k_.data(), half + 2 * first,
             out.data() + 2 * first, outside);
    collect(2 * first, 2 * words);
  }
  if (n % 2 != 0) {  // an odd count: the last value takes the upper half of one more word
    half[n - 1] = static_cast<std::uint32_t>(RandomStream::word_at(state, pairs) >> 32);
    box_one(half[n - 1], w_float_.data(), k_.data(), out[n - 1], outside[0]);
    collect(n - 1, 1);
  }
  const std::uint64_t extra = state + static_cast<std::uint64_t>((n + 1) / 2) * RandomStream::kGamma;
  rng.skip((n + 1) / 2 + finish_outside(out, half, list, count, extra));
}

}  // namespace codesim::workloads
