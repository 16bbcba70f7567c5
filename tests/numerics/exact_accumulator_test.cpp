// ExactAccumulator against MPFR: the exact sum is formed by MPFR at 4000 bits (every
// addition checked to be exact), then rounded by MPFR to binary16/32/64 with the target's
// exponent range and gradual underflow; the accumulator's rounded results must agree bit for
// bit (signed zeros included), in both rounding modes.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/numerics/exact_accumulator.hpp"
#include "tests/support/ieee_oracle.hpp"

namespace codesim::numerics {
namespace {

using codesim::testing::decode_value;
using codesim::testing::IeeeLayout;
using codesim::testing::Mpfr;
using codesim::testing::round_to_format;
using codesim::testing::same_value;

constexpr mpfr_prec_t kExactPrecision = 4000;
constexpr double kInf = std::numeric_limits<double>::infinity();
/// Largest top-bit position (relative to bit 0 of the accumulator) this file's sequences use,
/// leaving room for carries from up to 2^20 terms below the accumulator's limit.
constexpr int kTopLimit = ExactAccumulator::kMinExponent + 2400;

struct AccTerm {
  bool negative = false;
  UInt128 magnitude = 0;
  int lsb_exponent = 0;
};

/// Sets `out` to the term exactly (4000 bits hold any 128-bit magnitude).
void set_term(mpfr_ptr out, const AccTerm& t) {
  int inexact = mpfr_set_ui(out, static_cast<unsigned long>(static_cast<std::uint64_t>(t.magnitude >> 64)), MPFR_RNDN);
  inexact |= mpfr_mul_2ui(out, out, 64, MPFR_RNDN);
  inexact |= mpfr_add_ui(out, out, static_cast<unsigned long>(static_cast<std::uint64_t>(t.magnitude)), MPFR_RNDN);
  inexact |= mpfr_mul_2si(out, out, t.lsb_exponent, MPFR_RNDN);
  if (t.negative) inexact |= mpfr_neg(out, out, MPFR_RNDN);
  ASSERT_EQ(inexact, 0);
}

/// IEEE binary interchange formats, described independently of FloatFormat.
struct Ieee {
  std::string name;
  const FloatFormat& (*format)();
  int exp_bits;
  int man_bits;
};

IeeeLayout layout(const Ieee& s) { return {s.exp_bits, s.man_bits}; }

int ieee_bias(const Ieee& s) { return layout(s).bias; }

double decode(std::uint64_t bits, const Ieee& s) { return decode_value(bits, layout(s)); }

/// The exact value correctly rounded by MPFR to the format (range and subnormals emulated).
double oracle_round(mpfr_srcptr exact, const Ieee& s, Rounding rounding) {
  return round_to_format(exact, s.man_bits + 1, 1 - ieee_bias(s), ieee_bias(s),
                         rounding == Rounding::kNearestEven ? MPFR_RNDN : MPFR_RNDZ);
}

const Ieee kTargets[] = {
    {"fp16", &FloatFormat::fp16, 5, 10},
    {"fp32", &FloatFormat::fp32, 8, 23},
    {"fp64", &FloatFormat::fp64, 11, 52},
};

std::string show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g (%a)", v, v);
  return buf;
}

/// Runs a sequence through the accumulator and MPFR and compares every rounding.
class Checker {
 public:
  Checker() : exact_(kExactPrecision), term_(kExactPrecision) {}

  void run(const std::vector<AccTerm>& terms, const std::string& label) {
    ExactAccumulator acc;
    mpfr_set_zero(exact_.get(), 1);
    for (const AccTerm& t : terms) {
      acc.add(t.negative, t.magnitude, t.lsb_exponent);
      set_term(term_.get(), t);
      ASSERT_EQ(mpfr_add(exact_.get(), exact_.get(), term_.get(), MPFR_RNDN), 0) << "MPFR sum not exact";
    }
    ++sequences_;
    zeros_ += mpfr_zero_p(exact_.get()) != 0 ? 1 : 0;
    expect(acc.is_zero() == (mpfr_zero_p(exact_.get()) != 0), label + ": is_zero");
    expect(acc.is_negative() == (mpfr_sgn(exact_.get()) < 0), label + ": is_negative");
    for (const Ieee& s : kTargets) {
      for (const Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero}) {
        const std::uint64_t bits = acc.round(s.format(), r);
        const double got = decode(bits, s);
        const double want = oracle_round(exact_.get(), s, r);
        ++roundings_;
        if (r == Rounding::kNearestEven) count(s, want);
        if (!same_value(got, want))
          fail(label + ": " + s.name + (r == Rounding::kNearestEven ? " RNE" : " RZ") + " got " + show(got) +
               ", MPFR " + show(want) + " (" + std::to_string(terms.size()) + " terms)");
      }
    }
    const double d = acc.to_double();
    const double want = oracle_round(exact_.get(), kTargets[2], Rounding::kNearestEven);
    if (!same_value(d, want)) fail(label + ": to_double " + show(d) + ", MPFR " + show(want));
  }

