// FloatFormat: format constants, parsing, decoding of special values, and conversions from
// binary32 checked against MPFR (correct rounding with the target's precision, exponent
// range and gradual underflow) on random samples and on every tie and boundary enumerated
// near the smallest subnormal, the subnormal/normal boundary, 1.0 and the largest finite value.
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
#include <string>
#include <vector>

#include "emulator/numerics/float_format.hpp"
#include "tests/support/ieee_oracle.hpp"

namespace codesim::numerics {
namespace {

using codesim::testing::decode_value;
using codesim::testing::IeeeLayout;
using codesim::testing::round_to_format;
using codesim::testing::same_value;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g (%a)", v, v);
  return buf;
}

// ---------------------------------------------------------------------------------------
// Format constants, written down from the numerics note (§7) and IEEE 754, not derived
// from FloatFormat.

TEST(FloatFormat, LargestFiniteValues) {
  struct Row {
    const FloatFormat& fmt;
    std::uint64_t max_code;
    double max_value;
  };
  const Row rows[] = {
      {FloatFormat::e4m3(), 0x7E, 448.0},
      {FloatFormat::e5m2(), 0x7B, 57344.0},
      {FloatFormat::fp16(), 0x7BFF, 65504.0},
      {FloatFormat::bf16(), 0x7F7F, 0x1.FEp127},
      {FloatFormat::fp32(), 0x7F7FFFFF, static_cast<double>(std::numeric_limits<float>::max())},
      {FloatFormat::fp64(), 0x7FEFFFFFFFFFFFFFULL, std::numeric_limits<double>::max()},
      {FloatFormat::tf32(), 0x3FBFF, 0x1.FFCp127},
      {FloatFormat::e5m6(), 0x7BF, 65024.0},
      {FloatFormat::fp22(), 0x1FDFFF, 0x1.FFF8p127},
      {FloatFormat::ue8m0(), 0xFE, 0x1p127},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.fmt.name);
    EXPECT_EQ(to_double(r.max_code, r.fmt), r.max_value);
    EXPECT_EQ(std::ldexp(static_cast<double>(r.fmt.max_significand()), r.fmt.max_exponent() - r.fmt.man_bits),
              r.max_value);
    if (r.fmt.is_signed) {
      EXPECT_EQ(to_double(r.max_code | (1ULL << (r.fmt.total_bits() - 1)), r.fmt), -r.max_value);
    }
  }
}

TEST(FloatFormat, SmallestValuesAndExponentRange) {
  struct Row {
    const FloatFormat& fmt;
    double min_subnormal;  // value of code 1 (UE8M0: code 0, it has no zero)
    double min_normal;
    int min_exponent;
    int max_exponent;
  };
  const Row rows[] = {
      {FloatFormat::e4m3(), 0x1p-9, 0x1p-6, -6, 8},      {FloatFormat::e5m2(), 0x1p-16, 0x1p-14, -14, 15},
      {FloatFormat::fp16(), 0x1p-24, 0x1p-14, -14, 15},  {FloatFormat::bf16(), 0x1p-133, 0x1p-126, -126, 127},
      {FloatFormat::fp32(), 0x1p-149, 0x1p-126, -126, 127}, {FloatFormat::fp64(), 0x1p-1074, 0x1p-1022, -1022, 1023},
      {FloatFormat::tf32(), 0x1p-136, 0x1p-126, -126, 127}, {FloatFormat::e5m6(), 0x1p-20, 0x1p-14, -14, 15},
      {FloatFormat::fp22(), 0x1p-139, 0x1p-126, -126, 127},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.fmt.name);
    EXPECT_EQ(to_double(1, r.fmt), r.min_subnormal);
    EXPECT_EQ(to_double(1ULL << r.fmt.man_bits, r.fmt), r.min_normal);
    EXPECT_EQ(to_double((1ULL << r.fmt.man_bits) - 1, r.fmt), r.min_normal - r.min_subnormal);
    EXPECT_EQ(r.fmt.min_exponent(), r.min_exponent);
    EXPECT_EQ(r.fmt.max_exponent(), r.max_exponent);
    EXPECT_EQ(to_double(0, r.fmt), 0.0);
    EXPECT_TRUE(std::signbit(to_double(1ULL << (r.fmt.total_bits() - 1), r.fmt)));  // -0
  }
  const FloatFormat& ue = FloatFormat::ue8m0();
  EXPECT_EQ(to_double(0x00, ue), 0x1p-127);
  EXPECT_EQ(to_double(0x7F, ue), 1.0);
  EXPECT_EQ(ue.min_exponent(), -127);
  EXPECT_EQ(ue.max_exponent(), 127);
}

