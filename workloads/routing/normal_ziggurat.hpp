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
      if (wedge_accepts(layer, x, y)) return x;
      word = static_cast<std::uint32_t>(next() >> 32);
    }
  }

  /// Fills `out` with N(0, 1) variates, two per 64-bit word of `rng` (low half first) in the
  /// common case. A first, vectorised pass keeps every value that lands inside its layer's box
  /// (98.8%); the rest are finished in index order by sample() from the same words, drawing
  /// further words from `rng` after the first ceil(size / 2), so the distribution is exactly
  /// the ziggurat's. Defined in normal_ziggurat.cpp.
  void fill(std::span<float> out, RandomStream& rng) const;

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
    // Layer i's wedge spans |x| from layer i-1's edge (0 for the top layer) to its own.
    for (std::size_t i = 1; i < w_.size(); ++i) {
      const double inner = i == 1 ? 0.0 : w_[i - 1] * kScale;
      const double outer = w_[i] * kScale;
      const double t0 = 0.5 * inner * inner;
      const double t1 = 0.5 * outer * outer;
      wedge_t0_[i] = t0;
      wedge_slope_[i] = (f_[i] - f_[i - 1]) / (t1 - t0);
      wedge_gap_[i] = (t1 - t0) * (t1 - t0) / 8.0 * f_[i - 1];
    }
  }

  /// y < exp(-x^2 / 2), deciding most cases without the exponential. In t = x^2 / 2 the
  /// density exp(-t) is convex, so over the wedge's t interval [t0, t1] it lies below its
  /// chord c(t) and at most (t1 - t0)^2 / 8 * exp(-t0) below it (the chord's error bound for
  /// a function whose second derivative is at most exp(-t0) there). Points clearly above
  /// the chord are rejected and points clearly below chord - bound accepted; the slack of
  /// 1e-12 on both sides dwarfs the rounding of c(t), t and std::exp (about 1e-16), so every
  /// decision is the one the exponential gives. Under 1% of points fall in the narrow band
  /// between and are decided by std::exp itself.
  bool wedge_accepts(std::size_t layer, double x, double y) const {
    const int side = wedge_side(layer, x, y);
    return side != 0 ? side > 0 : y < std::exp(-0.5 * x * x);
  }
  /// 1: certainly accepted, -1: certainly rejected, 0: in the band (ask std::exp).
  int wedge_side(std::size_t layer, double x, double y) const {
    const double t = 0.5 * x * x;
    const double chord = f_[layer - 1] + (t - wedge_t0_[layer]) * wedge_slope_[layer];
    return (y < chord - wedge_gap_[layer] - kSlack ? 1 : 0) - (y >= chord + kSlack ? 1 : 0);
  }

  /// Finishes the values outside their boxes, out[outside[j]] for j < count (ascending), from
  /// their half-words half[outside[j]] and the extra words of the stream whose state is
  /// `extra`, drawn in order as sample() draws them. Returns the number of extra words used.
  /// Defined in normal_ziggurat.cpp.
  std::uint64_t finish_outside(std::span<float> out, const std::uint32_t* half, const std::uint32_t* outside,
                               std::size_t count, std::uint64_t extra) const;

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
  // Per layer's wedge: t at its inner edge, the chord's slope in t, the chord's largest
  // distance above the density.
  std::array<double, 128> wedge_t0_{};
  std::array<double, 128> wedge_slope_{};
  std::array<double, 128> wedge_gap_{};
  static constexpr double kSlack = 1e-12;
};

}  // namespace codesim::workloads