  void report(const std::string& what) const {
    EXPECT_EQ(failures_, 0) << what << ": of " << roundings_ << " roundings of " << sequences_ << " sequences"
                            << first_;
  }
  [[nodiscard]] long sequences() const { return sequences_; }
  /// How many RNE results per target (fp16, fp32, fp64) were subnormal, normal, infinite.
  struct Coverage {
    long subnormal = 0;
    long normal = 0;
    long infinite = 0;
  };
  [[nodiscard]] const Coverage& coverage(int target) const { return coverage_[target]; }
  [[nodiscard]] long zeros() const { return zeros_; }

 private:
  void count(const Ieee& s, double v) {
    Coverage& c = coverage_[&s - kTargets];
    const double min_normal = std::ldexp(1.0, 1 - ieee_bias(s));
    if (std::isinf(v)) ++c.infinite;
    else if (std::fabs(v) >= min_normal) ++c.normal;
    else if (v != 0) ++c.subnormal;
  }
  void expect(bool ok, const std::string& what) {
    if (!ok) fail(what);
  }
  void fail(const std::string& what) {
    if (++failures_ <= 8) first_ += "\n  " + what;
  }

  Mpfr exact_;
  Mpfr term_;
  long sequences_ = 0;
  long roundings_ = 0;
  long zeros_ = 0;
  long failures_ = 0;
  std::string first_;
  Coverage coverage_[3];
};


UInt128 random_magnitude(std::mt19937_64& rng, int bits) {
  const UInt128 r = (UInt128{rng()} << 64) | rng();
  const UInt128 mask = bits >= 128 ? ~UInt128{0} : (UInt128{1} << bits) - 1;
  return (r & mask) | (UInt128{1} << (bits - 1));
}

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

/// A term of 1..127 bits whose top bit lies within `spread` binades of `centre`.
AccTerm random_term(std::mt19937_64& rng, int centre, int spread) {
  const int bits = uniform(rng, 1, 127);
  int top = centre + uniform(rng, -spread, spread);
  top = std::clamp(top, ExactAccumulator::kMinExponent + bits - 1, kTopLimit);
  return AccTerm{(rng() & 1U) != 0, random_magnitude(rng, bits), top - (bits - 1)};
}

/// Adds the negation of some terms (or of all of them) and shuffles the order.
void add_cancellations(std::mt19937_64& rng, std::vector<AccTerm>& terms, bool all) {
  const std::size_t n = terms.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (all || rng() % 3 == 0) {
      AccTerm neg = terms[i];
      neg.negative = !neg.negative;
      terms.push_back(neg);
    }
  }
  std::shuffle(terms.begin(), terms.end(), rng);
}

std::vector<AccTerm> random_sequence(std::mt19937_64& rng, int centre, int spread) {
  std::vector<AccTerm> terms(static_cast<std::size_t>(uniform(rng, 1, 40)));
  for (AccTerm& t : terms) t = random_term(rng, centre, spread);
  return terms;
}