TEST(FloatFormat, BitWidthsAndHexDigits) {
  struct Row {
    const FloatFormat& fmt;
    int bits;
    int hex;
  };
  const Row rows[] = {{FloatFormat::e4m3(), 8, 2},  {FloatFormat::e5m2(), 8, 2},  {FloatFormat::bf16(), 16, 4},
                      {FloatFormat::fp16(), 16, 4}, {FloatFormat::fp32(), 32, 8}, {FloatFormat::fp64(), 64, 16},
                      {FloatFormat::tf32(), 19, 5}, {FloatFormat::e5m6(), 12, 3}, {FloatFormat::ue8m0(), 8, 2},
                      {FloatFormat::fp22(), 22, 6}};
  for (const Row& r : rows) {
    EXPECT_EQ(r.fmt.total_bits(), r.bits) << r.fmt.name;
    EXPECT_EQ(r.fmt.hex_digits(), r.hex) << r.fmt.name;
  }
  EXPECT_EQ(parse_format("e3m4")->hex_digits(), 2);
  EXPECT_EQ(parse_format("e5m10")->hex_digits(), 4);
  EXPECT_EQ(parse_format("e2m1")->hex_digits(), 1);
}

// ---------------------------------------------------------------------------------------
// Parsing.

TEST(ParseFormat, PresetsRoundTrip) {
  const std::vector<std::string> names = preset_format_names();
  const std::vector<std::string> expected = {"e4m3", "e5m2", "bf16", "fp16", "fp32",
                                             "fp64", "tf32", "e5m6", "ue8m0", "fp22"};
  EXPECT_EQ(names, expected);
  const FloatFormat* presets[] = {&FloatFormat::e4m3(), &FloatFormat::e5m2(), &FloatFormat::bf16(),
                                  &FloatFormat::fp16(), &FloatFormat::fp32(), &FloatFormat::fp64(),
                                  &FloatFormat::tf32(), &FloatFormat::e5m6(), &FloatFormat::ue8m0(),
                                  &FloatFormat::fp22()};
  for (const FloatFormat* p : presets) {
    const auto f = parse_format(p->name);
    ASSERT_TRUE(f.has_value()) << p->name;
    EXPECT_EQ(f->name, p->name);
    EXPECT_EQ(f->exp_bits, p->exp_bits) << p->name;
    EXPECT_EQ(f->man_bits, p->man_bits) << p->name;
    EXPECT_EQ(f->bias, p->bias) << p->name;
    EXPECT_EQ(f->is_signed, p->is_signed) << p->name;
    EXPECT_EQ(f->has_inf, p->has_inf) << p->name;
    EXPECT_EQ(f->nan, p->nan) << p->name;
    EXPECT_EQ(f->has_subnormals, p->has_subnormals) << p->name;
  }
  // The OCP FP8 names give the OCP formats, not the IEEE-like generic reading.
  EXPECT_FALSE(parse_format("e4m3")->has_inf);
  EXPECT_EQ(parse_format("e4m3")->nan, NanEncoding::kAllOnes);
  EXPECT_TRUE(parse_format("e5m2")->has_inf);
  EXPECT_FALSE(parse_format("ue8m0")->is_signed);
  EXPECT_FALSE(parse_format("ue8m0")->has_subnormals);
}

