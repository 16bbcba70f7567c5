#include "emulator/numerics/float_format.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <stdexcept>

namespace codesim::numerics {
namespace {

FloatFormat ieee(std::string name, int exp_bits, int man_bits) {
  FloatFormat f;
  f.name = std::move(name);
  f.exp_bits = exp_bits;
  f.man_bits = man_bits;
  f.bias = (1 << (exp_bits - 1)) - 1;
  return f;
}

std::uint64_t mask(int bits) { return bits >= 64 ? ~0ULL : (1ULL << bits) - 1; }

std::uint64_t sign_bit(bool negative, const FloatFormat& fmt) {
  return (negative && fmt.is_signed) ? 1ULL << (fmt.exp_bits + fmt.man_bits) : 0;
}

std::uint64_t pack_finite(bool negative, int biased, std::uint64_t fraction, const FloatFormat& fmt) {
  return sign_bit(negative, fmt) | (static_cast<std::uint64_t>(biased) << fmt.man_bits) | fraction;
}

std::uint64_t overflow_result(bool negative, const FloatFormat& fmt, Rounding rounding, bool saturate) {
  if (saturate || rounding == Rounding::kTowardZero) return pack_max_finite(negative, fmt);
  return fmt.has_inf ? pack_inf(negative, fmt) : pack_nan(negative, fmt);
}

}  // namespace

int FloatFormat::max_exponent() const {
  const int top = (1 << exp_bits) - 1;
  if (nan == NanEncoding::kIeee || man_bits == 0) return top - 1 - bias;
  return top - bias;
}

std::uint64_t FloatFormat::max_significand() const {
  const std::uint64_t all = mask(man_bits + 1);
  if (nan == NanEncoding::kAllOnes && man_bits > 0) return all - 1;
  return all;
}

const FloatFormat& FloatFormat::e4m3() {
  static const FloatFormat f = [] {
    FloatFormat x = ieee("e4m3", 4, 3);
    x.has_inf = false;  // OCP E4M3: the top binade is finite except S.1111.111
    x.nan = NanEncoding::kAllOnes;
    return x;
  }();
  return f;
}
const FloatFormat& FloatFormat::e5m2() { static const FloatFormat f = ieee("e5m2", 5, 2); return f; }
const FloatFormat& FloatFormat::bf16() { static const FloatFormat f = ieee("bf16", 8, 7); return f; }
const FloatFormat& FloatFormat::fp16() { static const FloatFormat f = ieee("fp16", 5, 10); return f; }
const FloatFormat& FloatFormat::fp32() { static const FloatFormat f = ieee("fp32", 8, 23); return f; }
const FloatFormat& FloatFormat::fp64() { static const FloatFormat f = ieee("fp64", 11, 52); return f; }
const FloatFormat& FloatFormat::tf32() { static const FloatFormat f = ieee("tf32", 8, 10); return f; }
const FloatFormat& FloatFormat::e5m6() { static const FloatFormat f = ieee("e5m6", 5, 6); return f; }
const FloatFormat& FloatFormat::fp22() { static const FloatFormat f = ieee("fp22", 8, 13); return f; }
const FloatFormat& FloatFormat::ue8m0() {
  static const FloatFormat f = [] {
    FloatFormat x = ieee("ue8m0", 8, 0);
    x.is_signed = false;  // OCP MX scale: 2^(E-127), 0xFF is NaN, no zero, no infinity
    x.has_inf = false;
    x.nan = NanEncoding::kAllOnes;
    x.has_subnormals = false;
    return x;
  }();
  return f;
}

std::vector<std::string> preset_format_names() {
  return {"e4m3", "e5m2", "bf16", "fp16", "fp32", "fp64", "tf32", "e5m6", "ue8m0", "fp22"};
}

std::optional<FloatFormat> parse_format(std::string_view name) {
  using F = FloatFormat;
  for (const F* f : {&F::e4m3(), &F::e5m2(), &F::bf16(), &F::fp16(), &F::fp32(), &F::fp64(),
                     &F::tf32(), &F::e5m6(), &F::ue8m0(), &F::fp22()}) {
    if (f->name == name) return *f;
  }
  // Generic IEEE-like eXmY.
  if (name.size() < 4 || name[0] != 'e') return std::nullopt;
  const auto m = name.find('m');
  if (m == std::string_view::npos) return std::nullopt;
  int x = 0;
  int y = 0;
  const char* first = name.data();
  const auto rx = std::from_chars(first + 1, first + m, x);
  const auto ry = std::from_chars(first + m + 1, first + name.size(), y);
  if (rx.ec != std::errc{} || rx.ptr != first + m || ry.ec != std::errc{} || ry.ptr != first + name.size())
    return std::nullopt;
  if (x < 2 || x > 11 || y < 1 || y > 52) return std::nullopt;
  return ieee(std::string(name), x, y);
}

Unpacked unpack(std::uint64_t bits, const FloatFormat& fmt) {
  Unpacked u;
  u.negative = fmt.is_signed && ((bits >> (fmt.exp_bits + fmt.man_bits)) & 1U) != 0;
  const std::uint64_t all_ones = mask(fmt.exp_bits);
  const std::uint64_t ef = (bits >> fmt.man_bits) & all_ones;
  const std::uint64_t mf = bits & mask(fmt.man_bits);
  if (fmt.nan == NanEncoding::kIeee && ef == all_ones) {
    u.cls = mf == 0 ? FloatClass::kInf : FloatClass::kNan;
    return u;
  }
  if (fmt.nan == NanEncoding::kAllOnes && ef == all_ones && mf == mask(fmt.man_bits)) {
    u.cls = FloatClass::kNan;
    return u;
  }
  if (ef == 0 && fmt.has_subnormals) {
    if (mf == 0) {
      u.cls = FloatClass::kZero;
      return u;
    }
    u.cls = FloatClass::kFinite;
    u.significand = mf;
    u.exponent = fmt.min_exponent() - fmt.man_bits;
    return u;
  }
  u.cls = FloatClass::kFinite;
  u.significand = (1ULL << fmt.man_bits) | mf;
  u.exponent = static_cast<int>(ef) - fmt.bias - fmt.man_bits;
  return u;
}

std::uint64_t pack_zero(bool negative, const FloatFormat& fmt) {
  // Formats without zero (UE8M0) return their smallest value.
  return sign_bit(negative, fmt);
}

std::uint64_t pack_max_finite(bool negative, const FloatFormat& fmt) {
  return pack_finite(negative, fmt.max_exponent() + fmt.bias, fmt.max_significand() & mask(fmt.man_bits), fmt);
}

std::uint64_t pack_inf(bool negative, const FloatFormat& fmt) {
  assert(fmt.has_inf);
  return sign_bit(negative, fmt) | (mask(fmt.exp_bits) << fmt.man_bits);
}

std::uint64_t pack_nan(bool negative, const FloatFormat& fmt) {
  // All-ones exponent and fraction: NVIDIA's canonical NaN for FP8, FP16, BF16 and FP32.
  return sign_bit(negative, fmt) | mask(fmt.exp_bits + fmt.man_bits);
}

std::uint64_t round_pack(bool negative, UInt128 magnitude, int lsb_exponent, bool sticky,
                         const FloatFormat& fmt, Rounding rounding, bool saturate) {
  if (magnitude == 0 && !sticky) return pack_zero(negative, fmt);
  if (negative && !fmt.is_signed) return pack_nan(false, fmt);
  if (sticky) {  // fold the sticky information into one extra lowest bit
    assert(magnitude >> 126 == 0);
    magnitude = (magnitude << 1) | 1U;
    --lsb_exponent;
  }
  const int msb = highest_bit(magnitude);
  const int exponent = msb + lsb_exponent;
  int quantum = std::max(exponent, fmt.min_exponent()) - fmt.man_bits;
  const int shift = quantum - lsb_exponent;
  UInt128 sig = 0;
  if (shift <= 0) {
    sig = magnitude << -shift;
  } else {
    bool half = false;
    bool rest = true;
    if (shift - 1 <= msb) {
      sig = shift >= 128 ? 0 : magnitude >> shift;
      half = ((magnitude >> (shift - 1)) & 1U) != 0;
      rest = (magnitude & ((UInt128{1} << (shift - 1)) - 1)) != 0;
    }
    if (rounding == Rounding::kNearestEven && half && (rest || (sig & 1U) != 0)) ++sig;
  }
  if ((sig >> (fmt.man_bits + 1)) != 0) {  // rounding carried into the next binade
    sig >>= 1;
    ++quantum;
  }
  if (sig == 0) return pack_zero(negative, fmt);
  const auto sig64 = static_cast<std::uint64_t>(sig);
  if ((sig64 >> fmt.man_bits) == 0) {
    if (!fmt.has_subnormals) return pack_zero(negative, fmt);  // no value below the first binade
    return pack_finite(negative, 0, sig64, fmt);               // subnormal
  }
  const int result_exponent = quantum + fmt.man_bits;
  if (result_exponent > fmt.max_exponent() ||
      (result_exponent == fmt.max_exponent() && sig64 > fmt.max_significand()))
    return overflow_result(negative, fmt, rounding, saturate);
  return pack_finite(negative, result_exponent + fmt.bias, sig64 & mask(fmt.man_bits), fmt);
}

std::uint64_t convert(std::uint64_t bits, const FloatFormat& from, const FloatFormat& to,
                      Rounding rounding, bool saturate) {
  const Unpacked u = unpack(bits, from);
  switch (u.cls) {
    case FloatClass::kNan:
      return pack_nan(false, to);
    case FloatClass::kInf:
      if (saturate) return pack_max_finite(u.negative, to);
      return to.has_inf ? pack_inf(u.negative, to) : pack_nan(u.negative, to);
    case FloatClass::kZero:
      return pack_zero(u.negative, to);
    case FloatClass::kFinite:
      break;
  }
  return round_pack(u.negative, u.significand, u.exponent, false, to, rounding, saturate);
}

double to_double(std::uint64_t bits, const FloatFormat& fmt) {
  return std::bit_cast<double>(convert(bits, fmt, FloatFormat::fp64(), Rounding::kNearestEven, false));
}

}  // namespace codesim::numerics
