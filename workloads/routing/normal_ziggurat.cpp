#include "workloads/routing/normal_ziggurat.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

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

/// The box pass over `words` consecutive words of the stream whose state is `state`: out[i]
/// gets value i's candidate and outside[i] says whether sample() must finish it. Plain loops
/// that the compiler vectorises at the baseline x86-64 level (SSE2) and, in the AVX2 version,
/// with AVX2. Every version computes the same integers and the same single float product, so
/// the result does not depend on the machine.
inline __attribute__((always_inline)) void box_pass_loops(std::uint64_t state, std::size_t words,
                                                          const float* __restrict width,
                                                          const std::uint32_t* __restrict edge,
                                                          float* __restrict out, std::uint8_t* __restrict outside) {
  std::uint64_t word[kBlockWords];
  for (std::size_t i = 0; i < words; ++i) word[i] = RandomStream::word_at(state, i);
  std::uint32_t half[2 * kBlockWords];
  std::memcpy(half, word, words * sizeof word[0]);
  for (std::size_t i = 0; i < 2 * words; ++i) box_one(half[i], width, edge, out[i], outside[i]);
}

__attribute__((target("default"))) void box_pass(std::uint64_t state, std::size_t words, const float* width,
                                                 const std::uint32_t* edge, float* out, std::uint8_t* outside) {
  box_pass_loops(state, words, width, edge, out, outside);
}

__attribute__((target("avx2"))) void box_pass(std::uint64_t state, std::size_t words, const float* width,
                                              const std::uint32_t* edge, float* out, std::uint8_t* outside) {
  box_pass_loops(state, words, width, edge, out, outside);
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
                                                        const std::uint32_t* edge, float* out, std::uint8_t* outside) {
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
    box_one(static_cast<std::uint32_t>(w), width, edge, out[2 * i], outside[2 * i]);
    box_one(static_cast<std::uint32_t>(w >> 32), width, edge, out[2 * i + 1], outside[2 * i + 1]);
  }
}

/// Bits 0-7: whether bytes 0-7 of `x` (each 0 or 1) are 1. The multiplier moves byte i's bit
/// to bit 56 + i; no two partial products share a bit, so nothing carries into those bits.
inline std::uint64_t byte_flags_to_bits(std::uint64_t x) { return (x * 0x0102040810204080ULL) >> 56; }

}  // namespace

void NormalZiggurat::fill(std::span<float> out, RandomStream& rng) const {
  const std::size_t n = out.size();
  const std::size_t pairs = n / 2;
  const std::uint64_t state = rng.state();
  // Values outside their box, as bits: pass 1 records them for the whole output, and only
  // then do their extra words start, after the ceil(n / 2) words of pass 1.
  constexpr std::size_t kMaskWords = 2 * kBlockWords / 64;
  std::uint64_t outside_bits[kMaskWords];
  std::uint8_t outside[2 * kBlockWords];
  auto finish = [&](std::size_t first_value, std::size_t count, RandomStream& extra) {
    for (std::size_t m = 0; m < (count + 63) / 64; ++m) {
      for (std::uint64_t bits = outside_bits[m]; bits != 0; bits &= bits - 1) {
        const std::size_t i = first_value + 64 * m + static_cast<std::size_t>(std::countr_zero(bits));
        const std::uint64_t word = RandomStream::word_at(state, i / 2);
        const bool upper = i % 2 != 0 || i == n - 1;  // an odd count's last value: upper half
        auto next = [&extra] { return extra.next_u64(); };
        out[i] = static_cast<float>(sample(static_cast<std::uint32_t>(upper ? word >> 32 : word), next));
      }
    }
  };
  auto mark = [&](std::size_t count) {
    const std::size_t mask_words = (count + 63) / 64;
    std::fill(outside + count, outside + 64 * mask_words, std::uint8_t{0});
    for (std::size_t m = 0; m < mask_words; ++m) {
      std::uint64_t bits = 0;
      for (std::size_t j = 0; j < 8; ++j) {
        std::uint64_t flags = 0;
        std::memcpy(&flags, outside + 64 * m + 8 * j, sizeof flags);
        bits |= byte_flags_to_bits(flags) << (8 * j);
      }
      outside_bits[m] = bits;
    }
  };
  RandomStream extra = rng;
  extra.skip((n + 1) / 2);
  if (n <= 2 * kBlockWords) {  // one block: the common case
    box_pass(state, pairs, w_float_.data(), k_.data(), out.data(), outside);
    if (n % 2 != 0)  // an odd count: the last value takes the upper half of one more word
      box_one(static_cast<std::uint32_t>(RandomStream::word_at(state, pairs) >> 32), w_float_.data(), k_.data(),
              out[n - 1], outside[n - 1]);
    mark(n);
    finish(0, n, extra);
    rng = extra;
    return;
  }
  // Larger outputs: every block's box pass first, then the values outside, in index order.
  thread_local std::vector<std::uint64_t> all_bits;
  all_bits.assign((n + 63) / 64, 0);
  for (std::size_t first = 0; first < pairs; first += kBlockWords) {
    const std::size_t words = std::min(kBlockWords, pairs - first);
    box_pass(state + first * RandomStream::kGamma, words, w_float_.data(), k_.data(), out.data() + 2 * first, outside);
    mark(2 * words);
    for (std::size_t m = 0; m < (2 * words + 63) / 64; ++m) all_bits[2 * first / 64 + m] = outside_bits[m];
  }
  if (n % 2 != 0) {
    std::uint8_t last = 0;
    box_one(static_cast<std::uint32_t>(RandomStream::word_at(state, pairs) >> 32), w_float_.data(), k_.data(),
            out[n - 1], last);
    all_bits[(n - 1) / 64] |= std::uint64_t{last} << ((n - 1) % 64);
  }
  for (std::size_t m = 0; m < all_bits.size(); m += kMaskWords) {
    const std::size_t count = std::min<std::size_t>(64 * kMaskWords, n - 64 * m);
    std::copy_n(all_bits.begin() + static_cast<std::ptrdiff_t>(m), (count + 63) / 64, outside_bits);
    finish(64 * m, count, extra);
  }
  rng = extra;
}

}  // namespace codesim::workloads