TEST(ParseFormat, GenericExMy) {
  const auto f = parse_format("e3m4");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->name, "e3m4");
  EXPECT_EQ(f->exp_bits, 3);
  EXPECT_EQ(f->man_bits, 4);
  EXPECT_EQ(f->bias, 3);
  EXPECT_TRUE(f->is_signed);
  EXPECT_TRUE(f->has_inf);
  EXPECT_EQ(f->nan, NanEncoding::kIeee);
  EXPECT_TRUE(f->has_subnormals);
  EXPECT_EQ(to_double(0x6F, *f), 15.5);  // 0.110.1111 = 1.9375 * 2^3
  EXPECT_EQ(to_double(0x01, *f), 0x1p-6);
  EXPECT_TRUE(std::isinf(to_double(0x70, *f)));
  EXPECT_TRUE(std::isnan(to_double(0x71, *f)));

  const auto g = parse_format("e8m23");  // generic spelling of binary32
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->bias, 127);
  EXPECT_EQ(to_double(0x7F7FFFFF, *g), static_cast<double>(std::numeric_limits<float>::max()));
  const auto h = parse_format("e11m52");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->bias, 1023);
  ASSERT_TRUE(parse_format("e2m1").has_value());
  EXPECT_EQ(parse_format("e2m1")->bias, 1);
}

TEST(ParseFormat, RejectsBadNames) {
  for (const char* bad : {"e0m3", "x4m3", "e4m", "e12m3", "", "e", "m3", "em3", "e4m3x", "e4x3", "E4M3", "e4m53",
                          "e-4m3", "e+4m3", "e4m-3", "e 4m3", "e4mm3", "e4m3 ", "fp8", "bf15", "e99999999999m3"}) {
    EXPECT_FALSE(parse_format(bad).has_value()) << '"' << bad << '"';
  }
}

// ---------------------------------------------------------------------------------------
// Decoding of special values.

TEST(Unpack, SpecialValues) {
  const FloatFormat& e4m3 = FloatFormat::e4m3();
  EXPECT_EQ(unpack(0x7F, e4m3).cls, FloatClass::kNan);
  EXPECT_EQ(unpack(0xFF, e4m3).cls, FloatClass::kNan);
  Unpacked u = unpack(0x7E, e4m3);
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_FALSE(u.negative);
  EXPECT_EQ(u.significand, 14U);
  EXPECT_EQ(u.exponent, 5);
  u = unpack(0x78, e4m3);  // S.1111.000 is 256 in E4M3, not infinity
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_EQ(std::ldexp(static_cast<double>(u.significand), u.exponent), 256.0);
  u = unpack(0x80, e4m3);
  EXPECT_EQ(u.cls, FloatClass::kZero);
  EXPECT_TRUE(u.negative);
  u = unpack(0x81, e4m3);  // -2^-9, subnormal: significand 1 at the minimum exponent
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_TRUE(u.negative);
  EXPECT_EQ(u.significand, 1U);
  EXPECT_EQ(u.exponent, -9);
  EXPECT_EQ(alignment_exponent(u, e4m3), -6);

  const FloatFormat& e5m2 = FloatFormat::e5m2();
  u = unpack(0x7C, e5m2);
  EXPECT_EQ(u.cls, FloatClass::kInf);
  EXPECT_FALSE(u.negative);
  u = unpack(0xFC, e5m2);
  EXPECT_EQ(u.cls, FloatClass::kInf);
  EXPECT_TRUE(u.negative);
  for (const std::uint64_t nan : {0x7DULL, 0x7EULL, 0x7FULL, 0xFDULL, 0xFEULL, 0xFFULL})
    EXPECT_EQ(unpack(nan, e5m2).cls, FloatClass::kNan) << hex(nan);
  u = unpack(0x7B, e5m2);
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_EQ(u.significand, 7U);
  EXPECT_EQ(u.exponent, 13);

  const FloatFormat& ue = FloatFormat::ue8m0();
  u = unpack(0x00, ue);  // no zero: 2^-127
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_FALSE(u.negative);
  EXPECT_EQ(std::ldexp(static_cast<double>(u.significand), u.exponent), 0x1p-127);
  EXPECT_EQ(unpack(0xFF, ue).cls, FloatClass::kNan);
  u = unpack(0x80, ue);  // unsigned: the top bit is part of the exponent
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_FALSE(u.negative);
  EXPECT_EQ(std::ldexp(static_cast<double>(u.significand), u.exponent), 2.0);

  const FloatFormat& f32 = FloatFormat::fp32();
  EXPECT_EQ(unpack(0x7F800000, f32).cls, FloatClass::kInf);
  EXPECT_EQ(unpack(0xFFC00000, f32).cls, FloatClass::kNan);
  u = unpack(0x00000003, f32);
  EXPECT_EQ(u.cls, FloatClass::kFinite);
  EXPECT_EQ(u.significand, 3U);
  EXPECT_EQ(u.exponent, -149);
  EXPECT_EQ(alignment_exponent(u, f32), -126);
}

