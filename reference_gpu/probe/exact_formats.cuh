#pragma once
// Exact conversions between binary32 bit patterns and the tensor-core operand formats (OCP E4M3,
// OCP E5M2, BF16), for inputs that are already representable. Nothing here rounds: a value the
// format cannot hold exactly is reported as such, because a probe must feed the tensor core
// exactly the value the emulator was given. cuda_fp8.h's converters are not used: they round and
// (with __NV_SATFINITE) saturate, and they turn Inf into NaN or the largest finite value, while an
// E5M2 set may carry infinities on purpose.
//
// Host code only; shared by wgmma_probe and cublaslt_numerics.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace codesim::reference::probe {

enum class OperandFormat { e4m3, e5m2, bf16 };

/// "e4m3", "e5m2" or "bf16"; nullopt for anything else.
inline std::optional<OperandFormat> parse_operand_format(const std::string& name) {
  if (name == "e4m3") return OperandFormat::e4m3;
  if (name == "e5m2") return OperandFormat::e5m2;
  if (name == "bf16") return OperandFormat::bf16;
  return std::nullopt;
}

inline const char* format_name(OperandFormat f) {
  switch (f) {
    case OperandFormat::e4m3: return "e4m3";
    case OperandFormat::e5m2: return "e5m2";
    case OperandFormat::bf16: return "bf16";
  }
  return "?";
}

/// Bytes per operand value.
inline int operand_bytes(OperandFormat f) { return f == OperandFormat::bf16 ? 2 : 1; }

inline std::uint32_t float_bits(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
inline float bits_float(std::uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

/// Field widths of the two OCP FP8 formats. E4M3 has no infinity and one NaN mantissa (S.1111.111);
/// E5M2 is IEEE-like (exponent 31: Inf or NaN).
struct Fp8Layout {
  int exponent_bits, mantissa_bits, bias;
};
inline Fp8Layout fp8_layout(OperandFormat f) {
  return f == OperandFormat::e4m3 ? Fp8Layout{4, 3, 7} : Fp8Layout{5, 2, 15};
}

/// The value of an FP8 code, as a float (every FP8 value is exact in binary32).
inline float decode_fp8(std::uint8_t code, OperandFormat f) {
  const Fp8Layout l = fp8_layout(f);
  const bool negative = (code & 0x80) != 0;
  const int e = (code >> l.mantissa_bits) & ((1 << l.exponent_bits) - 1);
  const int m = code & ((1 << l.mantissa_bits) - 1);
  const int e_max = (1 << l.exponent_bits) - 1;
  float v;
  if (f == OperandFormat::e4m3 && e == e_max && m == 7) {
    v = std::nanf("");
  } else if (f == OperandFormat::e5m2 && e == e_max) {
    v = m == 0 ? INFINITY : std::nanf("");
  } else if (e == 0) {
    v = std::ldexp(static_cast<float>(m), 1 - l.bias - l.mantissa_bits);
  } else {
    v = std::ldexp(static_cast<float>((1 << l.mantissa_bits) + m), e - l.bias - l.mantissa_bits);
  }
  return negative ? -v : v;
}

/// The FP8 code holding exactly the binary32 value `bits`, or nullopt when there is none. NaN maps
/// to the all-ones mantissa (sign kept): FP8 cannot carry a binary32 payload.
inline std::optional<std::uint8_t> encode_fp8_exact(std::uint32_t bits, OperandFormat f) {
  const Fp8Layout l = fp8_layout(f);
  const std::uint8_t sign = static_cast<std::uint8_t>((bits >> 24) & 0x80);
  const int e = static_cast<int>((bits >> 23) & 0xFF);
  const std::uint32_t m = bits & 0x7FFFFF;
  const int e_max = (1 << l.exponent_bits) - 1;
  if (e == 0xFF && m != 0) return static_cast<std::uint8_t>(sign | 0x7F);
  if (e == 0xFF) {  // infinity
    if (f == OperandFormat::e4m3) return std::nullopt;
    return static_cast<std::uint8_t>(sign | (e_max << l.mantissa_bits));
  }
  if (e == 0 && m == 0) return sign;
  if (e == 0) return std::nullopt;  // binary32 subnormals lie far below every FP8 subnormal
  const int exponent = e - 127;
  const int e_min = 1 - l.bias;
  const std::uint32_t significand = 0x800000u | m;  // 24 bits, value = significand * 2^(exponent - 23)
  if (exponent >= e_min) {
    const int dropped = 23 - l.mantissa_bits;
    if ((m & ((1u << dropped) - 1)) != 0) return std::nullopt;  // more mantissa bits than the format has
    const int biased = exponent + l.bias;
    const std::uint32_t mantissa = m >> dropped;
    const bool too_large = f == OperandFormat::e4m3 ? (biased > e_max || (biased == e_max && mantissa == 7))
                                                    : biased >= e_max;
    if (too_large) return std::nullopt;
    return static_cast<std::uint8_t>(sign | (biased << l.mantissa_bits) | mantissa);
  }
  // Subnormal: value = q * 2^(e_min - mantissa_bits) with q in [1, 2^mantissa_bits).
  const int shift = 23 + e_min - l.mantissa_bits - exponent;
  if (shift > 24 || (significand & ((1u << shift) - 1)) != 0) return std::nullopt;
  return static_cast<std::uint8_t>(sign | (significand >> shift));
}

/// The BF16 code of `bits` (its top 16 bits) when the low 16 bits are zero; NaN maps to a quiet
/// NaN (truncating a NaN whose payload sits in the low bits would make an infinity).
inline std::optional<std::uint16_t> encode_bf16_exact(std::uint32_t bits) {
  const bool nan = (bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFFu) != 0;
  if (nan) return static_cast<std::uint16_t>(((bits >> 16) & 0x8000u) | 0x7FC0u);
  if ((bits & 0xFFFFu) != 0) return std::nullopt;
  return static_cast<std::uint16_t>(bits >> 16);
}

/// The operand code of `bits` in format f (an FP8 byte, or a BF16 half-word), checked by decoding
/// it again: the result must be the same binary32 pattern, or NaN for NaN. Throws std::logic_error
/// when the round trip fails (a bug here, not bad input); nullopt when not representable.
inline std::optional<std::uint16_t> encode_exact(std::uint32_t bits, OperandFormat f) {
  std::optional<std::uint16_t> code;
  float back = 0.0f;
  if (f == OperandFormat::bf16) {
    code = encode_bf16_exact(bits);
    if (code) back = bits_float(static_cast<std::uint32_t>(*code) << 16);
  } else {
    const auto byte = encode_fp8_exact(bits, f);
    if (byte) code = *byte;
    if (byte) back = decode_fp8(*byte, f);
  }
  if (!code) return std::nullopt;
  const bool same = std::isnan(bits_float(bits)) ? std::isnan(back) : float_bits(back) == bits;
  if (!same)
    throw std::logic_error(std::string("exact encoder round trip failed for ") + format_name(f) + " value bits " +
                           std::to_string(bits));
  return code;
}

}  // namespace codesim::reference::probe
