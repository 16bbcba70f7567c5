#pragma once
// A fixed-point accumulator wide enough to hold any sum the emulator forms exactly
// (products of FP32, FP8 and scale factors), so that reference results and "exact then
// round" tensor-core proposals are computed without any intermediate rounding.
#include <array>
#include <cstdint>

#include "emulator/numerics/float_format.hpp"
#include "emulator/numerics/wide_int.hpp"

namespace codesim::numerics {

class ExactAccumulator {
 public:
  /// Weight of bit 0 of the accumulator, and the number of 64-bit limbs.
  static constexpr int kMinExponent = -1216;
  static constexpr int kLimbs = 38;

  void clear() { limbs_.fill(0); }
  /// Adds (-1)^negative * magnitude * 2^lsb_exponent exactly. Throws std::out_of_range if
  /// the term has bits below 2^kMinExponent or at or above 2^(kMinExponent + 2430). Only
  /// terms are checked: the sum wraps if it reaches 2^(kMinExponent + 2431), which the
  /// emulator's sums (below 2^400) never approach.
  void add(bool negative, UInt128 magnitude, int lsb_exponent);
  /// Adds a finite binary32 or binary64 value exactly.
  void add(float value);
  void add(double value);
  [[nodiscard]] bool is_zero() const;
  [[nodiscard]] bool is_negative() const { return (limbs_[kLimbs - 1] >> 63) != 0; }
  /// The sum correctly rounded to `fmt` (a zero sum gives +0).
  [[nodiscard]] std::uint64_t round(const FloatFormat& fmt, Rounding rounding) const;
  [[nodiscard]] double to_double() const;

 private:
  std::array<std::uint64_t, kLimbs> limbs_{};  // two's complement
};

}  // namespace codesim::numerics