TEST(Pack, CanonicalPatterns) {
  EXPECT_EQ(pack_nan(false, FloatFormat::fp32()), 0x7FFFFFFFU);
  EXPECT_EQ(pack_nan(false, FloatFormat::e4m3()), 0x7FU);
  EXPECT_EQ(pack_nan(true, FloatFormat::e4m3()), 0xFFU);
  EXPECT_EQ(pack_nan(false, FloatFormat::ue8m0()), 0xFFU);
  EXPECT_EQ(pack_inf(true, FloatFormat::e5m2()), 0xFCU);
  EXPECT_EQ(pack_inf(false, FloatFormat::bf16()), 0x7F80U);
  EXPECT_EQ(pack_zero(true, FloatFormat::fp16()), 0x8000U);
}

// ---------------------------------------------------------------------------------------
// An independent description of the conversion targets and an independent decoder.

struct Spec {
  std::string name;
  const FloatFormat& (*format)();
  int exp_bits;
  int man_bits;
  int bias;
  int min_exp;  ///< exponent of the smallest normal binade
  int max_exp;  ///< exponent of the largest finite binade
  double max_finite;
  bool ocp_nan;  ///< E4M3: only S.1111.111 is NaN and there is no infinity
};

void PrintTo(const Spec& s, std::ostream* os) { *os << s.name; }

/// The independent decoder, with the Spec's own bias and NaN convention.
double ref_decode(std::uint64_t bits, const Spec& s) {
  return decode_value(bits, IeeeLayout(s.exp_bits, s.man_bits, s.bias, s.ocp_nan));
}

std::uint64_t max_code(const Spec& s) {
  const std::uint64_t mmask = (1ULL << s.man_bits) - 1;
  if (s.ocp_nan) return (((1ULL << s.exp_bits) - 1) << s.man_bits) | (mmask - 1);
  return (((1ULL << s.exp_bits) - 2) << s.man_bits) | mmask;
}

double ulp_of_max(const Spec& s) { return std::ldexp(1.0, s.max_exp - s.man_bits); }

/// x rounded by MPFR to man_bits+1 bits with the format's exponent range and subnormals.
double oracle_round(double x, const Spec& s, Rounding rounding) {
  return round_to_format(x, s.man_bits + 1, s.min_exp, s.max_exp,
                         rounding == Rounding::kNearestEven ? MPFR_RNDN : MPFR_RNDZ);
}

std::uint64_t to_format(float x, const Spec& s, Rounding rounding, bool saturate) {
  return convert(std::bit_cast<std::uint32_t>(x), FloatFormat::fp32(), s.format(), rounding, saturate);
}

