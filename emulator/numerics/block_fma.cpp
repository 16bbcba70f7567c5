#include "emulator/numerics/block_fma.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <stdexcept>
#include <string>

#include "emulator/numerics/exact_accumulator.hpp"

namespace codesim::numerics {
namespace {

constexpr std::uint32_t kFp32CanonicalNan = 0x7FFFFFFFU;

}  // namespace

std::uint64_t fuse_terms(std::span<const Term> terms, int frac_bits, const FloatFormat& result,
                         Rounding rounding) {
  if (terms.empty()) return pack_zero(false, result);
  if (frac_bits == kExactAlignment) {
    ExactAccumulator acc;
    for (const Term& t : terms) acc.add(t.negative, t.magnitude, t.lsb_exponent);
    return acc.round(result, rounding);
  }
  int e_max = terms.front().alignment_exponent;
  for (const Term& t : terms) e_max = std::max(e_max, t.alignment_exponent);
  const int quantum = e_max - frac_bits;  // weight of the last bit kept at alignment
  Int128 sum = 0;
  for (const Term& t : terms) {
    const int shift = t.lsb_exponent - quantum;
    UInt128 v = 0;
    if (shift >= 0) {
      assert(highest_bit(t.magnitude) + shift < 120);
      v = t.magnitude << shift;
    } else if (shift > -128) {
      v = t.magnitude >> -shift;  // truncation of the magnitude toward zero
    }
    sum += t.negative ? -static_cast<Int128>(v) : static_cast<Int128>(v);
  }
  if (sum == 0) return pack_zero(false, result);
  const bool negative = sum < 0;
  return round_pack(negative, static_cast<UInt128>(negative ? -sum : sum), quantum, false, result,
                    rounding, false);
}

Term accumulator_term(std::uint32_t c_bits) {
  const FloatFormat& f32 = FloatFormat::fp32();
  const Unpacked u = unpack(c_bits, f32);
  assert(u.cls == FloatClass::kFinite);
  return Term{u.negative, u.significand, u.exponent, alignment_exponent(u, f32)};
}

BlockFmaModel::BlockFmaModel(BlockFmaConfig config, const FloatFormat& input, OutputFormat output)
    : config_(std::move(config)), input_(input), output_(output) {
  if (config_.block_size < 1 || config_.block_size > kMaxBlockSize)
    throw std::invalid_argument("model " + config_.name + ": block size must be 1.." +
                                std::to_string(kMaxBlockSize));
  if (std::find(config_.input_formats.begin(), config_.input_formats.end(), input_.name) ==
      config_.input_formats.end())
    throw std::invalid_argument("model " + config_.name + " does not take " + input_.name + " inputs");
  if (output_ == OutputFormat::kFp16 && !config_.fp16_output)
    throw std::invalid_argument("model " + config_.name + " has no FP16 output");
}

std::uint32_t BlockFmaModel::fused_block(std::span<const std::uint64_t> a,
                                         std::span<const std::uint64_t> b, std::uint32_t c) const {
  assert(a.size() == b.size() && a.size() <= static_cast<std::size_t>(config_.block_size));
  const FloatFormat& f32 = FloatFormat::fp32();
  Term terms[kMaxBlockSize + 1];
  std::size_t n = 0;
  bool nan = false;
  bool pos_inf = false;
  bool neg_inf = false;
  auto note_inf = [&](bool negative) { (negative ? neg_inf : pos_inf) = true; };
  for (std::size_t k = 0; k < a.size(); ++k) {
    const Unpacked ua = unpack(a[k], input_);
    const Unpacked ub = unpack(b[k], input_);
    if (ua.cls == FloatClass::kNan || ub.cls == FloatClass::kNan) {
      nan = true;
      continue;
    }
    const bool negative = ua.negative != ub.negative;
    if (ua.cls == FloatClass::kInf || ub.cls == FloatClass::kInf) {
      if (ua.cls == FloatClass::kZero || ub.cls == FloatClass::kZero) nan = true;  // inf * 0
      else note_inf(negative);
      continue;
    }
    if (ua.cls == FloatClass::kZero || ub.cls == FloatClass::kZero) continue;  // no part in E
    terms[n++] = Term{negative, UInt128{ua.significand} * ub.significand, ua.exponent + ub.exponent,
                      alignment_exponent(ua, input_) + alignment_exponent(ub, input_)};
  }
  // An FP16-output MMA keeps its accumulator in FP16, so C enters rounded to FP16 (RNE).
  // With C rounded this way the H100 FP16-output vectors match 5000/5000; with C kept in
  // FP32 519 of them differ.
  // Like a subnormal input, an FP16-subnormal C is aligned at FP16's minimum exponent.
  const FloatFormat& c_format = output_ == OutputFormat::kFp16 ? FloatFormat::fp16() : f32;
  const std::uint64_t c_bits =
      output_ == OutputFormat::kFp16 ? convert(c, f32, c_format, Rounding::kNearestEven, false) : c;
  const Unpacked uc = unpack(c_bits, c_format);
  if (uc.cls == FloatClass::kNan) nan = true;
  if (uc.cls == FloatClass::kInf) note_inf(uc.negative);
  if (uc.cls == FloatClass::kFinite)
    terms[n++] = Term{uc.negative, uc.significand, uc.exponent, alignment_exponent(uc, c_format)};

  // Special values follow the published models (not yet checked on hardware).
  if (nan || (pos_inf && neg_inf)) return kFp32CanonicalNan;
  if (pos_inf || neg_inf) return static_cast<std::uint32_t>(pack_inf(neg_inf, f32));

  const std::span<const Term> used(terms, n);
  if (output_ == OutputFormat::kFp16) {
    const auto h = fuse_terms(used, config_.frac_bits, FloatFormat::fp16(), Rounding::kNearestEven);
    return static_cast<std::uint32_t>(convert(h, FloatFormat::fp16(), f32, Rounding::kNearestEven, false));
  }
  const auto r = fuse_terms(used, config_.frac_bits, config_.fp32_result, config_.fp32_rounding);
  return static_cast<std::uint32_t>(convert(r, config_.fp32_result, f32, Rounding::kNearestEven, false));
}

std::uint32_t BlockFmaModel::dot(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                                 std::uint32_t c) const {
  assert(a.size() == b.size());
  const auto block = static_cast<std::size_t>(config_.block_size);
  for (std::size_t k = 0; k < a.size(); k += block) {
    const std::size_t len = std::min(block, a.size() - k);
    c = fused_block(a.subspan(k, len), b.subspan(k, len), c);
  }
  return c;
}

}  // namespace codesim::numerics
