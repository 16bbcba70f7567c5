// Bit-exact agreement with tensor-core outputs measured on an NVIDIA H100 (published by
// Khattak and Mikaitis; see ../shared/reference/README.md). 5,000 vectors per file.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emulator/numerics/block_fma.hpp"
#include "tests/support/reference_data.hpp"

namespace codesim::numerics {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::uint32_t>> read_hex_rows(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << p;
  std::vector<std::vector<std::uint32_t>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::uint32_t> row;
    std::string field;
    while (ls >> field) row.push_back(static_cast<std::uint32_t>(std::stoul(field, nullptr, 16)));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::uint32_t> read_bit_strings(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << p;
  std::vector<std::uint32_t> values;
  std::string line;
  while (std::getline(in, line)) values.push_back(static_cast<std::uint32_t>(std::stoul(line, nullptr, 2)));
  return values;
}

struct H100Case {
  std::string folder;
  std::string a_file;
  std::string b_file;
  std::string c_file;  // empty: C = 0
  std::string d_file;
  std::string model;
  std::string input;
  OutputFormat output;
};

class H100Vectors : public ::testing::TestWithParam<H100Case> {};

TEST_P(H100Vectors, MatchEveryVectorBitForBit) {
  const H100Case& tc = GetParam();
  const fs::path dir = codesim::testing::tensor_core_data_dir() / "H100" / tc.folder;
  if (!fs::exists(dir)) GTEST_SKIP() << codesim::testing::missing_data_message(dir);

  const auto a = read_hex_rows(dir / tc.a_file);
  const auto b = read_hex_rows(dir / tc.b_file);
  const auto d = read_bit_strings(dir / tc.d_file);
  std::vector<std::uint32_t> c(a.size(), 0);
  if (!tc.c_file.empty()) c = read_bit_strings(dir / tc.c_file);
  ASSERT_EQ(a.size(), 5000U);
  ASSERT_EQ(b.size(), a.size());
  ASSERT_EQ(c.size(), a.size());
  ASSERT_EQ(d.size(), a.size());

  const FloatFormat in = *parse_format(tc.input);
  const BlockFmaModel model(*block_fma_preset(tc.model), in, tc.output);
  int mismatches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::vector<std::uint64_t> ai;
    std::vector<std::uint64_t> bi;
    for (std::size_t k = 0; k < a[i].size(); ++k) {
      ai.push_back(convert(a[i][k], FloatFormat::fp32(), in, Rounding::kTowardZero, false));
      bi.push_back(convert(b[i][k], FloatFormat::fp32(), in, Rounding::kTowardZero, false));
    }
    const std::uint32_t got = model.dot(ai, bi, c[i]);
    if (got != d[i] && ++mismatches <= 5)
      ADD_FAILURE() << "vector " << i << ": model " << std::hex << got << " hardware " << d[i];
  }
  EXPECT_EQ(mismatches, 0) << "of " << a.size();
}

INSTANTIATE_TEST_SUITE_P(
    TensorCores, H100Vectors,
    ::testing::Values(
        H100Case{"E4M3", "a_H100_E4M3.txt", "b_H100_E4M3.txt", "", "d_H100_fp32.txt", "hopper-fp8", "e4m3",
                 OutputFormat::kFp32},
        H100Case{"bf16", "a_H100_bf16.txt", "b_H100_bf16.txt", "c_H100_fp32.txt", "d_H100_fp32.txt",
                 "hopper-bf16", "bf16", OutputFormat::kFp32},
        H100Case{"fp16", "a_H100_fp16.txt", "b_H100_fp16.txt", "c_H100_fp32.txt", "d_H100_fp32.txt",
                 "hopper-fp16", "fp16", OutputFormat::kFp32},
        H100Case{"fp16", "a_H100_fp16.txt", "b_H100_fp16.txt", "c_H100_fp32.txt", "d_H100_fp16.txt",
                 "hopper-fp16", "fp16", OutputFormat::kFp16},
        H100Case{"tf32", "a_H100_tf32.txt", "b_H100_tf32.txt", "c_H100_fp32.txt", "d_H100_fp32.txt",
                 "hopper-tf32", "tf32", OutputFormat::kFp32}),
    [](const auto& param_info) {
      return param_info.param.folder + (param_info.param.output == OutputFormat::kFp16 ? "_fp16out" : "_fp32out");
    });

}  // namespace
}  // namespace codesim::numerics