/// Whether MPFR's range agrees with the format's for |x|: below the overflow threshold.
bool in_oracle_range(float x, const Spec& s, Rounding rounding) {
  if (!std::isfinite(x)) return false;
  const double a = std::fabs(static_cast<double>(x));
  const double ulp = ulp_of_max(s);
  if (rounding == Rounding::kTowardZero) return a < s.max_finite + ulp;
  // E4M3: the tie at 448 + ulp/2 = 464 rounds to the even 448; IEEE-like: it overflows.
  return s.ocp_nan ? a <= s.max_finite + ulp / 2 : a < s.max_finite + ulp / 2;
}

struct Tally {
  long checked = 0;
  long failed = 0;
  std::string first;
};

void compare(float x, const Spec& s, Rounding rounding, bool saturate, Tally& t) {
  const std::uint64_t ours = to_format(x, s, rounding, saturate);
  const double got = ref_decode(ours, s);
  const double want = oracle_round(static_cast<double>(x), s, rounding);
  ++t.checked;
  if (same_value(got, want)) return;
  if (++t.failed <= 8)
    t.first += "\n  x = " + show(static_cast<double>(x)) + (rounding == Rounding::kNearestEven ? " RNE" : " RZ") +
               (saturate ? " sat" : "") + ": ours " + hex(ours) + " = " + show(got) + ", MPFR " + show(want);
}

const Spec kSpecs[] = {
    {"bf16", &FloatFormat::bf16, 8, 7, 127, -126, 127, 0x1.FEp127, false},
    {"fp16", &FloatFormat::fp16, 5, 10, 15, -14, 15, 65504.0, false},
    {"tf32", &FloatFormat::tf32, 8, 10, 127, -126, 127, 0x1.FFCp127, false},
    {"e5m6", &FloatFormat::e5m6, 5, 6, 15, -14, 15, 65024.0, false},
    {"fp22", &FloatFormat::fp22, 8, 13, 127, -126, 127, 0x1.FFF8p127, false},
    {"e5m2", &FloatFormat::e5m2, 5, 2, 15, -14, 15, 57344.0, false},
    {"e4m3", &FloatFormat::e4m3, 4, 3, 7, -6, 8, 448.0, true},
};

class ConvertFromFp32 : public ::testing::TestWithParam<Spec> {};

TEST_P(ConvertFromFp32, SpecMatchesFormat) {
  const Spec& s = GetParam();
  const FloatFormat& f = s.format();
  EXPECT_EQ(f.exp_bits, s.exp_bits);
  EXPECT_EQ(f.man_bits, s.man_bits);
  EXPECT_EQ(f.bias, s.bias);
  EXPECT_EQ(ref_decode(max_code(s), s), s.max_finite);
  EXPECT_EQ(to_double(max_code(s), f), s.max_finite);
}

