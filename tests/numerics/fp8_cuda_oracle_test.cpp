// NVIDIA's own FP8 conversions (cuda_fp8.h, host code path) as an independent oracle for
// convert() to E4M3/E5M2 and for the FP8 decoders (../shared/notes/numerics.md §7).
// Without the CUDA toolkit header every test here skips.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <random>
#include <string>

#include "emulator/numerics/float_format.hpp"

#if defined(CODESIM_HAVE_CUDA_FP8)
#include <cuda_fp8.h>
#endif

namespace codesim::numerics {
namespace {

#if defined(CODESIM_HAVE_CUDA_FP8)
#define CODESIM_REQUIRE_CUDA_FP8() static_cast<void>(0)
#else
#define CODESIM_REQUIRE_CUDA_FP8() \
  GTEST_SKIP() << "CUDA toolkit header cuda_fp8.h not found (CODESIM_CUDA_FP8_INCLUDE); FP8 oracle skipped"
#endif

struct Fp8Case {
  std::string name;
  bool e4m3 = true;
  bool saturate = true;
};

void PrintTo(const Fp8Case& c, std::ostream* os) { *os << c.name; }

std::string hex(std::uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

#if defined(CODESIM_HAVE_CUDA_FP8)
std::uint32_t nvidia_encode(std::uint32_t f32_bits, const Fp8Case& tc) {
  return static_cast<std::uint32_t>(__nv_cvt_float_to_fp8(std::bit_cast<float>(f32_bits),
                                                          tc.saturate ? __NV_SATFINITE : __NV_NOSAT,
                                                          tc.e4m3 ? __NV_E4M3 : __NV_E5M2));
}
#else
std::uint32_t nvidia_encode(std::uint32_t /*f32_bits*/, const Fp8Case& /*tc*/) { return 0; }
#endif

class CudaFp8Encode : public ::testing::TestWithParam<Fp8Case> {
 protected:
  /// Compares one binary32 pattern; returns true on agreement and records the first mismatches.
  bool check(std::uint32_t bits, int& mismatches, std::string& first) const {
    const Fp8Case& tc = GetParam();
    const FloatFormat& fmt = tc.e4m3 ? FloatFormat::e4m3() : FloatFormat::e5m2();
    const auto ours = static_cast<std::uint32_t>(
        convert(bits, FloatFormat::fp32(), fmt, Rounding::kNearestEven, tc.saturate));
    const std::uint32_t theirs = nvidia_encode(bits, tc);
    if (ours == theirs) return true;
    if (++mismatches <= 8)
      first += "\n  fp32 " + hex(bits, 8) + " (" + std::to_string(std::bit_cast<float>(bits)) +
               "): ours " + hex(ours, 2) + ", cuda_fp8.h " + hex(theirs, 2);
    return false;
  }
};

// Every binary32 pattern with its low 12 bits zero: all FP8 rounding positions, ties, the
// subnormal range, the overflow thresholds (464 / 61440), infinities and NaNs, both signs.
TEST_P(CudaFp8Encode, AllPatternsWithLow12BitsZero) {
  CODESIM_REQUIRE_CUDA_FP8();
  int mismatches = 0;
  std::string first;
  constexpr std::uint32_t kCount = 1U << 20;
  for (std::uint32_t i = 0; i < kCount; ++i) check(i << 12, mismatches, first);
  EXPECT_EQ(mismatches, 0) << "of " << kCount << " patterns; first:" << first;
}

// Random full patterns: non-zero bits far below the FP8 rounding position (sticky).
TEST_P(CudaFp8Encode, RandomFullPatterns) {
  CODESIM_REQUIRE_CUDA_FP8();
  std::mt19937_64 rng(0xF8F8'0001ULL);
  int mismatches = 0;
  std::string first;
  constexpr int kCount = 1 << 20;
  for (int i = 0; i < kCount; ++i) check(static_cast<std::uint32_t>(rng()), mismatches, first);
  EXPECT_EQ(mismatches, 0) << "of " << kCount << " patterns; first:" << first;
}

INSTANTIATE_TEST_SUITE_P(Fp8, CudaFp8Encode,
                         ::testing::Values(Fp8Case{"e4m3_satfinite", true, true},
                                           Fp8Case{"e4m3_nosat", true, false},
                                           Fp8Case{"e5m2_satfinite", false, true},
                                           Fp8Case{"e5m2_nosat", false, false}),
                         [](const auto& param_info) { return param_info.param.name; });

#if defined(CODESIM_HAVE_CUDA_FP8)
/// NVIDIA's decoder, through the FP8 class's conversion to float (FP8 -> half -> float).
float nvidia_decode(std::uint32_t code, bool e4m3) {
  if (e4m3) {
    __nv_fp8_e4m3 x;
    x.__x = static_cast<__nv_fp8_storage_t>(code);
    return static_cast<float>(x);
  }
  __nv_fp8_e5m2 x;
  x.__x = static_cast<__nv_fp8_storage_t>(code);
  return static_cast<float>(x);
}

/// The same through the raw half path, decoded to float by hand (IEEE binary16).
double nvidia_decode_via_halfraw(std::uint32_t code, bool e4m3) {
  const __half_raw h =
      __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), e4m3 ? __NV_E4M3 : __NV_E5M2);
  const unsigned bits = h.x;
  const bool negative = (bits >> 15) != 0;
  const unsigned e = (bits >> 10) & 0x1FU;
  const unsigned m = bits & 0x3FFU;
  double v = 0;
  if (e == 0x1F) v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  else if (e == 0) v = std::ldexp(m, -24);
  else v = std::ldexp(0x400U | m, static_cast<int>(e) - 25);
  return negative ? -v : v;
}

void expect_same_value(double ours, double theirs, const std::string& what) {
  if (std::isnan(theirs)) {
    EXPECT_TRUE(std::isnan(ours)) << what << ": ours " << ours << ", cuda_fp8.h NaN";
    return;
  }
  EXPECT_EQ(ours, theirs) << what;
  EXPECT_EQ(std::signbit(ours), std::signbit(theirs)) << what << " (sign of zero)";
}
#endif

TEST(CudaFp8Decode, AllCodesBothFormats) {
  CODESIM_REQUIRE_CUDA_FP8();
#if defined(CODESIM_HAVE_CUDA_FP8)
  int nans = 0;
  int infs = 0;
  for (const bool e4m3 : {true, false}) {
    const FloatFormat& fmt = e4m3 ? FloatFormat::e4m3() : FloatFormat::e5m2();
    for (std::uint32_t code = 0; code < 256; ++code) {
      const double ours = to_double(code, fmt);
      const std::string what = fmt.name + " " + hex(code, 2);
      expect_same_value(ours, static_cast<double>(nvidia_decode(code, e4m3)), what);
      expect_same_value(ours, nvidia_decode_via_halfraw(code, e4m3), what + " (halfraw)");
      nans += std::isnan(ours) ? 1 : 0;
      infs += std::isinf(ours) ? 1 : 0;
    }
  }
  // E4M3: 0x7F, 0xFF. E5M2: S.11111.{01,10,11}; infinities only in E5M2.
  EXPECT_EQ(nans, 2 + 6);
  EXPECT_EQ(infs, 2);
#endif
}

}  // namespace
}  // namespace codesim::numerics
