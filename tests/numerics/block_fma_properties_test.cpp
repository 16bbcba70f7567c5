// Block FMA models against hand-computed vectors and independent oracles:
//  - the diagnostic FP8 vectors of ../shared/notes/numerics.md §8.4 on the hopper-fp8 preset,
//    with their mirror images;
//  - [FHMP]-style feature tests (§8.1) rewritten for the H100 FP16/BF16 parameters
//    (block 16, 25 fractional bits, RZ);
//  - special values (§2.5);
//  - an MPFR implementation of the §2.3 pseudo-code, written from the note's tables (§3),
//    against every preset on random vectors, chained over several blocks;
//  - the exact-then-RNE blackwell-fp8 preset against MPFR's correctly rounded exact sum;
//  - chaining and zero padding.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/numerics/block_fma.hpp"
#include "tests/support/ieee_oracle.hpp"

namespace codesim::numerics {
namespace {

using codesim::testing::Decoded;
using codesim::testing::decode_finite;
using codesim::testing::IeeeLayout;
using codesim::testing::Mpfr;
using codesim::testing::round_to_format;

std::uint32_t f32(float v) { return std::bit_cast<std::uint32_t>(v); }
float val(std::uint32_t bits) { return std::bit_cast<float>(bits); }

std::string show(std::uint32_t bits) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "0x%08x (%.9g = %a)", bits, static_cast<double>(val(bits)),
                static_cast<double>(val(bits)));
  return buf;
}

BlockFmaModel make_model(std::string_view preset, const FloatFormat& in, OutputFormat out = OutputFormat::kFp32) {
  const auto cfg = block_fma_preset(preset);
  if (!cfg) throw std::runtime_error("no preset " + std::string(preset));
  return BlockFmaModel(*cfg, in, out);
}

/// Encodes a value that the format holds exactly.
std::uint64_t enc(double v, const FloatFormat& fmt) {
  const auto f = static_cast<float>(v);
  EXPECT_EQ(static_cast<double>(f), v);
  const std::uint64_t code = convert(f32(f), FloatFormat::fp32(), fmt, Rounding::kNearestEven, false);
  EXPECT_EQ(to_double(code, fmt), v) << "not exact in " << fmt.name;
  return code;
}

// ---------------------------------------------------------------------------------------
// §8.4: FP8 wgmma vectors (single k32 block, E4M3, other lanes 0).

// E4M3 codes: 1 = 0x38, 1.5 = 0x3C, 0.25 = 0x28, 2^-6 = 0x08, 2^-7 = 0x04 (subnormal),
// 2^-8 = 0x02 (subnormal), 1.5*2^-6 = 0x0C; bit 7 is the sign.
constexpr std::uint8_t kOne = 0x38;
constexpr std::uint8_t kOneHalfUp = 0x3C;  // 1.5
constexpr std::uint8_t kQuarter = 0x28;
constexpr std::uint8_t kP6 = 0x08;    // 2^-6
constexpr std::uint8_t kP7 = 0x04;    // 2^-7
constexpr std::uint8_t kP8 = 0x02;    // 2^-8
constexpr std::uint8_t k1p5P6 = 0x0C;  // 1.5 * 2^-6
constexpr std::uint8_t kNeg = 0x80;

struct Lane {
  int k;
  std::uint8_t a;
  std::uint8_t b;
};

struct NoteCase {
  std::string name;
  std::vector<Lane> lanes;
  double c;
  double expected;
};

void PrintTo(const NoteCase& c, std::ostream* os) { *os << c.name; }

std::vector<NoteCase> note_cases() {
  std::vector<Lane> t6b_all_even;
  for (int k = 0; k < 32; k += 2) t6b_all_even.push_back({k, kP6, kP8});
  t6b_all_even.push_back({1, kOne, kOne});
  return {
      {"T1", {}, 1 + 0x1p-23, 1.0},
      {"T1b", {}, -(1 + 0x1p-13 + 0x1p-14), -(1 + 0x1p-13)},
      {"T2", {{0, kOne, kOne}, {1, kP6, kP7}}, 0, 1 + 0x1p-13},
      {"T2b", {{0, kOne, kOne}, {1, kP6, kP8}}, 0, 1.0},
      {"T3", {{0, kOne, kOne}, {1, k1p5P6, kP8}}, 0, 1.0},
      {"T4", {{0, kOne, kOne}, {1, kNeg | kP6, kP8}}, 0, 1.0},
      {"T5", {{0, kOne, kOne}, {1, kOne, kOne}, {2, kP6, kP7}, {3, kP6, kP6}}, 0, 2 + 0x1p-12},
      {"T6", {{0, kP6, kP8}, {1, kP6, kP8}, {16, kOne, kOne}}, 0, 1.0},
      {"T6b", {{0, kP6, kP8}, {2, kP6, kP8}, {1, kOne, kOne}}, 0, 1.0},
      {"T6b_all_even", t6b_all_even, 0, 1.0},  // 16 * 2^-14 = 2^-10 would survive in a separate even sub-sum
      {"T7", {{0, kOne, kOne}, {1, kQuarter, kQuarter}}, 1024, 1025.0},
      {"T8", {{0, kOneHalfUp, kOneHalfUp}, {1, kNeg | kOneHalfUp, kOne}, {2, kP6, kP7}}, 0, 0.75 + 0x1p-13},
      // With C != 0 (derived from §2.3): C enters the alignment like a product.
      {"T2_C", {{0, kOne, kOne}}, 0x1p-13, 1 + 0x1p-13},
      {"T2b_C", {{0, kOne, kOne}}, 0x1p-14, 1.0},
      {"T4_C", {{0, kOne, kOne}}, -0x1p-14, 1.0},  // toward zero per term; a floor would give 1 - 2^-13
      {"T8_C", {{0, kOneHalfUp, kOneHalfUp}, {1, kNeg | kOneHalfUp, kOne}}, 0x1p-13, 0.75 + 0x1p-13},
      {"T7_products_swamped", {{0, kP6, kP6}, {5, kP6, kP6}}, 1024, 1024.0},
      // §2.5: FP32-subnormal C keeps 13 fractional bits relative to 2^-126 (granularity 2^-139).
      {"C_subnormal_kept", {}, 0x1p-139 + 0x1p-140, 0x1p-139},
      {"C_subnormal_dropped", {}, 0x1p-149, 0.0},
  };
}

