#include "emulator/numerics/exact_accumulator.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

namespace codesim::numerics {

void ExactAccumulator::add(bool negative, UInt128 magnitude, int lsb_exponent) {
  if (magnitude == 0) return;
  const int position = lsb_exponent - kMinExponent;
  const int top = position + highest_bit(magnitude);
  if (position < 0 || top >= kLimbs * 64 - 2)
    throw std::out_of_range("ExactAccumulator: term 2^" + std::to_string(lsb_exponent) + " out of range");
  const int limb = position / 64;
  const int offset = position % 64;
  // The shifted magnitude spans at most three limbs.
  std::uint64_t parts[3] = {
      static_cast<std::uint64_t>(magnitude << offset),
      static_cast<std::uint64_t>(offset == 0 ? magnitude >> 64 : magnitude >> (64 - offset)),
      static_cast<std::uint64_t>(offset == 0 ? 0 : magnitude >> (128 - offset)),
  };
  if (!negative) {
    std::uint64_t carry = 0;
    for (int i = limb; i < kLimbs; ++i) {
      const std::uint64_t part = i - limb < 3 ? parts[i - limb] : 0;
      if (i - limb >= 3 && carry == 0) break;
      const UInt128 s = UInt128{limbs_[i]} + part + carry;
      limbs_[i] = static_cast<std::uint64_t>(s);
      carry = static_cast<std::uint64_t>(s >> 64);
    }
  } else {
    std::uint64_t borrow = 0;
    for (int i = limb; i < kLimbs; ++i) {
      const std::uint64_t part = i - limb < 3 ? parts[i - limb] : 0;
      if (i - limb >= 3 && borrow == 0) break;
      const std::uint64_t before = limbs_[i];
      const std::uint64_t d = before - part - borrow;
      borrow = (before < part || (before == part && borrow != 0)) ? 1 : 0;
      limbs_[i] = d;
    }
  }
}

void ExactAccumulator::add(double value) {
  if (value == 0.0) return;
  if (!std::isfinite(value)) throw std::domain_error("ExactAccumulator: non-finite value");
  const Unpacked u = unpack(std::bit_cast<std::uint64_t>(value), FloatFormat::fp64());
  add(u.negative, u.significand, u.exponent);
}

void ExactAccumulator::add(float value) { add(static_cast<double>(value)); }

bool ExactAccumulator::is_zero() const {
  for (const auto limb : limbs_)
    if (limb != 0) return false;
  return true;
}

std::uint64_t ExactAccumulator::round(const FloatFormat& fmt, Rounding rounding) const {
  const bool negative = is_negative();
  std::array<std::uint64_t, kLimbs> mag = limbs_;
  if (negative) {  // two's complement negation
    std::uint64_t carry = 1;
    for (auto& limb : mag) {
      limb = ~limb + carry;
      carry = (carry != 0 && limb == 0) ? 1 : 0;
    }
  }
  int h = kLimbs - 1;
  while (h >= 0 && mag[h] == 0) --h;
  if (h < 0) return pack_zero(false, fmt);
  const int msb = h * 64 + 63 - std::countl_zero(mag[h]);
  // Take a 126-bit window below the leading bit; everything under it is sticky.
  const int start = msb >= 125 ? msb - 125 : 0;
  auto bits64 = [&](int from) -> std::uint64_t {  // 64 bits starting at bit `from`
    const int li = from / 64;
    const int off = from % 64;
    const std::uint64_t lo = li < kLimbs ? mag[li] : 0;
    const std::uint64_t hi = li + 1 < kLimbs ? mag[li + 1] : 0;
    return off == 0 ? lo : (lo >> off) | (hi << (64 - off));
  };
  // Bits above msb are zero, so two 64-bit reads give the window exactly.
  const UInt128 window = (UInt128{bits64(start + 64)} << 64) | bits64(start);
  bool sticky = false;
  for (int i = 0; i < start / 64 && !sticky; ++i) sticky = mag[i] != 0;
  if (!sticky && start % 64 != 0) sticky = (mag[start / 64] & ((1ULL << (start % 64)) - 1)) != 0;
  return round_pack(negative, window, start + kMinExponent, sticky, fmt, rounding, false);
}

double ExactAccumulator::to_double() const {
  return std::bit_cast<double>(round(FloatFormat::fp64(), Rounding::kNearestEven));
}

}  // namespace codesim::numerics
