#pragma once
// Standard normal variates by the ziggurat method (Marsaglia and Tsang, "The Ziggurat Method
// for Generating Random Variables", J. Stat. Software 5(8), 2000): 128 layers of equal area
// under the density; about 98.8% of draws cost half a 64-bit random word, a table lookup and
// a multiply. The layer index and the value come from disjoint bits of a 32-bit word, which
// avoids the correlation between them in the paper's version (values keep 25 bits, more than
// the float logits they become).
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "workloads/routing/random_stream.hpp"

namespace codesim::workloads {

class NormalZiggurat {
 public:
  static const NormalZiggurat& instance() {
    static const NormalZiggurat z;
    return z;
  }

  /// One N(0, 1) variate from a 32-bit word, drawing more words from `next()` (a source of
  /// uniform 64-bit words) only when the word falls outside its layer's box. The layer is the
  /// word's low 7 bits and the value its upper 25 bits, so the two are independent.
  template <typename Source>
  double sample(std::uint32_t word, Source& next) const {
    for (;;) {
      const auto layer = static_cast<std::size_t>(word & 127U);
      const auto h = static_cast<std::int32_t>(word & ~std::uint32_t{127});  // signed, uniform
      const double x = h * w_[layer];
      if (static_cast<std::uint32_t>(std::abs(static_cast<std::int64_t>(h))) < k_[layer]) return x;  // inside
      if (layer == 0) return tail(next, h > 0);
      // Wedge: accept with the density's height between the layer's two edges.
      const double y = f_[layer] + unit(next()) * (f_[layer - 1] - f_[layer]);
      if (y < std::exp(-0.5 * x * x)) return x;
      word = static_cast<std::uint32_t>(next() >> 32);
    }
  }

  /// Fills `out` with N(0, 1) variates, two per 64-bit word in the common case. A first pass
  /// keeps every value that lands inside its layer's box (98.8%); the rest are finished by
  /// sample() from the same words, so the distribution is exactly the ziggurat's.
  void fill(std::span<float> out, RandomStream& rng) const {
    thread_local std::vector<std::uint32_t> pending_word;
    thread_local std::vector<std::uint32_t> pending_index;
    pending_word.resize(out.size());
    pending_index.resize(out.size());
    std::size_t pending = 0;
    auto fast = [&](std::uint32_t word, std::size_t i) {
      const auto layer = static_cast<std::size_t>(word & 127U);
      const auto h = static_cast<std::int32_t>(word & ~std::uint32_t{127});
      out[i] = static_cast<float>(h) * w_float_[layer];  // float: the logits are floats anyway
      if (static_cast<std::uint32_t>(h < 0 ? -static_cast<std::int64_t>(h) : h) >= k_[layer]) [[unlikely]] {
        pending_word[pending] = word;
        pending_index[pending++] = static_cast<std::uint32_t>(i);
      }
    };
    // A local copy keeps the generator state in a register through the loop.
    RandomStream local = rng;
    std::size_t i = 0;
    for (; i + 1 < out.size(); i += 2) {
      const std::uint64_t u = local.next_u64();
      fast(static_cast<std::uint32_t>(u), i);
      fast(static_cast<std::uint32_t>(u >> 32), i + 1);
    }
    if (i < out.size()) fast(static_cast<std::uint32_t>(local.next_u64() >> 32), i);
    rng = local;
    auto next = [&rng] { return rng.next_u64(); };
    for (std::size_t j = 0; j < pending; ++j)
      out[pending_index[j]] = static_cast<float>(sample(pending_word[j], next));
  }

 private:
  static constexpr double kR = 3.442619855899;            // right edge of the base layer
  static constexpr double kArea = 9.91256303526217e-3;    // area of each layer
  static constexpr double kScale = 2147483648.0;          // 2^31: |h| < 2^31

  NormalZiggurat() {
    double d = kR;
    double t = d;
    const double q = kArea / std::exp(-0.5 * d * d);
    k_[0] = static_cast<std::uint32_t>((d / q) * kScale);
    k_[1] = 0;
    w_[0] = q / kScale;
    w_[127] = d / kScale;
    f_[0] = 1.0;
    f_[127] = std::exp(-0.5 * d * d);
    for (int i = 126; i >= 1; --i) {
      d = std::sqrt(-2.0 * std::log(kArea / d + std::exp(-0.5 * d * d)));
      k_[static_cast<std::size_t>(i + 1)] = static_cast<std::uint32_t>((d / t) * kScale);
      t = d;
      f_[static_cast<std::size_t>(i)] = std::exp(-0.5 * d * d);
      w_[static_cast<std::size_t>(i)] = d / kScale;
    }
    for (std::size_t i = 0; i < w_.size(); ++i) w_float_[i] = static_cast<float>(w_[i]);
  }

  static double unit(std::uint64_t u) { return (static_cast<double>(u >> 11) + 0.5) * 0x1p-53; }

  /// The tail beyond kR (Marsaglia 1964): exponential proposals, accepted against the density.
  template <typename Source>
  static double tail(Source& next, bool positive) {
    double x = 0.0;
    double y = 0.0;
    do {
      x = -std::log(unit(next())) / kR;
      y = -std::log(unit(next()));
    } while (y + y < x * x);
    return positive ? kR + x : -(kR + x);
  }

  std::array<std::uint32_t, 128> k_{};
  std::array<double, 128> w_{};
  std::array<double, 128> f_{};
  std::array<float, 128> w_float_{};
};

}  // namespace codesim::workloads
