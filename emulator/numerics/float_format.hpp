#pragma once
// Floating-point formats as values, not types: one FloatFormat describes any ExMy
// format, including the OCP FP8 formats whose special values differ from IEEE.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/numerics/wide_int.hpp"

namespace codesim::numerics {

/// How NaN (and hence the top binade) is encoded.
enum class NanEncoding {
  kIeee,     ///< all-ones exponent with a non-zero fraction is NaN (IEEE 754, OCP E5M2)
  kAllOnes,  ///< only all-ones exponent and fraction is NaN (OCP E4M3, UE8M0)
};

enum class Rounding { kNearestEven, kTowardZero };

struct FloatFormat {
  std::string name;
  int exp_bits = 0;
  int man_bits = 0;
  int bias = 0;
  bool is_signed = true;
  bool has_inf = true;
  NanEncoding nan = NanEncoding::kIeee;
  /// False when exponent field 0 is an ordinary binade (UE8M0 has no zero and no subnormals).
  bool has_subnormals = true;

  [[nodiscard]] int total_bits() const { return (is_signed ? 1 : 0) + exp_bits + man_bits; }
  /// Unbiased exponent of the smallest normal binade (also the exponent of subnormals).
  [[nodiscard]] int min_exponent() const { return has_subnormals ? 1 - bias : -bias; }
  /// Unbiased exponent of the largest finite binade.
  [[nodiscard]] int max_exponent() const;
  /// Largest integer significand (hidden bit included) in the largest finite binade.
  [[nodiscard]] std::uint64_t max_significand() const;
  /// Hex digits needed to print a bit pattern of this format.
  [[nodiscard]] int hex_digits() const { return (total_bits() + 3) / 4; }

  static const FloatFormat& e4m3();
  static const FloatFormat& e5m2();
  static const FloatFormat& bf16();
  static const FloatFormat& fp16();
  static const FloatFormat& fp32();
  static const FloatFormat& fp64();
  static const FloatFormat& tf32();
  static const FloatFormat& e5m6();
  static const FloatFormat& ue8m0();
  static const FloatFormat& fp22();
};

/// A preset by name (e4m3, e5m2, bf16, fp16, fp32, fp64, tf32, e5m6, ue8m0, fp22) or a
/// generic IEEE-like "eXmY" (2 <= X <= 11, 1 <= Y <= 52, bias 2^(X-1)-1). nullopt if unknown.
std::optional<FloatFormat> parse_format(std::string_view name);
/// Names accepted by parse_format, for help texts and error messages.
std::vector<std::string> preset_format_names();

enum class FloatClass { kZero, kFinite, kInf, kNan };

/// A decoded value: (-1)^negative * significand * 2^exponent for finite values.
/// `exponent` is the weight of the significand's lowest bit.
struct Unpacked {
  FloatClass cls = FloatClass::kZero;
  bool negative = false;
  std::uint64_t significand = 0;
  int exponent = 0;
};

Unpacked unpack(std::uint64_t bits, const FloatFormat& fmt);

/// Exponent of the hidden-bit position used for alignment: the binade exponent for normal
/// values and the minimum exponent for subnormals (which are not renormalised).
inline int alignment_exponent(const Unpacked& u, const FloatFormat& fmt) {
  return u.exponent + fmt.man_bits;
}

std::uint64_t pack_zero(bool negative, const FloatFormat& fmt);
std::uint64_t pack_max_finite(bool negative, const FloatFormat& fmt);
std::uint64_t pack_inf(bool negative, const FloatFormat& fmt);  // fmt must have infinities
/// NaN with the format's canonical quiet pattern and the given sign (unsigned formats: no sign).
std::uint64_t pack_nan(bool negative, const FloatFormat& fmt);

/// Rounds (-1)^negative * (magnitude + sticky) * 2^lsb_exponent to `fmt`, where `sticky`
/// says that non-zero bits lie below lsb_exponent. Overflow gives the largest finite value
/// when `saturate` or when rounding toward zero, otherwise infinity (or NaN when the format
/// has none). Callers passing sticky must give at least two bits below the format's quantum.
std::uint64_t round_pack(bool negative, UInt128 magnitude, int lsb_exponent, bool sticky,
                         const FloatFormat& fmt, Rounding rounding, bool saturate);

/// Converts a value of one format to another (NaN to the canonical NaN, infinities to
/// infinity or to the saturated/NaN value when the target has none).
std::uint64_t convert(std::uint64_t bits, const FloatFormat& from, const FloatFormat& to,
                      Rounding rounding, bool saturate);

/// Exact value as a double; only for formats that fit in binary64.
double to_double(std::uint64_t bits, const FloatFormat& fmt);

}  // namespace codesim::numerics