// The harness itself: MPFR's emulation of the format agrees with hand-computed roundings.
TEST(MpfrHarness, KnownRoundings) {
  const Spec& bf16 = kSpecs[0];
  const Spec& fp16 = kSpecs[1];
  const Spec& e4m3 = kSpecs[6];
  const auto rne = Rounding::kNearestEven;
  const auto rz = Rounding::kTowardZero;
  EXPECT_EQ(oracle_round(0x1p-25, fp16, rne), 0.0);        // half the smallest subnormal: tie to 0
  EXPECT_EQ(oracle_round(0x1.8p-25, fp16, rne), 0x1p-24);  // above the tie
  EXPECT_EQ(oracle_round(0x3p-25, fp16, rne), 0x1p-23);    // 1.5 subnormal quanta: tie to even 2
  EXPECT_EQ(oracle_round(0x5p-25, fp16, rne), 0x1p-23);    // 2.5 quanta: tie to even 2
  EXPECT_EQ(oracle_round(0x1.FFFp-15, fp16, rz), 0x1.FF8p-15);
  EXPECT_EQ(oracle_round(1.0 + 0x1p-11, fp16, rne), 1.0);
  EXPECT_EQ(oracle_round(1.0 + 0x3p-11, fp16, rne), 1.0 + 0x1p-9);
  EXPECT_EQ(oracle_round(65519.0, fp16, rne), 65504.0);
  EXPECT_EQ(oracle_round(-0x1p-30, fp16, rne), 0.0);
  EXPECT_TRUE(std::signbit(oracle_round(-0x1p-30, fp16, rne)));
  EXPECT_EQ(oracle_round(1.0 + 0x1p-8, bf16, rne), 1.0);
  EXPECT_EQ(oracle_round(0x1p-134, bf16, rne), 0.0);
  EXPECT_EQ(oracle_round(0x1.000002p-134, bf16, rne), 0x1p-133);
  EXPECT_EQ(oracle_round(464.0, e4m3, rne), 448.0);
  EXPECT_EQ(oracle_round(0x1p-10, e4m3, rne), 0.0);
  EXPECT_EQ(oracle_round(0x1.2p-10, e4m3, rne), 0x1p-9);
  EXPECT_EQ(oracle_round(479.0, e4m3, rz), 448.0);
}

float random_input(std::mt19937_64& rng, const Spec& s) {
  if (rng() % 8 == 0) return std::bit_cast<float>(static_cast<std::uint32_t>(rng()));  // any pattern
  // Otherwise a binade from a few below the smallest subnormal to the top one, with a
  // random number of trailing zero bits so that ties and exact values are common.
  const int lo = s.min_exp - s.man_bits - 3;
  const int hi = s.max_exp;
  const int e = lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  auto mant = static_cast<std::uint32_t>(rng() & 0x7FFFFFU);
  const auto zeros = static_cast<int>(rng() % 24);
  mant &= ~((1U << zeros) - 1U);
  const auto f = static_cast<float>(std::ldexp(static_cast<double>(0x800000U | mant), e - 23));
  return (rng() & 1U) != 0 ? -f : f;
}