TEST(ExactAccumulator, WideRandomSequences) {
  std::mt19937_64 rng(0xACC0'0001ULL);
  Checker check;
  for (int i = 0; i < 3000; ++i) {
    auto terms = random_sequence(rng, uniform(rng, -1000, 1000), 300);
    if (i % 2 == 0) add_cancellations(rng, terms, false);
    check.run(terms, "wide #" + std::to_string(i));
  }
  check.report("wide");
}

// Sums in or near each target's range, with and without partial cancellation.
TEST(ExactAccumulator, RandomSequencesNearEachFormat) {
  std::mt19937_64 rng(0xACC0'0002ULL);
  Checker check;
  struct Window {
    int lo;
    int hi;
    int spread;
  };
  // Top-bit centres spanning each format's range, from below its smallest subnormal to
  // above its largest value.
  const Window windows[] = {{-30, 20, 12}, {-160, 135, 40}, {-1085, 1030, 60}};
  for (const Window& w : windows) {
    for (int i = 0; i < 2000; ++i) {
      auto terms = random_sequence(rng, uniform(rng, w.lo, w.hi), uniform(rng, 0, w.spread));
      if (i % 2 == 0) add_cancellations(rng, terms, false);
      check.run(terms, "window " + std::to_string(w.lo) + " #" + std::to_string(i));
    }
  }
  check.report("near formats");
  for (int t = 0; t < 3; ++t) {  // the windows reach every kind of result in every target
    EXPECT_GT(check.coverage(t).subnormal, 20) << kTargets[t].name;
    EXPECT_GT(check.coverage(t).normal, 1000) << kTargets[t].name;
    EXPECT_GT(check.coverage(t).infinite, 20) << kTargets[t].name;
  }
}

// Large terms that cancel exactly, leaving a small remainder (often subnormal in the target).
TEST(ExactAccumulator, CancellationDownToSubnormals) {
  std::mt19937_64 rng(0xACC0'0003ULL);
  Checker check;
  const int subnormal_tops[] = {-20, -135, -1060};  // around each format's subnormal range
  for (const int top : subnormal_tops) {
    for (int i = 0; i < 1500; ++i) {
      std::vector<AccTerm> big = random_sequence(rng, uniform(rng, -200, 900), 200);
      add_cancellations(rng, big, true);
      std::vector<AccTerm> small = random_sequence(rng, top + uniform(rng, -12, 12), 6);
      small.resize(std::min<std::size_t>(small.size(), 4));
      big.insert(big.end(), small.begin(), small.end());
      std::shuffle(big.begin(), big.end(), rng);
      check.run(big, "cancel to 2^" + std::to_string(top) + " #" + std::to_string(i));
    }
  }
  check.report("cancellation");
  for (int t = 0; t < 3; ++t) EXPECT_GT(check.coverage(t).subnormal, 300) << kTargets[t].name;
}

TEST(ExactAccumulator, SequencesSummingToExactlyZero) {
  std::mt19937_64 rng(0xACC0'0004ULL);
  Checker check;
  for (int i = 0; i < 1000; ++i) {
    auto terms = random_sequence(rng, uniform(rng, -1100, 1100), 300);
    add_cancellations(rng, terms, true);
    check.run(terms, "zero #" + std::to_string(i));
  }
  EXPECT_EQ(check.zeros(), check.sequences());
  check.report("zero sums");
}

// Exact ties and near-ties of every target: a representable value plus half its quantum,
// optionally plus or minus a far smaller sticky term, split across terms with cancelling noise.
TEST(ExactAccumulator, TiesWithFarStickyBits) {
  std::mt19937_64 rng(0xACC0'0005ULL);
  Checker check;
  for (const Ieee& s : kTargets) {
    const int bias = ieee_bias(s);
    const int min_quantum = 1 - bias - s.man_bits;  // exponent of the subnormal quantum
    for (int i = 0; i < 1500; ++i) {
      // A value with p = man_bits + 1 significant bits at a random binade (normal or subnormal).
      const int q = rng() % 4 == 0 ? min_quantum : uniform(rng, min_quantum, bias - s.man_bits);  // its quantum
      const int width = q == min_quantum ? uniform(rng, 1, s.man_bits + 1) : s.man_bits + 1;
      const UInt128 sig = random_magnitude(rng, width);
      const bool negative = (rng() & 1U) != 0;
      std::vector<AccTerm> terms = {{negative, sig, q}};
      if (rng() % 4 != 0) terms.push_back({negative, 1, q - 1});  // + half a quantum: a tie
      const int sticky = rng() % 3;                                // none, above, below
      if (sticky != 0) {
        const int far = uniform(rng, ExactAccumulator::kMinExponent, q - 2);
        terms.push_back({sticky == 1 ? negative : !negative, 1, far});
      }
      for (int k = uniform(rng, 0, 3); k > 0; --k) {  // noise that cancels exactly
        AccTerm noise = random_term(rng, uniform(rng, -1000, 1100), 50);
        terms.push_back(noise);
        noise.negative = !noise.negative;
        terms.push_back(noise);
      }
      std::shuffle(terms.begin(), terms.end(), rng);
      check.run(terms, s.name + " tie #" + std::to_string(i));
    }
  }
  check.report("ties");
  for (int t = 0; t < 3; ++t) EXPECT_GT(check.coverage(t).subnormal, 100) << kTargets[t].name;
}

TEST(ExactAccumulator, RangeEnds) {
  Checker check;
  const int lo = ExactAccumulator::kMinExponent;
  const int top = ExactAccumulator::kMinExponent + ExactAccumulator::kLimbs * 64 - 3;  // highest bit allowed
  check.run({{false, 1, lo}}, "lowest bit");
  check.run({{true, 1, lo}}, "-lowest bit");
  check.run({{false, 1, top}}, "highest bit");
  check.run({{true, 1, top}}, "-highest bit");
  check.run({{false, UInt128{1} << 127, top - 127}, {true, 1, lo}}, "highest minus lowest");
  check.run({{false, ~UInt128{0}, top - 127}, {false, ~UInt128{0}, lo}}, "full width at both ends");
  check.run({{false, 3, lo}, {true, 1, lo + 1}}, "lowest limb carry");
  check.report("range ends");
}

TEST(ExactAccumulator, AddFloatAndDoubleExactly) {
  std::mt19937_64 rng(0xACC0'0006ULL);
  Checker check;
  for (int i = 0; i < 2000; ++i) {
    ExactAccumulator acc;
    Mpfr exact(kExactPrecision);
    std::vector<AccTerm> terms;
    const int n = uniform(rng, 1, 30);
    for (int k = 0; k < n; ++k) {
      double v = 0;
      if (i % 2 == 0) {
        do v = std::bit_cast<double>(static_cast<std::uint64_t>(rng()));
        while (!std::isfinite(v));
        acc.add(v);
      } else {
        float f = 0;
        do f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
        while (!std::isfinite(f));
        acc.add(f);
        v = static_cast<double>(f);
      }
      ASSERT_EQ(mpfr_add_d(exact.get(), exact.get(), v, MPFR_RNDN), 0);
    }
    for (const Ieee& s : kTargets) {
      for (const Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero}) {
        const double got = decode(acc.round(s.format(), r), s);
        const double want = oracle_round(exact.get(), s, r);
        ASSERT_TRUE(same_value(got, want)) << "sequence " << i << " " << s.name << ": got " << show(got) << ", MPFR "
                                           << show(want);
      }
    }
    EXPECT_EQ(acc.is_negative(), mpfr_sgn(exact.get()) < 0);
  }
  ExactAccumulator acc;
  acc.add(0.0);
  acc.add(-0.0F);
  EXPECT_TRUE(acc.is_zero());
  acc.add(0x1p-1074);  // the smallest binary64 subnormal fits
  acc.add(std::numeric_limits<double>::max());
  acc.add(-std::numeric_limits<double>::max());
  EXPECT_EQ(acc.to_double(), 0x1p-1074);
  EXPECT_THROW(acc.add(kInf), std::domain_error);
  EXPECT_THROW(acc.add(std::numeric_limits<float>::quiet_NaN()), std::domain_error);
}

TEST(ExactAccumulator, ZeroAndSignedResults) {
  ExactAccumulator acc;
  EXPECT_TRUE(acc.is_zero());
  EXPECT_FALSE(acc.is_negative());
  for (const Ieee& s : kTargets)
    for (const Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero}) EXPECT_EQ(acc.round(s.format(), r), 0U);
  acc.add(true, 1, -30);  // -2^-30: below binary16's range, rounds to -0
  EXPECT_FALSE(acc.is_zero());
  EXPECT_TRUE(acc.is_negative());
  EXPECT_EQ(acc.round(FloatFormat::fp16(), Rounding::kNearestEven), 0x8000U);
  EXPECT_EQ(acc.round(FloatFormat::fp32(), Rounding::kNearestEven), 0xB0800000U);
  acc.add(false, 1, -30);
  EXPECT_TRUE(acc.is_zero());
  EXPECT_FALSE(acc.is_negative());
  EXPECT_EQ(acc.round(FloatFormat::fp32(), Rounding::kTowardZero), 0U);  // exact zero: +0
  acc.add(false, 5, 3);
  acc.clear();
  EXPECT_TRUE(acc.is_zero());
}

TEST(ExactAccumulator, OutOfRangeTermsThrow) {
  const int lo = ExactAccumulator::kMinExponent;
  const int top = ExactAccumulator::kMinExponent + ExactAccumulator::kLimbs * 64 - 3;
  ExactAccumulator acc;
  acc.add(false, 7, 0);
  EXPECT_THROW(acc.add(false, 1, lo - 1), std::out_of_range);  // below bit 0
  EXPECT_THROW(acc.add(true, 3, lo - 1), std::out_of_range);   // its low bit would be lost
  EXPECT_THROW(acc.add(false, 1, top + 1), std::out_of_range);
  EXPECT_THROW(acc.add(false, UInt128{1} << 127, top - 126), std::out_of_range);
  EXPECT_THROW(acc.add(true, ~UInt128{0}, top - 126), std::out_of_range);
  EXPECT_THROW(acc.add(false, 1, 1 << 20), std::out_of_range);
  EXPECT_THROW(acc.add(false, 1, -(1 << 20)), std::out_of_range);
  EXPECT_NO_THROW(acc.add(false, 1, lo));
  EXPECT_NO_THROW(acc.add(true, 1, lo));
  EXPECT_NO_THROW(acc.add(false, UInt128{1} << 127, top - 127));
  EXPECT_NO_THROW(acc.add(true, UInt128{1} << 127, top - 127));
  // The rejected terms left no trace.
  EXPECT_EQ(acc.to_double(), 7.0);
}

}  // namespace
}  // namespace codesim::numerics