class NoteVectors : public ::testing::TestWithParam<NoteCase> {};

std::uint32_t run_lanes(const BlockFmaModel& m, const std::vector<Lane>& lanes, double c, bool mirror) {
  std::vector<std::uint64_t> a(32, 0);
  std::vector<std::uint64_t> b(32, 0);
  for (const Lane& l : lanes) {
    a[static_cast<std::size_t>(l.k)] = mirror ? (l.a ^ kNeg) : l.a;
    b[static_cast<std::size_t>(l.k)] = l.b;
  }
  const std::uint32_t cb = f32(static_cast<float>(mirror ? -c : c));
  const std::uint32_t r = m.fused_block(a, b, cb);
  EXPECT_EQ(m.dot(a, b, cb), r) << "dot over one block differs from fused_block";
  return r;
}

TEST_P(NoteVectors, HopperFp8MatchesPrediction) {
  const NoteCase& tc = GetParam();
  const BlockFmaModel m = make_model("hopper-fp8", FloatFormat::e4m3());
  ASSERT_EQ(static_cast<double>(static_cast<float>(tc.c)), tc.c);
  const std::uint32_t want = f32(static_cast<float>(tc.expected));
  const std::uint32_t got = run_lanes(m, tc.lanes, tc.c, false);
  EXPECT_EQ(got, want) << "got " << show(got) << ", expected " << show(want);
  // Mirror image: every product and C negated gives the negated result (an exact zero stays +0).
  const std::uint32_t want_mirror = tc.expected == 0 ? want : f32(static_cast<float>(-tc.expected));
  const std::uint32_t got_mirror = run_lanes(m, tc.lanes, tc.c, true);
  EXPECT_EQ(got_mirror, want_mirror) << "mirror: got " << show(got_mirror) << ", expected " << show(want_mirror);
}

