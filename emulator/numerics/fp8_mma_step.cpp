#include "emulator/numerics/fp8_mma_step.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "emulator/numerics/exact_accumulator.hpp"

namespace codesim::numerics {
namespace {

constexpr int kFloatPathMaxFracBits = 16;   // 33 terms below 2^18 each keep the sum under 2^24
constexpr int kDoublePathMaxFracBits = 44;  // 33 terms below 2^46 each keep the sum under 2^52

/// Largest alignment exponent over the block's products and C; below -1000 when every
/// product is zero and C is zero. Returns false for a non-finite C.
inline bool block_exponent(const std::int16_t* ax, const std::int16_t* bx, int n, float c, int& e_max) {
  std::int16_t e = 2 * kZeroAlignment;
  for (int k = 0; k < n; ++k) e = std::max<std::int16_t>(e, static_cast<std::int16_t>(ax[k] + bx[k]));
  e_max = e;
  const auto cb = std::bit_cast<std::uint32_t>(c);
  const int field = static_cast<int>((cb >> 23) & 0xFFU);
  if (field == 0xFF) return false;
  if ((cb & 0x7FFFFFFFU) != 0) e_max = std::max(e_max, field == 0 ? -126 : field - 127);
  return true;
}

}  // namespace

float exact_sum_rne(Int128 s, int s_lsb, float c) {
  const FloatFormat& f32 = FloatFormat::fp32();
  auto to_float = [&](Int128 v, int lsb) {
    const bool negative = v < 0;
    return std::bit_cast<float>(static_cast<std::uint32_t>(round_pack(
        negative, static_cast<UInt128>(negative ? -v : v), lsb, false, f32, Rounding::kNearestEven, false)));
  };
  if (c == 0.0F) return s == 0 ? 0.0F : to_float(s, s_lsb);
  const Unpacked u = unpack(std::bit_cast<std::uint32_t>(c), f32);
  const Int128 cs = u.negative ? -static_cast<Int128>(u.significand) : static_cast<Int128>(u.significand);
  const int d = u.exponent - s_lsb;  // align both on the lower of the two lowest-bit weights
  const int s_bits = s == 0 ? 0 : highest_bit(static_cast<UInt128>(s < 0 ? -s : s)) + 1;
  if (d >= 0 && d + 25 < 126) return to_float(s + (cs << d), s_lsb);
  if (d < 0 && s_bits - d < 126) return to_float((s << -d) + cs, u.exponent);
  ExactAccumulator acc;  // wide exponent gap: fall back to the wide accumulator
  acc.add(s < 0, static_cast<UInt128>(s < 0 ? -s : s), s_lsb);
  acc.add(c);
  return std::bit_cast<float>(static_cast<std::uint32_t>(acc.round(f32, Rounding::kNearestEven)));
}

Fp8MmaStep::Fp8MmaStep(const BlockFmaModel& model)
    : model_(model), path_(Path::kModel), frac_bits_(model.config().frac_bits),
      keep_bits_(model.config().fp32_result.man_bits) {
  const BlockFmaConfig& cfg = model.config();
  const FloatFormat& r = cfg.fp32_result;
  const bool e8_result = r.exp_bits == 8 && r.bias == 127 && r.nan == NanEncoding::kIeee && r.man_bits <= 23;
  const bool truncating = cfg.fp32_rounding == Rounding::kTowardZero && cfg.frac_bits >= 0 && e8_result &&
                          model.output() == OutputFormat::kFp32;
  const bool exact_rne = cfg.frac_bits == kExactAlignment && cfg.fp32_rounding == Rounding::kNearestEven &&
                         r.name == FloatFormat::fp32().name && model.output() == OutputFormat::kFp32;
  if (exact_rne) path_ = Path::kExactRne;
  else if (truncating && cfg.frac_bits <= kFloatPathMaxFracBits) path_ = Path::kFloat;
  else if (truncating && cfg.frac_bits <= kDoublePathMaxFracBits) path_ = Path::kDouble;
}

float Fp8MmaStep::operator()(const DecodedFp8& a, std::size_t ai, const DecodedFp8& b, std::size_t bi, int n,
                             float c) const {
  // A step longer than the model's block (ada-fp8 fuses 16) chains blocks, as dot() does.
  const int block = model_.config().block_size;
  for (int k = 0; k < n; k += block) {
    const auto off = static_cast<std::size_t>(k);
    c = one_block(a, ai + off, b, bi + off, std::min(block, n - k), c);
  }
  return c;
}

float Fp8MmaStep::one_block(const DecodedFp8& a, std::size_t ai, const DecodedFp8& b, std::size_t bi, int n,
                            float c) const {
  if (path_ == Path::kModel) return via_model(a, ai, b, bi, n, c);
  if (path_ == Path::kExactRne) {
    if (!std::isfinite(c)) return via_model(a, ai, b, bi, n, c);
    return exact_sum_rne(exact_product_sum(a, ai, b, bi, n), a.product_lsb_min, c);
  }
  const float* av = a.value.data() + ai;
  const float* bv = b.value.data() + bi;
  int e_max = 0;
  if (!block_exponent(a.alignment.data() + ai, b.alignment.data() + bi, n, c, e_max))
    return via_model(a, ai, b, bi, n, c);
  if (e_max < -1000) return 0.0F;  // no non-zero term: +0
  const int scale_exp = frac_bits_ - e_max;  // terms are counted in units of 2^(e_max - frac_bits)

  if (path_ == Path::kFloat) {
    if (scale_exp < -126 || scale_exp > 127) return via_model(a, ai, b, bi, n, c);
    const auto scale = std::bit_cast<float>(static_cast<std::uint32_t>(scale_exp + 127) << 23);
    std::int32_t sum = static_cast<std::int32_t>(c * scale);
    for (int k = 0; k < n; ++k) sum += static_cast<std::int32_t>(av[k] * bv[k] * scale);
    if (sum == 0) return 0.0F;
    // |sum| < 2^24, so the float is exact; clearing low bits truncates toward zero.
    std::uint32_t r = std::bit_cast<std::uint32_t>(static_cast<float>(sum));
    r &= ~((1U << (23 - keep_bits_)) - 1U);
    const int field = static_cast<int>((r >> 23) & 0xFFU) - scale_exp;
    if (field < 1 || field > 254) return via_model(a, ai, b, bi, n, c);  // subnormal or overflow
    return std::bit_cast<float>((r & 0x807FFFFFU) | (static_cast<std::uint32_t>(field) << 23));
  }

  if (scale_exp < -1022 || scale_exp > 1023) return via_model(a, ai, b, bi, n, c);
  const double scale = std::ldexp(1.0, scale_exp);
  std::int64_t sum = static_cast<std::int64_t>(static_cast<double>(c) * scale);
  for (int k = 0; k < n; ++k) sum += static_cast<std::int64_t>(static_cast<double>(av[k]) * bv[k] * scale);
  if (sum == 0) return 0.0F;
  const bool negative = sum < 0;
  const auto mag = static_cast<std::uint64_t>(negative ? -sum : sum);
  const auto r = round_pack(negative, mag, -scale_exp, false, model_.config().fp32_result, Rounding::kTowardZero,
                            false);
  return std::bit_cast<float>(static_cast<std::uint32_t>(
      convert(r, model_.config().fp32_result, FloatFormat::fp32(), Rounding::kNearestEven, false)));
}

float Fp8MmaStep::via_model(const DecodedFp8& a, std::size_t ai, const DecodedFp8& b, std::size_t bi, int n,
                            float c) const {
  std::uint64_t ab[kMaxBlockSize];
  std::uint64_t bb[kMaxBlockSize];
  int done = 0;
  std::uint32_t acc = std::bit_cast<std::uint32_t>(c);
  while (done < n) {  // a step longer than the model's block chains blocks, as dot() does
    const int len = std::min(n - done, model_.config().block_size);
    for (int k = 0; k < len; ++k) {
      ab[k] = a.bits[ai + static_cast<std::size_t>(done + k)];
      bb[k] = b.bits[bi + static_cast<std::size_t>(done + k)];
    }
    const auto sz = static_cast<std::size_t>(len);
    acc = model_.fused_block(std::span<const std::uint64_t>(ab, sz), std::span<const std::uint64_t>(bb, sz), acc);
    done += len;
  }
  return std::bit_cast<float>(acc);
}

Int128 Fp8MmaStep::exact_product_sum(const DecodedFp8& a, std::size_t ai, const DecodedFp8& b, std::size_t bi,
                                     int n) {
  Int128 sum = 0;
  const int base = a.product_lsb_min;
  for (int k = 0; k < n; ++k) {
    const std::size_t ka = ai + static_cast<std::size_t>(k);
    const std::size_t kb = bi + static_cast<std::size_t>(k);
    const int p = a.significand[ka] * b.significand[kb];
    if (p == 0) continue;
    sum += static_cast<Int128>(p) << (a.lsb[ka] + b.lsb[kb] - base);
  }
  return sum;
}

}  // namespace codesim::numerics