TEST_P(ConvertFromFp32, RandomSampleMatchesMpfr) {
  const Spec& s = GetParam();
  std::mt19937_64 rng(0xC0DE'51A1ULL + static_cast<std::uint64_t>(s.exp_bits * 64 + s.man_bits));
  constexpr int kSamples = 200'000;
  Tally rne;
  Tally rz;
  int accepted = 0;
  while (accepted < kSamples) {
    const float x = random_input(rng, s);
    if (!in_oracle_range(x, s, Rounding::kTowardZero)) continue;
    ++accepted;
    compare(x, s, Rounding::kTowardZero, false, rz);
    if (in_oracle_range(x, s, Rounding::kNearestEven)) compare(x, s, Rounding::kNearestEven, false, rne);
  }
  EXPECT_EQ(rne.failed, 0) << "RNE: of " << rne.checked << rne.first;
  EXPECT_EQ(rz.failed, 0) << "RZ: of " << rz.checked << rz.first;
  EXPECT_GT(rne.checked, kSamples * 9 / 10);
}

/// Every representable neighbour pair near the interesting places, their midpoints and
/// quarter points, the binary32 neighbours of all of those, and the points just above the
/// largest finite value; both signs.
std::vector<float> boundary_inputs(const Spec& s) {
  std::vector<double> points;
  auto pair_points = [&](std::uint64_t code) {
    const double lo = ref_decode(code, s);
    const double hi = ref_decode(code + 1, s);
    for (const double p : {lo, hi, (lo + hi) / 2, lo + (hi - lo) / 4, lo + 3 * (hi - lo) / 4}) points.push_back(p);
  };
  const auto first_normal = static_cast<std::int64_t>(1ULL << s.man_bits);
  const auto one = static_cast<std::int64_t>(s.bias) << s.man_bits;
  const auto top = static_cast<std::int64_t>(max_code(s));
  for (std::int64_t c = 0; c < 40; ++c) pair_points(static_cast<std::uint64_t>(c));
  for (std::int64_t c = std::max<std::int64_t>(0, first_normal - 40); c < first_normal + 40; ++c)
    pair_points(static_cast<std::uint64_t>(c));
  for (std::int64_t c = one - 20; c < one + 20; ++c) pair_points(static_cast<std::uint64_t>(c));
  for (std::int64_t c = std::max<std::int64_t>(0, top - 40); c < top; ++c) pair_points(static_cast<std::uint64_t>(c));
  const double ulp = ulp_of_max(s);
  for (const double k : {0.25, 0.5, 0.75, 1.0, 1.5}) points.push_back(s.max_finite + k * ulp);

  std::vector<float> out;
  for (const double p : points) {
    if (p > static_cast<double>(std::numeric_limits<float>::max())) continue;  // above binary32
    const auto f = static_cast<float>(p);
    EXPECT_EQ(static_cast<double>(f), p) << "boundary point not a binary32 value: " << show(p);
    for (const float g : {f, std::nextafter(f, 0.0F), std::nextafter(f, std::numeric_limits<float>::infinity())}) {
      out.push_back(g);
      out.push_back(-g);
    }
  }
  return out;
}

TEST_P(ConvertFromFp32, TiesAndBoundariesMatchMpfr) {
  const Spec& s = GetParam();
  Tally t;
  for (const float x : boundary_inputs(s)) {
    for (const Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero}) {
      if (!in_oracle_range(x, s, r)) continue;
      compare(x, s, r, false, t);
      compare(x, s, r, true, t);  // saturation changes nothing below the overflow threshold
    }
  }
  EXPECT_EQ(t.failed, 0) << "of " << t.checked << t.first;
  EXPECT_GT(t.checked, 2000);
}

// Conversions that must be exact: every code to binary32 and back, both roundings.
TEST_P(ConvertFromFp32, EveryCodeRoundTripsThroughFp32) {
  const Spec& s = GetParam();
  const FloatFormat& f = s.format();
  const std::uint64_t codes = 1ULL << (s.exp_bits + s.man_bits + 1);
  const std::uint64_t stride = codes > (1ULL << 20) ? 7 : 1;  // FP22: every 7th of 4M codes
  long failures = 0;
  for (std::uint64_t code = 0; code < codes; code += stride) {
    const double want = ref_decode(code, s);
    const double decoded = to_double(code, f);
    const std::uint64_t f32 = convert(code, f, FloatFormat::fp32(), Rounding::kNearestEven, false);
    if (std::isnan(want)) {
      failures += std::isnan(decoded) ? 0 : 1;
      failures += f32 == 0x7FFFFFFFU ? 0 : 1;  // canonical NaN
      continue;
    }
    const double via_f32 = static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(f32)));
    bool ok = same_value(decoded, want) && same_value(via_f32, want);
    for (const Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero})
      ok = ok && convert(f32, FloatFormat::fp32(), f, r, false) == code;
    if (!ok && ++failures <= 5) ADD_FAILURE() << s.name << " code " << hex(code) << " = " << show(want);
  }
  EXPECT_EQ(failures, 0);
}