INSTANTIATE_TEST_SUITE_P(Note84, NoteVectors, ::testing::ValuesIn(note_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(NoteVectorsAda, T6DiffersOnTheSplitBlocks) {
  // The same vector on ada-fp8 (k32 as two chained blocks of 16): 1 + 2^-13 (§8.4 T6).
  const BlockFmaModel ada = make_model("ada-fp8", FloatFormat::e4m3());
  std::vector<std::uint64_t> a(32, 0);
  std::vector<std::uint64_t> b(32, 0);
  a[0] = a[1] = kP6;
  b[0] = b[1] = kP8;
  a[16] = b[16] = kOne;
  EXPECT_EQ(ada.dot(a, b, 0), f32(static_cast<float>(1 + 0x1p-13)));
}

// ---------------------------------------------------------------------------------------
// [FHMP] §8.1 feature tests with the H100 FP16/BF16 parameters: 16 products + C, 25
// fractional bits relative to the largest term, truncation, RZ to FP32.

struct HalfCase {
  const char* preset;
  const FloatFormat& (*format)();
};

void PrintTo(const HalfCase& c, std::ostream* os) { *os << c.preset << '/' << c.format().name; }

class FhmpH100 : public ::testing::TestWithParam<HalfCase> {
 protected:
  [[nodiscard]] const FloatFormat& in() const { return GetParam().format(); }
  [[nodiscard]] BlockFmaModel model() const { return make_model(GetParam().preset, in()); }
  /// Products (x_k * y_k) in lanes 0.. and C; the rest of the 16 lanes are zero.
  [[nodiscard]] double run(const std::vector<std::pair<double, double>>& products, double c) const {
    std::vector<std::uint64_t> a(16, 0);
    std::vector<std::uint64_t> b(16, 0);
    for (std::size_t k = 0; k < products.size(); ++k) {
      a[k] = enc(products[k].first, in());
      b[k] = enc(products[k].second, in());
    }
    const auto cf = static_cast<float>(c);
    EXPECT_EQ(static_cast<double>(cf), c);
    return static_cast<double>(val(model().fused_block(a, b, f32(cf))));
  }
  /// 1 - 2^-p, the largest value below 1.
  [[nodiscard]] double one_minus() const { return 1 - std::ldexp(1.0, -(in().man_bits + 1)); }
};

TEST_P(FhmpH100, ConfigurationIsTheH100One) {
  const BlockFmaModel m = model();
  const BlockFmaConfig& cfg = m.config();
  EXPECT_EQ(cfg.block_size, 16);
  EXPECT_EQ(cfg.frac_bits, 25);
  EXPECT_EQ(cfg.fp32_rounding, Rounding::kTowardZero);
  EXPECT_EQ(cfg.fp32_result.man_bits, 23);
}

TEST_P(FhmpH100, ProductsAreExact) {
  const double x = one_minus();
  EXPECT_EQ(run({{x, x}}, 0), x * x);
  EXPECT_EQ(run({{x, x}, {x, x}, {x, x}, {x, x}}, 0), 4 * x * x);
  const std::vector<std::pair<double, double>> sixteen(16, {x, x});
  EXPECT_EQ(run(sixteen, 0), 16 * x * x);
  EXPECT_EQ(run({{x, -x}}, 0), -x * x);
}

TEST_P(FhmpH100, AlignmentToTheLargestTermSwampsSmallProducts) {
  // Eight products of 2^-26 next to C = 1: each lies below the 2^-25 alignment quantum and is
  // dropped, though their sum 2^-23 would be representable: the result is exactly 1.
  const std::vector<std::pair<double, double>> tiny(8, {0x1p-13, 0x1p-13});
  EXPECT_EQ(run(tiny, 1.0), 1.0);
  // Products of 2^-25 lie on the quantum and survive (the two extra bits beyond FP32).
  const std::vector<std::pair<double, double>> kept(8, {0x1p-13, 0x1p-12});
  EXPECT_EQ(run(kept, 1.0), 1 + 0x1p-22);
  // A product of 1 moved across all 16 lanes, with C and the other 15 products 2^-26: always 1.
  for (std::size_t j = 0; j < 16; ++j) {
    std::vector<std::pair<double, double>> p(16, {0x1p-13, 0x1p-13});
    p[j] = {1.0, 1.0};
    EXPECT_EQ(run(p, 0x1p-26), 1.0) << "product of 1 in lane " << j;
  }
}

TEST_P(FhmpH100, FinalRoundingIsTowardZero) {
  // 2 + 1.5*2^-23 = 2 + 0.75 ulp: RZ gives 2, RN would give 2 + 2^-22, RD on the negated case
  // would give -(2 + 2^-22).
  EXPECT_EQ(run({{1.0, 2.0}, {0x1.8p-12, 0x1p-11}}, 0), 2.0);
  EXPECT_EQ(run({{-1.0, 2.0}, {-0x1.8p-12, 0x1p-11}}, 0), -2.0);
  EXPECT_EQ(run({{1.0, 2.0}}, 0x1.8p-23), 2.0);
  EXPECT_EQ(run({{-1.0, 2.0}}, -0x1.8p-23), -2.0);
}

TEST_P(FhmpH100, GuardBitsAndLateNormalisation) {
  // 1*1 + C with C = -(1 - 2^-24): exactly 2^-24 (V100 without guard bits gives 2^-23).
  EXPECT_EQ(run({{1.0, 1.0}}, -(1 - 0x1p-24)), 0x1p-24);
  // C = 1 - 2^-24 plus four products of 2^-24: 1 + 3*2^-24 truncated to 1 + 2^-23.
  const std::vector<std::pair<double, double>> four(4, {0x1p-12, 0x1p-12});
  EXPECT_EQ(run(four, 1 - 0x1p-24), 1 + 0x1p-23);
  // Non-monotonic: with C just below 1 the alignment quantum halves (2^-26), so sixteen
  // products of 2^-26 survive; with C = 1 they are all dropped.
  const std::vector<std::pair<double, double>> sixteen(16, {0x1p-13, 0x1p-13});
  EXPECT_EQ(run(sixteen, 1 - 0x1p-24), 1 + 0x1p-23);
  EXPECT_EQ(run(sixteen, 1.0), 1.0);
}

TEST_P(FhmpH100, CarryOutBits) {
  const std::vector<std::pair<double, double>> ones(4, {1.0, 1.0});
  EXPECT_EQ(run(ones, 1 + 0x1p-22 + 0x1p-23), 5.0);
  const std::vector<std::pair<double, double>> minus_ones(4, {-1.0, 1.0});
  EXPECT_EQ(run(minus_ones, -(1 + 0x1p-22 + 0x1p-23)), -5.0);
}

INSTANTIATE_TEST_SUITE_P(H100, FhmpH100,
                         ::testing::Values(HalfCase{"hopper-fp16", &FloatFormat::fp16},
                                           HalfCase{"hopper-bf16", &FloatFormat::bf16}),
                         [](const auto& param_info) { return std::string(param_info.param.format().name); });

TEST(Fp16Output, CIsRoundedToFp16First) {
  const BlockFmaModel m = make_model("hopper-fp16", FloatFormat::fp16(), OutputFormat::kFp16);
  const FloatFormat& h = FloatFormat::fp16();
  std::vector<std::uint64_t> a(16, 0);
  std::vector<std::uint64_t> b(16, 0);
  // No products: C = 1 + 2^-11 is a tie in FP16 and goes to 1.
  EXPECT_EQ(m.fused_block(a, b, f32(1.0F + 0x1p-11F)), f32(1.0F));
  EXPECT_EQ(m.fused_block(a, b, f32(1.0F + 0x1p-11F + 0x1p-20F)), f32(1.0F + 0x1p-10F));
  // C = 1 + 2^-11 plus a product 2^-11. Kept in FP32, C would give 1 + 2^-10 exactly; rounded
  // to FP16 first it is 1, and 1 + 2^-11 is a tie that rounds to the even 1.
  a[3] = enc(0x1p-6, h);
  b[3] = enc(0x1p-5, h);
  EXPECT_EQ(m.fused_block(a, b, f32(1.0F + 0x1p-11F)), f32(1.0F));
  // FP16 result rounding is to nearest: 1 + 3*2^-12 = 1 + 0.75 ulp goes up.
  a[3] = enc(0x3p-12, h);
  b[3] = enc(1.0, h);
  EXPECT_EQ(m.fused_block(a, b, f32(1.0F)), f32(1.0F + 0x1p-10F));
  const BlockFmaModel m32 = make_model("hopper-fp16", h, OutputFormat::kFp32);
  EXPECT_EQ(m32.fused_block(a, b, f32(1.0F)), f32(1.0F + 0x3p-12F));
  // A C beyond FP16's range becomes infinity.
  EXPECT_EQ(m.fused_block(a, b, f32(70000.0F)), f32(std::numeric_limits<float>::infinity()));
  // Models without an FP16 output refuse it.
  EXPECT_THROW(make_model("hopper-bf16", FloatFormat::bf16(), OutputFormat::kFp16), std::invalid_argument);
  EXPECT_THROW(make_model("hopper-fp8", FloatFormat::bf16()), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Special values (§2.5): NaN anywhere gives 0x7FFFFFFF, +Inf with -Inf gives NaN, Inf * 0 gives
// NaN, otherwise infinities propagate.

constexpr std::uint32_t kCanonicalNan = 0x7FFFFFFFU;
constexpr std::uint32_t kPosInf = 0x7F800000U;
constexpr std::uint32_t kNegInf = 0xFF800000U;

struct SpecialCase {
  const char* preset;
  const FloatFormat& (*format)();
};

void PrintTo(const SpecialCase& c, std::ostream* os) { *os << c.preset << '/' << c.format().name; }

class SpecialValues : public ::testing::TestWithParam<SpecialCase> {
 protected:
  [[nodiscard]] std::uint32_t run(std::vector<std::pair<std::uint64_t, std::uint64_t>> lanes, std::uint32_t c) const {
    const FloatFormat& in = GetParam().format();
    const BlockFmaModel m = make_model(GetParam().preset, in);
    std::vector<std::uint64_t> a(static_cast<std::size_t>(m.config().block_size), 0);
    std::vector<std::uint64_t> b(a.size(), 0);
    // A finite product in lane 0 so that specials meet ordinary terms.
    a[0] = enc(1.5, in);
    b[0] = enc(2.0, in);
    for (std::size_t k = 0; k < lanes.size(); ++k) {
      a[a.size() - 1 - k] = lanes[k].first;
      b[a.size() - 1 - k] = lanes[k].second;
    }
    return m.fused_block(a, b, c);
  }
};

TEST_P(SpecialValues, NanInputsAndNanC) {
  const FloatFormat& in = GetParam().format();
  const std::uint64_t one = enc(1.0, in);
  const std::uint64_t nan = pack_nan(false, in);
  const std::uint64_t neg_nan = pack_nan(true, in);
  EXPECT_EQ(run({{nan, one}}, 0), kCanonicalNan);
  EXPECT_EQ(run({{one, neg_nan}}, f32(3.0F)), kCanonicalNan);
  EXPECT_EQ(run({{nan, 0}}, 0), kCanonicalNan);  // NaN * 0
  for (const std::uint32_t c : {0x7FC00000U, 0xFFC00000U, 0x7F800001U, 0xFFFFFFFFU})
    EXPECT_EQ(run({}, c), kCanonicalNan) << std::hex << c;
  if (in.has_inf) {
    const std::uint64_t inf = pack_inf(false, in);
    EXPECT_EQ(run({{nan, one}, {inf, one}}, 0), kCanonicalNan);
  }
  EXPECT_EQ(run({{nan, one}}, kPosInf), kCanonicalNan);
}

TEST_P(SpecialValues, Infinities) {
  const FloatFormat& in = GetParam().format();
  const std::uint64_t one = enc(1.0, in);
  const std::uint64_t minus_one = enc(-1.0, in);
  // C = +-Inf with finite products propagates.
  EXPECT_EQ(run({}, kPosInf), kPosInf);
  EXPECT_EQ(run({}, kNegInf), kNegInf);
  if (!in.has_inf) return;  // E4M3 has no infinity: only C can bring one in
  const std::uint64_t inf = pack_inf(false, in);
  const std::uint64_t neg_inf = pack_inf(true, in);
  EXPECT_EQ(run({{inf, one}}, 0), kPosInf);
  EXPECT_EQ(run({{neg_inf, one}}, 0), kNegInf);
  EXPECT_EQ(run({{inf, minus_one}}, f32(-5.0F)), kNegInf);
  EXPECT_EQ(run({{neg_inf, minus_one}, {inf, one}}, 0), kPosInf);
  EXPECT_EQ(run({{inf, one}, {neg_inf, one}}, 0), kCanonicalNan);  // +Inf and -Inf
  EXPECT_EQ(run({{inf, one}}, kNegInf), kCanonicalNan);            // with C = -Inf
  EXPECT_EQ(run({{inf, one}}, kPosInf), kPosInf);
  EXPECT_EQ(run({{inf, 0}}, 0), kCanonicalNan);                         // Inf * 0
  EXPECT_EQ(run({{pack_zero(true, in), neg_inf}}, f32(1.0F)), kCanonicalNan);  // -0 * -Inf
}

INSTANTIATE_TEST_SUITE_P(Presets, SpecialValues,
                         ::testing::Values(SpecialCase{"hopper-fp8", &FloatFormat::e5m2},
                                           SpecialCase{"hopper-fp8", &FloatFormat::e4m3},
                                           SpecialCase{"blackwell-fp8", &FloatFormat::e5m2},
                                           SpecialCase{"hopper-bf16", &FloatFormat::bf16},
                                           SpecialCase{"hopper-fp16", &FloatFormat::fp16}),
                         [](const auto& param_info) {
                           std::string n = std::string(param_info.param.preset) + "_" + param_info.param.format().name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// ---------------------------------------------------------------------------------------
// Independent oracles built on MPFR (tests/support/ieee_oracle.hpp). Input codes are read with
// decode_finite, so E4M3's top binade is finite; the random inputs below are never NaN.

constexpr IeeeLayout kFp32Spec{8, 23};

std::uint32_t f32_of(double d) {
  const auto f = static_cast<float>(d);
  EXPECT_TRUE(std::isnan(d) || static_cast<double>(f) == d);
  return f32(f);
}

/// Parameters of a block model, written down from the numerics note (§2.3, §3), not read
/// from the presets.
struct ModelSpec {
  std::string name;
  std::string preset;
  const FloatFormat& (*input)();
  IeeeLayout in;
  int block;
  int frac_bits;
  int result_precision;  ///< significand bits of the FP32 result (14 = FP22)
  bool fp16_output;
  int max_input_exponent;  ///< keeps random BF16/TF32 products inside the FP32 range
};

void PrintTo(const ModelSpec& m, std::ostream* os) { *os << m.name; }

/// §2.3 for one block, by MPFR: exact products, E = max alignment exponent over the non-zero
/// products and C, per-term truncation toward zero to frac_bits below 2^E, exact sum, one final
/// rounding (RZ to the FP32 result, or RNE to FP16 with C rounded to FP16 first).
std::uint32_t reference_block(const ModelSpec& m, std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                              std::uint32_t c) {
  struct RefTerm {
    bool negative;
    std::uint64_t sig;
    int lsb;
    int align;
  };
  std::vector<RefTerm> terms;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const Decoded x = decode_finite(a[k], m.in);
    const Decoded y = decode_finite(b[k], m.in);
    if (x.zero || y.zero) continue;
    terms.push_back({x.negative != y.negative, x.sig * y.sig, x.lsb + y.lsb, x.align + y.align});
  }
  if (m.fp16_output) {  // C passes through an FP16 register
    Mpfr cv(64);
    mpfr_set_d(cv.get(), static_cast<double>(val(c)), MPFR_RNDN);
    c = f32_of(round_to_format(cv.get(), 11, -14, 15, MPFR_RNDN));
  }
  const Decoded dc = decode_finite(c, kFp32Spec);
  if (!dc.zero) terms.push_back({dc.negative, dc.sig, dc.lsb, dc.align});
  if (terms.empty()) return 0;
  int e_max = terms.front().align;
  for (const RefTerm& t : terms) e_max = std::max(e_max, t.align);
  Mpfr sum(512);
  Mpfr term(128);
  mpfr_set_zero(sum.get(), 1);
  for (const RefTerm& t : terms) {
    mpfr_set_ui(term.get(), static_cast<unsigned long>(t.sig), MPFR_RNDN);
    mpfr_mul_2si(term.get(), term.get(), t.lsb - e_max + m.frac_bits, MPFR_RNDN);
    mpfr_trunc(term.get(), term.get());  // magnitude truncated toward zero
    if (t.negative) mpfr_neg(term.get(), term.get(), MPFR_RNDN);
    EXPECT_EQ(mpfr_add(sum.get(), sum.get(), term.get(), MPFR_RNDN), 0);
  }
  if (mpfr_zero_p(sum.get()) != 0) return 0;
  mpfr_mul_2si(sum.get(), sum.get(), e_max - m.frac_bits, MPFR_RNDN);
  if (m.fp16_output) return f32_of(round_to_format(sum.get(), 11, -14, 15, MPFR_RNDN));
  return f32_of(round_to_format(sum.get(), m.result_precision, -126, 127, MPFR_RNDZ));
}

std::uint32_t reference_dot(const ModelSpec& m, std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                            std::uint32_t c) {
  const auto block = static_cast<std::size_t>(m.block);
  for (std::size_t k = 0; k < a.size(); k += block) {
    const std::size_t len = std::min(block, a.size() - k);
    c = reference_block(m, a.subspan(k, len), b.subspan(k, len), c);
  }
  return c;
}

/// A random finite code: zeros, subnormals and normals up to max_exp, both signs.
std::uint64_t random_code(std::mt19937_64& rng, const IeeeLayout& s, bool ocp_e4m3, int max_exp) {
  const int bias = (1 << (s.exp_bits - 1)) - 1;
  const std::uint64_t mmask = (1ULL << s.man_bits) - 1;
  const std::uint64_t sign = (rng() & 1U) << (s.exp_bits + s.man_bits);
  const auto kind = rng() % 8;
  if (kind == 0) return sign;                    // zero
  if (kind == 1) return sign | (rng() & mmask);  // subnormal (or zero)
  const int top_field = ocp_e4m3 ? (1 << s.exp_bits) - 1 : (1 << s.exp_bits) - 2;
  const int lo = std::max(1, bias - max_exp);
  const int hi = std::min(top_field, bias + max_exp);
  const auto ef = static_cast<std::uint64_t>(lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1)));
  std::uint64_t mf = rng() & mmask;
  if (ocp_e4m3 && ef == static_cast<std::uint64_t>(top_field) && mf == mmask) mf = mmask - 1;  // not NaN
  return sign | (ef << s.man_bits) | mf;
}

/// A random non-zero FP32 accumulator with exponent in [min_exp, max_exp] (subnormal if below -126).
std::uint32_t random_c(std::mt19937_64& rng, int min_exp, int max_exp) {
  const int e = min_exp + static_cast<int>(rng() % static_cast<std::uint64_t>(max_exp - min_exp + 1));
  const auto sign = static_cast<std::uint32_t>(rng() & 1U) << 31;
  auto mant = static_cast<std::uint32_t>(rng() & 0x7FFFFFU);
  if (e < -126) {
    const int shift = std::min(23, -126 - e);
    mant = (mant | 0x800000U) >> shift;
    if (mant == 0) mant = 1;
    return sign | mant;
  }
  return sign | (static_cast<std::uint32_t>(e + 127) << 23) | mant;
}

const ModelSpec kModels[] = {
    {"hopper_fp8_e4m3", "hopper-fp8", &FloatFormat::e4m3, {4, 3}, 32, 13, 14, false, 99},
    {"hopper_fp8_e5m2", "hopper-fp8", &FloatFormat::e5m2, {5, 2}, 32, 13, 14, false, 99},
    {"hopper_fp8_e4m3_fp16out", "hopper-fp8", &FloatFormat::e4m3, {4, 3}, 32, 13, 0, true, 99},
    {"ada_fp8_e4m3", "ada-fp8", &FloatFormat::e4m3, {4, 3}, 16, 13, 14, false, 99},
    {"ada_fp8_e5m2", "ada-fp8", &FloatFormat::e5m2, {5, 2}, 16, 13, 14, false, 99},
    {"hopper_bf16", "hopper-bf16", &FloatFormat::bf16, {8, 7}, 16, 25, 24, false, 20},
    {"hopper_fp16", "hopper-fp16", &FloatFormat::fp16, {5, 10}, 16, 25, 24, false, 99},
    {"hopper_fp16_fp16out", "hopper-fp16", &FloatFormat::fp16, {5, 10}, 16, 25, 0, true, 99},
    {"hopper_tf32", "hopper-tf32", &FloatFormat::tf32, {8, 10}, 8, 25, 24, false, 20},
    {"ampere_bf16", "ampere-bf16", &FloatFormat::bf16, {8, 7}, 8, 24, 24, false, 20},
    {"ampere_fp16", "ampere-fp16", &FloatFormat::fp16, {5, 10}, 8, 24, 24, false, 99},
    {"ampere_fp16_fp16out", "ampere-fp16", &FloatFormat::fp16, {5, 10}, 8, 24, 0, true, 99},
    {"blackwell_bf16", "blackwell-bf16", &FloatFormat::bf16, {8, 7}, 16, 25, 24, false, 20},
};

class ReferenceModel : public ::testing::TestWithParam<ModelSpec> {};

TEST_P(ReferenceModel, PresetHasTheNotesParameters) {
  const ModelSpec& m = GetParam();
  const auto cfg = block_fma_preset(m.preset);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->block_size, m.block);
  EXPECT_EQ(cfg->frac_bits, m.frac_bits);
  EXPECT_EQ(cfg->fp32_rounding, Rounding::kTowardZero);
  EXPECT_EQ(cfg->fp32_result.exp_bits, 8);
  if (m.fp16_output) {
    EXPECT_TRUE(cfg->fp16_output);
  } else {
    EXPECT_EQ(cfg->fp32_result.man_bits + 1, m.result_precision);
  }
}

TEST_P(ReferenceModel, RandomChainedDotsMatchTheMpfrReference) {
  const ModelSpec& m = GetParam();
  const BlockFmaModel model =
      make_model(m.preset, m.input(), m.fp16_output ? OutputFormat::kFp16 : OutputFormat::kFp32);
  const bool ocp = m.input().nan == NanEncoding::kAllOnes;
  std::uint64_t seed = 0xB10C'0000ULL;
  for (const char ch : m.name) seed = seed * 131 + static_cast<unsigned char>(ch);
  std::mt19937_64 rng(seed);
  constexpr int kVectors = 1500;
  int mismatches = 0;
  int nonzero = 0;
  std::string first;
  for (int i = 0; i < kVectors; ++i) {
    const auto kk = static_cast<std::size_t>(1 + rng() % static_cast<std::uint64_t>(3 * m.block));
    std::vector<std::uint64_t> a(kk);
    std::vector<std::uint64_t> b(kk);
    for (std::size_t k = 0; k < kk; ++k) {
      a[k] = random_code(rng, m.in, ocp, m.max_input_exponent);
      b[k] = random_code(rng, m.in, ocp, m.max_input_exponent);
    }
    if (i % 4 == 1) {  // pairs of products that cancel exactly
      for (std::size_t k = 0; k + 1 < kk; k += 2) {
        a[k + 1] = a[k] ^ (1ULL << (m.in.exp_bits + m.in.man_bits));
        b[k + 1] = b[k];
      }
    }
    std::uint32_t c = 0;
    if (i % 8 != 0) c = m.fp16_output ? random_c(rng, -14, 14) : random_c(rng, -149, 50);
    const std::uint32_t want = reference_dot(m, a, b, c);
    const std::uint32_t got = model.dot(a, b, c);
    nonzero += (want & 0x7FFFFFFFU) != 0 ? 1 : 0;
    if (got != want && ++mismatches <= 5)
      first += "\n  vector " + std::to_string(i) + " (K=" + std::to_string(kk) + ", C=" + show(c) + "): model " +
               show(got) + ", reference " + show(want);
  }
  EXPECT_EQ(mismatches, 0) << "of " << kVectors << first;
  EXPECT_GT(nonzero, kVectors / 2);
}

INSTANTIATE_TEST_SUITE_P(Presets, ReferenceModel, ::testing::ValuesIn(kModels),
                         [](const auto& param_info) { return param_info.param.name; });

// The reference itself reproduces the hand-computed §8.4 vectors.
TEST(ReferenceModelSelfCheck, ReproducesTheNoteVectors) {
  const ModelSpec& m = kModels[0];
  for (const NoteCase& tc : note_cases()) {
    std::vector<std::uint64_t> a(32, 0);
    std::vector<std::uint64_t> b(32, 0);
    for (const Lane& l : tc.lanes) {
      a[static_cast<std::size_t>(l.k)] = l.a;
      b[static_cast<std::size_t>(l.k)] = l.b;
    }
    EXPECT_EQ(reference_block(m, a, b, f32(static_cast<float>(tc.c))), f32(static_cast<float>(tc.expected)))
        << tc.name;
  }
}

// blackwell-fp8: the exact sum of 32 products and C, rounded once to nearest even FP32.
TEST(ExactMode, BlackwellFp8EqualsCorrectlyRoundedExactSum) {
  const auto cfg = block_fma_preset("blackwell-fp8");
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(cfg->frac_bits, kExactAlignment);
  EXPECT_EQ(cfg->fp32_rounding, Rounding::kNearestEven);
  EXPECT_EQ(cfg->block_size, 32);
  std::mt19937_64 rng(0xB1AC'0001ULL);
  Mpfr exact(1024);
  Mpfr term(128);
  for (const bool e4m3 : {true, false}) {
    const IeeeLayout in = e4m3 ? IeeeLayout{4, 3} : IeeeLayout{5, 2};
    const BlockFmaModel model = make_model("blackwell-fp8", e4m3 ? FloatFormat::e4m3() : FloatFormat::e5m2());
    int mismatches = 0;
    int inexact = 0;
    std::string first;
    constexpr int kVectors = 3000;
    for (int i = 0; i < kVectors; ++i) {
      std::vector<std::uint64_t> a(32);
      std::vector<std::uint64_t> b(32);
      for (std::size_t k = 0; k < 32; ++k) {
        a[k] = random_code(rng, in, e4m3, 99);
        b[k] = random_code(rng, in, e4m3, 99);
      }
      const std::uint32_t c = random_c(rng, -149, 60);
      // The exact value: products and C at 1024 bits.
      const Decoded dc = decode_finite(c, kFp32Spec);
      mpfr_set_ui(exact.get(), static_cast<unsigned long>(dc.sig), MPFR_RNDN);
      mpfr_mul_2si(exact.get(), exact.get(), dc.lsb, MPFR_RNDN);
      if (dc.negative) mpfr_neg(exact.get(), exact.get(), MPFR_RNDN);
      for (std::size_t k = 0; k < 32; ++k) {
        const Decoded x = decode_finite(a[k], in);
        const Decoded y = decode_finite(b[k], in);
        if (x.zero || y.zero) continue;
        mpfr_set_ui(term.get(), static_cast<unsigned long>(x.sig * y.sig), MPFR_RNDN);
        mpfr_mul_2si(term.get(), term.get(), x.lsb + y.lsb, MPFR_RNDN);
        if (x.negative != y.negative) mpfr_neg(term.get(), term.get(), MPFR_RNDN);
        ASSERT_EQ(mpfr_add(exact.get(), exact.get(), term.get(), MPFR_RNDN), 0);
      }
      const std::uint32_t want = f32_of(round_to_format(exact.get(), 24, -126, 127, MPFR_RNDN));
      {
        Mpfr check(24);
        inexact += mpfr_set(check.get(), exact.get(), MPFR_RNDN) != 0 ? 1 : 0;
      }
      const std::uint32_t got = model.fused_block(a, b, c);
      EXPECT_EQ(model.dot(a, b, c), got);
      if (got != want && ++mismatches <= 5)
        first += "\n  vector " + std::to_string(i) + " (C=" + show(c) + "): model " + show(got) + ", MPFR " +
                 show(want);
    }
    EXPECT_EQ(mismatches, 0) << (e4m3 ? "e4m3" : "e5m2") << ": of " << kVectors << first;
    EXPECT_GT(inexact, kVectors / 2) << "the vectors should mostly need rounding";
  }
}

// ---------------------------------------------------------------------------------------
// Chaining and padding.

std::vector<std::uint64_t> random_e4m3(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = random_code(rng, IeeeLayout{4, 3}, true, 99);
  return v;
}

TEST(Chaining, DotOverK96IsThreeFusedBlocks) {
  std::mt19937_64 rng(0xC4A1'0001ULL);
  const BlockFmaModel m = make_model("hopper-fp8", FloatFormat::e4m3());
  const BlockFmaModel ada = make_model("ada-fp8", FloatFormat::e4m3());  // blocks of 16
  int differs_from_blocks_of_16 = 0;
  for (int i = 0; i < 500; ++i) {
    const auto a = random_e4m3(rng, 96);
    const auto b = random_e4m3(rng, 96);
    const std::uint32_t c0 = i % 2 == 0 ? 0 : random_c(rng, -20, 20);
    const std::span<const std::uint64_t> as(a);
    const std::span<const std::uint64_t> bs(b);
    std::uint32_t c = c0;
    for (std::size_t k = 0; k < 96; k += 32) c = m.fused_block(as.subspan(k, 32), bs.subspan(k, 32), c);
    ASSERT_EQ(m.dot(a, b, c0), c) << "vector " << i;
    differs_from_blocks_of_16 += ada.dot(a, b, c0) != c ? 1 : 0;
  }
  // The vectors are not so easy that the block boundaries never matter.
  EXPECT_GT(differs_from_blocks_of_16, 50);
}

TEST(Chaining, ShortLastBlockEqualsZeroPadding) {
  std::mt19937_64 rng(0xC4A1'0002ULL);
  for (const char* preset : {"hopper-fp8", "blackwell-fp8"}) {
    const BlockFmaModel m = make_model(preset, FloatFormat::e4m3());
    for (int i = 0; i < 500; ++i) {
      auto a = random_e4m3(rng, 40);
      auto b = random_e4m3(rng, 40);
      const std::uint32_t c0 = i % 2 == 0 ? 0 : random_c(rng, -20, 20);
      const std::uint32_t short_k = m.dot(a, b, c0);
      // Explicit zero padding to 64, with zeros in a, in b, or in both.
      a.resize(64, 0);
      b.resize(64, 0);
      for (std::size_t k = 40; k < 64; ++k) {
        if (i % 3 == 1) a[k] = random_code(rng, IeeeLayout{4, 3}, true, 99);
        if (i % 3 == 2) b[k] = random_code(rng, IeeeLayout{4, 3}, true, 99);
      }
      ASSERT_EQ(m.dot(a, b, c0), short_k) << preset << " vector " << i;
      // And by hand: block 0..31 then the 8 remaining products.
      const std::span<const std::uint64_t> as(a);
      const std::span<const std::uint64_t> bs(b);
      const std::uint32_t first = m.fused_block(as.subspan(0, 32), bs.subspan(0, 32), c0);
      ASSERT_EQ(m.fused_block(as.subspan(32, 8), bs.subspan(32, 8), first), short_k) << preset << " vector " << i;
    }
  }
}

TEST(Chaining, EmptyAndAllZeroBlocks) {
  const BlockFmaModel m = make_model("hopper-fp8", FloatFormat::e4m3());
  const std::vector<std::uint64_t> none;
  EXPECT_EQ(m.dot(none, none, f32(1.5F)), f32(1.5F));  // no blocks: C unchanged
  const std::vector<std::uint64_t> zeros(32, 0);
  EXPECT_EQ(m.fused_block(zeros, zeros, 0), 0U);
  EXPECT_EQ(m.fused_block(zeros, zeros, f32(-0.0F)), 0U);  // (+0 products) + (-0) = +0, as in IEEE RN
  // All products zero: C alone is truncated to 13 fractional bits (§8.3, [SAGE2]).
  EXPECT_EQ(m.fused_block(zeros, zeros, 0x3FFFFFFFU), 0x3FFFFC00U);
}

}  // namespace
}  // namespace codesim::numerics
