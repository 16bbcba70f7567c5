// The generator of the GPU numerics input sets (`codesim numerics inputs`).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "emulator/numerics/float_format.hpp"
#include "emulator/reference/numerics_input_sets.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::emulator_reference {
namespace {

using numerics::FloatFormat;

const FloatFormat& format_of(const std::string& name) {
  if (name == "e4m3") return FloatFormat::e4m3();
  if (name == "e5m2") return FloatFormat::e5m2();
  return FloatFormat::bf16();
}

bool is_nan(std::uint32_t v) { return (v & 0x7f800000U) == 0x7f800000U && (v & 0x7fffffU) != 0; }
bool is_inf(std::uint32_t v) { return (v & 0x7fffffffU) == 0x7f800000U; }

const NamedDotProductSet& by_name(const std::vector<NamedDotProductSet>& sets, const std::string& name) {
  const auto it = std::find_if(sets.begin(), sets.end(), [&](const auto& s) { return s.name == name; });
  if (it == sets.end()) throw std::runtime_error("no set " + name);
  return *it;
}

TEST(NumericsInputSets, EveryValueIsExactlyRepresentableInItsFormat) {
  const auto sets = make_dot_product_sets({1000, 7});
  for (const auto& [name, s] : sets) {
    const auto& fmt = format_of(s.format);
    for (const auto* v : {&s.a, &s.b})
      for (const std::uint32_t bits : *v) {
        if (is_nan(bits)) continue;
        const auto code = numerics::convert(bits, FloatFormat::fp32(), fmt, numerics::Rounding::kTowardZero, false);
        ASSERT_EQ(numerics::convert(code, fmt, FloatFormat::fp32(), numerics::Rounding::kNearestEven, false), bits)
            << name << ": " << std::hex << bits << " is not exact in " << s.format;
      }
    ASSERT_EQ(s.a.size(), s.rows() * static_cast<std::size_t>(s.k)) << name;
    ASSERT_EQ(s.b.size(), s.a.size()) << name;
    if (s.has_c()) {
      ASSERT_EQ(s.c.size(), s.rows()) << name;
    }
  }
}

TEST(NumericsInputSets, CoverWhatTheIssueAsksFor) {
  const auto sets = make_dot_product_sets({1000, 7});
  // Random rows with non-zero c.
  const auto& random_c = by_name(sets, "e4m3-random-c").set;
  EXPECT_EQ(random_c.rows(), 1000U);
  EXPECT_TRUE(std::all_of(random_c.c.begin(), random_c.c.end(), [](std::uint32_t c) { return (c & 0x7fffffffU) != 0; }));
  // Long chained K, with and without c (scale-d 1 from the start, or 0 on the first instruction).
  EXPECT_EQ(by_name(sets, "e4m3-chained-k4096").set.k, 4096);
  EXPECT_FALSE(by_name(sets, "e5m2-chained-k1024").set.has_c());
  // FP8 subnormals: exponent field zero with a non-zero fraction.
  const auto& sub = by_name(sets, "e4m3-subnormals").set;
  const auto subnormals = std::count_if(sub.a.begin(), sub.a.end(), [](std::uint32_t v) {
    const float x = std::fabs(std::bit_cast<float>(v));
    return x > 0 && x < 0x1p-6F;  // E4M3's smallest normal is 2^-6
  });
  EXPECT_GT(subnormals, static_cast<long>(sub.a.size() / 4));
  // NaN and infinity where the format has them; never an infinity in E4M3 operands.
  const auto& e5 = by_name(sets, "e5m2-special").set;
  EXPECT_TRUE(std::any_of(e5.a.begin(), e5.a.end(), is_inf));
  EXPECT_TRUE(std::any_of(e5.a.begin(), e5.a.end(), is_nan) || std::any_of(e5.b.begin(), e5.b.end(), is_nan));
  const auto& e4 = by_name(sets, "e4m3-special").set;
  EXPECT_FALSE(std::any_of(e4.a.begin(), e4.a.end(), is_inf));
  EXPECT_TRUE(std::any_of(e4.c.begin(), e4.c.end(), is_inf));
  // The numerics.md 8.4 vectors: 11 vectors x (own C, the other C) x 2 signs.
  EXPECT_EQ(by_name(sets, "e4m3-edge-vectors").set.rows(), 44U);
  // Exponent gaps: some rows span more than 31 binades between c and the largest product.
  const auto& gaps = by_name(sets, "e4m3-exponent-gaps").set;
  int wide = 0;
  for (std::size_t r = 0; r < gaps.rows(); ++r) {
    const float c = std::bit_cast<float>(gaps.c[r]);
    ASSERT_TRUE(std::isfinite(c)) << "row " << r;  // a gap set has no special values
    if (c != 0 && std::abs(std::ilogb(c)) > 31) ++wide;
  }
  EXPECT_GT(wide, 0);
}

TEST(NumericsInputSets, SameSeedSameSetsOtherSeedOtherDraws) {
  const auto a = make_dot_product_sets({200, 3});
  const auto b = make_dot_product_sets({200, 3});
  const auto c = make_dot_product_sets({200, 4});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].set.a, b[i].set.a) << a[i].name;
    EXPECT_EQ(a[i].set.c, b[i].set.c) << a[i].name;
  }
  EXPECT_NE(a[0].set.a, c[0].set.a);
  EXPECT_THROW((void)make_dot_product_sets({10, 1}), std::invalid_argument);
}

