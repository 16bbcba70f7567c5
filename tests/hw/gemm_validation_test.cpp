// The calibrated model against DeepSeek's published H800 GEMM figures (an independent oracle:
// measured hardware). Skips when ../shared/reference/h800 is absent
// ($CODESIM_H800_REFERENCE overrides the folder).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "emulator/io/json_fields.hpp"
#include "emulator/sim/gemm_validation.hpp"

namespace sim = codesim::sim;

namespace {
std::filesystem::path reference_dir() {
  if (const char* e = std::getenv("CODESIM_H800_REFERENCE")) return e;
  return CODESIM_H800_REFERENCE_DEFAULT;
}
}  // namespace

TEST(GemmValidation, DenseRowsWithinTheIssueTargets) {
  const auto csv = reference_dir() / "deepgemm_dense_fp8_gemm.csv";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << "published H800 figures not found at " << csv;
  const auto rows = sim::read_published_dense_gemms(csv);
  ASSERT_EQ(rows.size(), 18U);
  const auto p = sim::predict(codesim::hw::load_device("h800"), rows);
  EXPECT_LE(sim::mean_absolute_percent_error(p), 5.0);
  EXPECT_LE(sim::max_absolute_percent_error(p), 15.0);
  // The 1520 TFLOPS row (M=4096, N=7168, K=16384) was measured at 632.9 us.
  EXPECT_NEAR(rows[15].measured_us, 2.0 * 4096 * 7168 * 16384 / 1520e6, 1e-9);
}

// Held-out check: the grouped figures were never used to fit. They are older (Feb 2025)
// measurements than the dense table, so the model may be faster, but not wildly off.
TEST(GemmValidation, GroupedRowsGeneralise) {
  const auto rows = sim::read_published_grouped_gemms(std::filesystem::path(CODESIM_PUBLISHED_DATA_DEFAULT) /
                                                      "h800_deepgemm_grouped.csv");
  ASSERT_EQ(rows.size(), 4U);
  const auto p = sim::predict(codesim::hw::load_device("h800"), rows);
  EXPECT_LE(sim::mean_absolute_percent_error(p), 15.0);
  EXPECT_LE(sim::max_absolute_percent_error(p), 20.0);
}

TEST(GemmValidation, MalformedCsvNamesFileLineAndValue) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "codesim_validation";
  std::filesystem::create_directories(dir);
  const auto file = dir / "bad.csv";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("m,n,k,tflops\n64,2112,7168,206\n64,2112,abc,206\n", f);
    std::fclose(f);
  }
  try {
    (void)sim::read_published_dense_gemms(file);
    FAIL() << "no error";
  } catch (const codesim::io::DataFileError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad.csv"), std::string::npos) << m;
    EXPECT_NE(m.find("line 3"), std::string::npos) << m;
    EXPECT_NE(m.find("abc"), std::string::npos) << m;
  }
}