// Overflow, infinities and NaN (hand-written expectations, §7).
TEST_P(ConvertFromFp32, OverflowInfinityAndNan) {
  const Spec& s = GetParam();
  const double ulp = ulp_of_max(s);
  const float inf = std::numeric_limits<float>::infinity();
  const auto flt_max = static_cast<double>(std::numeric_limits<float>::max());
  std::vector<float> overflowing = {std::nextafter(static_cast<float>(s.max_finite + ulp / 2), inf),
                                    std::numeric_limits<float>::max()};
  for (const double k : {0.75, 1.0, 3.0})
    if (s.max_finite + k * ulp <= flt_max) overflowing.push_back(static_cast<float>(s.max_finite + k * ulp));
  // IEEE-like formats: the tie at max + ulp/2 rounds to the even neighbour 2^(max_exp+1), which
  // overflows. (E4M3's tie at 464 rounds to 448; see the E4M3 lines below.)
  if (!s.ocp_nan) overflowing.push_back(static_cast<float>(s.max_finite + ulp / 2));
  const auto rne = Rounding::kNearestEven;
  const auto rz = Rounding::kTowardZero;
  for (const float x0 : overflowing) {
    for (const float x : {x0, -x0}) {
      SCOPED_TRACE(show(static_cast<double>(x)));
      const double sign = x < 0 ? -1.0 : 1.0;
      if (s.ocp_nan) {
        EXPECT_TRUE(std::isnan(ref_decode(to_format(x, s, rne, false), s)));
      } else {
        EXPECT_EQ(ref_decode(to_format(x, s, rne, false), s), sign * kInf);
      }
      EXPECT_EQ(ref_decode(to_format(x, s, rne, true), s), sign * s.max_finite);
      EXPECT_EQ(ref_decode(to_format(x, s, rz, false), s), sign * s.max_finite);
      EXPECT_EQ(ref_decode(to_format(x, s, rz, true), s), sign * s.max_finite);
    }
  }
  // E4M3 keeps the sign on its NaN; __nv_cvt_float_to_fp8 gives 0x7F / 0xFF too.
  if (s.ocp_nan) {
    EXPECT_EQ(to_format(500.0F, s, rne, false), 0x7FU);
    EXPECT_EQ(to_format(-500.0F, s, rne, false), 0xFFU);
    EXPECT_EQ(to_format(464.0F, s, rne, false), 0x7EU);
    EXPECT_EQ(to_format(std::nextafter(464.0F, 0.0F), s, rne, false), 0x7EU);
  }
  for (const float x : {inf, -inf}) {
    const double sign = x < 0 ? -1.0 : 1.0;
    for (const Rounding r : {rne, rz}) {
      const double no_sat = ref_decode(to_format(x, s, r, false), s);
      if (s.ocp_nan) {
        EXPECT_TRUE(std::isnan(no_sat));
      } else {
        EXPECT_EQ(no_sat, sign * kInf);  // infinity converts exactly
      }
      EXPECT_EQ(ref_decode(to_format(x, s, r, true), s), sign * s.max_finite);
    }
  }
  for (const std::uint32_t nan : {0x7FC00000U, 0xFFC00000U, 0x7F800001U, 0xFFFFFFFFU}) {
    for (const bool sat : {false, true}) {
      const std::uint64_t r = convert(nan, FloatFormat::fp32(), s.format(), rne, sat);
      EXPECT_TRUE(std::isnan(ref_decode(r, s))) << hex(nan);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, ConvertFromFp32, ::testing::ValuesIn(kSpecs),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(ConvertUe8m0, PowersOfTwoAndNan) {
  const FloatFormat& ue = FloatFormat::ue8m0();
  const auto to_ue = [&](float x) {
    return convert(std::bit_cast<std::uint32_t>(x), FloatFormat::fp32(), ue, Rounding::kNearestEven, false);
  };
  EXPECT_EQ(to_ue(1.0F), 0x7FU);
  EXPECT_EQ(to_ue(0x1p-127F), 0x00U);
  EXPECT_EQ(to_ue(0x1p127F), 0xFEU);
  EXPECT_EQ(to_ue(0x1p-3F), 0x7CU);
  EXPECT_EQ(to_ue(std::numeric_limits<float>::quiet_NaN()), 0xFFU);
  EXPECT_EQ(to_ue(-1.0F), 0xFFU);  // no negative values: NaN
}

}  // namespace
}  // namespace codesim::numerics