TEST(NumericsInputSets, GemmCasesFollowTheirScaling) {
  for (const auto& c : make_gemm_cases(5)) {
    ASSERT_EQ(c.a.size(), static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.k)) << c.name;
    ASSERT_EQ(c.a_scale.size(), reference::a_scale_count(c)) << c.name;
    ASSERT_EQ(c.b_scale.size(), reference::b_scale_count(c)) << c.name;
    EXPECT_FALSE(std::any_of(c.a.begin(), c.a.end(), [](std::uint8_t v) { return (v & 0x7f) == 0x7f; })) << c.name;
    for (const float s : c.a_scale) EXPECT_GT(s, 0.0F) << c.name;
    if (c.scaling == "per-tensor") {  // a power of two, so no scale order can change a bit
      int e = 0;
      EXPECT_EQ(std::frexp(c.a_scale[0], &e), 0.5F) << c.name;
      // The largest code is within a factor of two of E4M3's 448: the scale uses the range.
      const auto max_code = *std::max_element(c.a.begin(), c.a.end(), [](auto x, auto y) { return (x & 0x7f) < (y & 0x7f); });
      EXPECT_GE(max_code & 0x7f, 0x76) << c.name;  // >= 224
    }
  }
}

TEST(NumericsInputSets, WritesWholeFoldersOnly) {
  const codesim::testing::TempFolder scratch("codesim-numerics-inputs");
  const auto dir = scratch.file("inputs");
  write_numerics_inputs(dir, {100, 1});
  EXPECT_EQ(reference::find_dot_product_sets(dir / "dot").size(), 15U);
  EXPECT_EQ(reference::find_gemm_cases(dir / "gemm").size(), 4U);
  EXPECT_FALSE(std::filesystem::exists(dir.string() + ".partial"));
  const auto again = reference::read_dot_product_set(dir / "dot" / "e4m3-random-c");
  EXPECT_EQ(again.a, make_dot_product_sets({100, 1})[0].set.a);
  EXPECT_THROW(write_numerics_inputs(dir, {100, 1}), std::runtime_error);  // not empty
  std::filesystem::remove_all(dir);
  EXPECT_THROW(write_numerics_inputs(dir, {1, 1}), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(std::filesystem::exists(dir.string() + ".partial"));
}

}  // namespace
}  // namespace codesim::emulator_reference
