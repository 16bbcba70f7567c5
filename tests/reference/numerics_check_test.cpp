// `codesim numerics check`: GPU outputs against the emulator, bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "emulator/numerics/gemm.hpp"
#include "emulator/reference/numerics_check.hpp"
#include "emulator/reference/numerics_input_sets.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::emulator_reference {
namespace {

class CheckDir : public ::testing::Test {
 protected:
  codesim::testing::TempFolder dir_{"codesim-numerics-check"};
};

// The published H100 outputs are an independent oracle: the emulator must match every row.
TEST(NumericsCheck, MatchesThePublishedH100VectorsExactly) {
  const std::filesystem::path root = std::filesystem::path(CODESIM_TENSOR_CORE_DATA_DEFAULT) / "H100";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "published tensor-core data not found at " << root;
  const auto checks = check_dot_sets(root);
  ASSERT_EQ(checks.size(), 5U);  // E4M3, BF16, FP16 (FP32 and FP16 output), TF32
  for (const auto& c : checks) {
    EXPECT_EQ(c.rows, 5000U) << c.set << " " << c.d_file;
    EXPECT_EQ(c.mismatches, 0U) << c.set << " " << c.d_file;
  }
}

// A probe output that differs in one row is reported at that row, with both bit patterns.
TEST_F(CheckDir, ReportsTheRowThatDiffers) {
  const auto sets = make_dot_product_sets({64, 2});
  const auto& s = sets[0].set;  // e4m3-random-c
  reference::write_dot_product_set(dir_.file("e4m3"), s);
  // GPU output = the emulator's result except row 17, whose last bit is flipped.
  const auto cfg = *numerics::block_fma_preset("hopper-fp8");
  const numerics::BlockFmaModel model(cfg, numerics::FloatFormat::e4m3(), numerics::OutputFormat::kFp32);
  std::vector<std::uint32_t> d;
  for (std::size_t r = 0; r < s.rows(); ++r) {
    std::vector<std::uint64_t> a(32), b(32);
    for (std::size_t k = 0; k < 32; ++k) {
      a[k] = numerics::convert(s.a[r * 32 + k], numerics::FloatFormat::fp32(), numerics::FloatFormat::e4m3(),
                               numerics::Rounding::kTowardZero, false);
      b[k] = numerics::convert(s.b[r * 32 + k], numerics::FloatFormat::fp32(), numerics::FloatFormat::e4m3(),
                               numerics::Rounding::kTowardZero, false);
    }
    d.push_back(model.dot(a, b, s.c[r]));
  }
  const std::uint32_t right = d[17];
  d[17] ^= 1U;
  reference::write_bit_strings(dir_.file("e4m3") / "d.txt", d);
  const auto checks = check_dot_sets(dir_.path());
  ASSERT_EQ(checks.size(), 1U);
  EXPECT_EQ(checks[0].d_file, "d.txt");
  EXPECT_EQ(checks[0].mismatches, 1U);
  ASSERT_EQ(checks[0].first.size(), 1U);
  EXPECT_EQ(checks[0].first[0].row, 17U);
  EXPECT_EQ(checks[0].first[0].expected, right);
  EXPECT_EQ(checks[0].first[0].got, right ^ 1U);
  // A d file with the wrong number of rows is an input error naming the file.
  d.pop_back();
  reference::write_bit_strings(dir_.file("e4m3") / "d_n8.txt", d);
  try {
    (void)check_dot_sets(dir_.path());
    FAIL() << "no error";
  } catch (const reference::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("d_n8.txt: 63 results for 64 rows"), std::string::npos) << e.what();
  }
}

// A cuBLASLt output equal to one recipe's result is matched by that recipe alone; an
// unsupported mode is reported with its reason.
TEST_F(CheckDir, RanksTheGemmRecipesAgainstTheGpuOutput) {
  auto cases = make_gemm_cases(3);
  auto& c = cases[2];  // blockwise-m128-n256-k4096
  ASSERT_EQ(c.scaling, "blockwise");
  c.m = 16;  // keep the emulation small
  c.a.resize(static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.k));
  c.a_scale.resize(reference::a_scale_count(c));
  reference::write_gemm_case(dir_.file("case"), c);
  numerics::QuantisedMatrix a, b;
  a.data = numerics::DecodedFp8(c.m, c.k, numerics::FloatFormat::e4m3(), c.a);
  a.group_rows = 1, a.group_cols = 128, a.scale_cols = c.k / 128, a.scales = c.a_scale;
  b.data = numerics::DecodedFp8(c.n, c.k, numerics::FloatFormat::e4m3(), c.b);
  b.group_rows = 128, b.group_cols = 128, b.scale_cols = c.k / 128, b.scales = c.b_scale;
  auto d = numerics::emulate_gemm(a, b, numerics::promote_recipe(64));
  d[5] = std::nextafter(d[5], 1e30F);
  reference::write_f32_file(dir_.file("case") / "d_vec128_blk128.bin", d);
  reference::write_info_file(dir_.file("case") / "d_vec128_blk128.txt", {{"status", "ok"}});
  reference::write_info_file(dir_.file("case") / "d_vec128_vec128.txt", {{"status", "unsupported no algorithm"}});
  const auto checks = check_gemm_cases(dir_.path(), 2);
  ASSERT_EQ(checks.size(), 2U);
  EXPECT_EQ(checks[0].mode, "vec128_blk128");
  ASSERT_EQ(checks[0].candidates.size(), 3U);
  EXPECT_EQ(checks[0].candidates[0].recipe, "promote:64");
  EXPECT_EQ(checks[0].candidates[0].mismatches, 1U);
  EXPECT_GT(checks[0].candidates[1].mismatches, 100U);  // promotion every 32 or 128 rounds differently
  EXPECT_EQ(checks[1].mode, "vec128_vec128");
  EXPECT_EQ(checks[1].status, "unsupported no algorithm");
  EXPECT_TRUE(checks[1].candidates.empty());
}

}  // namespace
}  // namespace codesim::emulator_reference
