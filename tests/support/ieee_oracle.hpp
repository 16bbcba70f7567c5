#pragma once
// Test oracle for IEEE-754-like binary formats: a decoder written with plain bit manipulation
// and correct rounding by MPFR with a target's precision, exponent range and gradual underflow.
// It is independent of the library under test: nothing here uses codesim::numerics.
#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace codesim::testing {

/// One MPFR number of a fixed precision, initialised to +0.
class Mpfr {
 public:
  explicit Mpfr(mpfr_prec_t precision) {
    mpfr_init2(v_, precision);
    mpfr_set_zero(v_, 1);
  }
  ~Mpfr() { mpfr_clear(v_); }
  Mpfr(const Mpfr&) = delete;
  Mpfr& operator=(const Mpfr&) = delete;
  mpfr_ptr get() { return v_; }
  [[nodiscard]] mpfr_srcptr get() const { return v_; }

 private:
  mpfr_t v_;
};

/// The layout of a binary format: a sign bit, exp_bits of biased exponent and man_bits of
/// trailing significand. The smallest normal binade is 2^(1 - bias); a zero exponent field
/// holds zeros and subnormals.
struct IeeeLayout {
  /// An IEEE interchange layout: bias 2^(exp_bits - 1) - 1, the top exponent field for
  /// infinities and NaN.
  constexpr IeeeLayout(int exponent_bits, int mantissa_bits)
      : exp_bits(exponent_bits), man_bits(mantissa_bits), bias((1 << (exponent_bits - 1)) - 1), ocp_nan(false) {}
  /// A layout described field by field.
  constexpr IeeeLayout(int exponent_bits, int mantissa_bits, int exponent_bias, bool ocp_nan_only)
      : exp_bits(exponent_bits), man_bits(mantissa_bits), bias(exponent_bias), ocp_nan(ocp_nan_only) {}

  int exp_bits;
  int man_bits;
  int bias;
  bool ocp_nan;  ///< OCP E4M3: no infinity; only S.1..1.1..1 is NaN, the rest of the top binade is finite
};

/// A code read as a finite value: (-1)^negative * sig * 2^lsb.
struct Decoded {
  bool zero = true;
  bool negative = false;
  std::uint64_t sig = 0;
  int lsb = 0;    ///< weight of the significand's last bit
  int align = 0;  ///< the binade exponent; subnormals use the minimum exponent 1 - bias
};

/// Splits a code into sign, significand and exponents, reading every exponent field as finite
/// (the caller handles infinities and NaN where the format has them).
inline Decoded decode_finite(std::uint64_t code, const IeeeLayout& s) {
  const std::uint64_t ef = (code >> s.man_bits) & ((1ULL << s.exp_bits) - 1);
  const std::uint64_t mf = code & ((1ULL << s.man_bits) - 1);
  Decoded d;
  d.negative = ((code >> (s.exp_bits + s.man_bits)) & 1U) != 0;
  if (ef == 0) {
    d.zero = mf == 0;
    d.sig = mf;
    d.align = 1 - s.bias;
  } else {
    d.zero = false;
    d.sig = mf | (1ULL << s.man_bits);
    d.align = static_cast<int>(ef) - s.bias;
  }
  d.lsb = d.align - s.man_bits;
  return d;
}

/// The value of a code as a double (exact for formats with at most 53 significand bits and
/// binary64's exponent range), signed zeros, infinities and NaN included.
inline double decode_value(std::uint64_t code, const IeeeLayout& s) {
  const std::uint64_t emask = (1ULL << s.exp_bits) - 1;
  const std::uint64_t mmask = (1ULL << s.man_bits) - 1;
  const std::uint64_t ef = (code >> s.man_bits) & emask;
  const std::uint64_t mf = code & mmask;
  const Decoded d = decode_finite(code, s);
  double v = 0;
  if (ef == emask && !s.ocp_nan) v = mf == 0 ? std::numeric_limits<double>::infinity()
                                             : std::numeric_limits<double>::quiet_NaN();
  else if (ef == emask && mf == mmask) v = std::numeric_limits<double>::quiet_NaN();
  else v = std::ldexp(static_cast<double>(d.sig), d.lsb);
  return d.negative ? -v : v;
}

/// x correctly rounded by MPFR to `precision` significand bits with normal binades from
/// 2^min_exp to 2^max_exp and gradual underflow below, as a double (exact: the target must
/// fit in binary64). Beyond the largest finite value MPFR overflows to infinity by its own
/// rule (RZ gives the largest finite value).
inline double round_to_format(mpfr_srcptr x, int precision, int min_exp, int max_exp, mpfr_rnd_t rnd) {
  const mpfr_exp_t old_emin = mpfr_get_emin();
  const mpfr_exp_t old_emax = mpfr_get_emax();
  Mpfr r(precision);
  int t = mpfr_set(r.get(), x, rnd);  // rounded to the precision in the wide default range
  // MPFR's significands are in [1/2, 1): the smallest subnormal 2^(min_exp - (precision - 1))
  // is 0.1b * 2^(min_exp - (precision - 1) + 1), and the largest binade is below 2^(max_exp + 1).
  mpfr_set_emin(min_exp - (precision - 1) + 1);
  mpfr_set_emax(max_exp + 1);
  t = mpfr_check_range(r.get(), t, rnd);
  mpfr_subnormalize(r.get(), t, rnd);
  const double d = mpfr_get_d(r.get(), MPFR_RNDN);
  mpfr_set_emin(old_emin);
  mpfr_set_emax(old_emax);
  return d;
}

/// The same for a double input.
inline double round_to_format(double x, int precision, int min_exp, int max_exp, mpfr_rnd_t rnd) {
  Mpfr exact(std::numeric_limits<double>::digits);
  mpfr_set_d(exact.get(), x, MPFR_RNDN);  // exact
  return round_to_format(exact.get(), precision, min_exp, max_exp, rnd);
}

/// Equal values with the same sign (so +0 and -0 differ); NaN equals nothing.
inline bool same_value(double a, double b) { return a == b && std::signbit(a) == std::signbit(b); }

}  // namespace codesim::testing
