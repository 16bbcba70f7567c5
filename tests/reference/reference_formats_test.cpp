// reference_gpu's formats library: the files the GPU programs read and write.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>

#include "reference_gpu/common/atomic_write.hpp"
#include "reference_gpu/common/dot_product_files.hpp"
#include "reference_gpu/common/gemm_case_files.hpp"
#include "reference_gpu/common/result_json.hpp"
#include "reference_gpu/common/shape_lists.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::reference {
namespace {

class TempFolderTest : public ::testing::Test {
 protected:
  codesim::testing::TempFolder dir_{"codesim-reference-formats"};
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_.file(name)) << text; }
};

using DotProductFiles = TempFolderTest;

TEST_F(DotProductFiles, RoundTripsASetInThePublishedFormat) {
  DotProductSet s;
  s.format = "e4m3";
  s.k = 32;
  s.description = "two rows";
  for (int i = 0; i < 64; ++i) {
    s.a.push_back(std::bit_cast<std::uint32_t>(static_cast<float>(i) * 0.25F));
    s.b.push_back(std::bit_cast<std::uint32_t>(-static_cast<float>(i)));
  }
  s.c = {0x3f800000U, 0x80000001U};
  write_dot_product_set(dir_.file("set"), s);
  // The published layout: 8 hex digits and a space per value, one row per line; c as 32 bits.
  std::ifstream c_file(dir_.file("set") / "c.txt");
  std::string line;
  std::getline(c_file, line);
  EXPECT_EQ(line, "00111111100000000000000000000000");
  std::ifstream a_file(dir_.file("set") / "a.txt");
  std::getline(a_file, line);
  EXPECT_EQ(line.size(), 32U * 9U);
  EXPECT_EQ(line.substr(0, 18), "00000000 3e800000 ");
  const auto back = read_dot_product_set(dir_.file("set"));
  EXPECT_EQ(back.format, "e4m3");
  EXPECT_EQ(back.k, 32);
  EXPECT_EQ(back.rows(), 2U);
  EXPECT_EQ(back.a, s.a);
  EXPECT_EQ(back.b, s.b);
  EXPECT_EQ(back.c, s.c);
  EXPECT_EQ(back.description, "two rows");
  EXPECT_EQ(find_dot_product_sets(dir_.path()), std::vector<std::filesystem::path>{dir_.file("set")});
}

TEST_F(DotProductFiles, ReadsThePublishedH100Files) {
  const std::filesystem::path root = CODESIM_TENSOR_CORE_DATA_DEFAULT;
  const auto dir = root / "H100" / "bf16";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "published tensor-core data not found at " << dir;
  int k = 0;
  const auto a = read_hex_rows(dir / "a_H100_bf16.txt", k);
  EXPECT_EQ(k, 16);
  EXPECT_EQ(a.size(), 5000U * 16U);
  EXPECT_EQ(read_bit_strings(dir / "c_H100_fp32.txt").size(), 5000U);
}

TEST_F(DotProductFiles, ErrorsNameTheFileLineAndField) {
  write("a.txt", "3f800000 3f800000 \n3f800000 zz800000 \n");
  int k = 0;
  try {
    (void)read_hex_rows(dir_.file("a.txt"), k);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("a.txt:2:"), std::string::npos) << m;
    EXPECT_NE(m.find("field 2"), std::string::npos) << m;
    EXPECT_NE(m.find("zz800000"), std::string::npos) << m;
  }
  write("ragged.txt", "3f800000 3f800000 \n3f800000 \n");
  k = 0;
  EXPECT_THROW((void)read_hex_rows(dir_.file("ragged.txt"), k), FormatError);
  write("c.txt", "0011111110000000000000000000000\n");  // 31 characters
  EXPECT_THROW((void)read_bit_strings(dir_.file("c.txt")), FormatError);
  write("info.txt", "format e4m3\nk 48\n");  // not a multiple of the FP8 instruction's 32
  std::filesystem::create_directories(dir_.file("bad"));
  std::filesystem::copy_file(dir_.file("info.txt"), dir_.file("bad") / "info.txt");
  try {
    (void)read_dot_product_set(dir_.file("bad"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("k '48'"), std::string::npos) << e.what();
  }
}

using GemmCaseFiles = TempFolderTest;

TEST_F(GemmCaseFiles, RoundTripsAndChecksSizes) {
  GemmCase c;
  c.name = "t";
  c.m = 16, c.n = 128, c.k = 256;
  c.scaling = "blockwise";
  c.a.assign(16 * 256, 0x38);
  c.b.assign(128 * 256, 0xb8);
  c.a_scale.assign(a_scale_count(c), 0.5F);
  c.b_scale.assign(b_scale_count(c), 3.0F);
  EXPECT_EQ(a_scale_count(c), 16U * 2U);  // one per row per 128 of K
  EXPECT_EQ(b_scale_count(c), 1U * 2U);   // one per 128x128 block
  write_gemm_case(dir_.file("t"), c);
  const auto back = read_gemm_case(dir_.file("t"));
  EXPECT_EQ(back.a, c.a);
  EXPECT_EQ(back.b, c.b);
  EXPECT_EQ(back.a_scale, c.a_scale);
  EXPECT_EQ(back.b_scale, c.b_scale);
  EXPECT_EQ(find_gemm_cases(dir_.path()), std::vector<std::filesystem::path>{dir_.file("t")});
  write_f32_file(dir_.file("t") / "a_scale.bin", {1.0F});  // too few scales
  try {
    (void)read_gemm_case(dir_.file("t"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("a_scale.bin: 4 bytes, expected 128"), std::string::npos) << e.what();
  }
}

TEST(ResultJson, WritesValidJsonWithExactDoubles) {
  Json j;
  j["text"] = "quote \" backslash \\ newline \n tab \t";
  j["int"] = 42;
  j["third"] = 1.0 / 3.0;
  j["nan"] = std::nan("");
  j["list"].push_back(1);
  j["list"].push_back(Json::object());
  j["empty"] = Json::array();
  const std::string s = j.dump(-1);
  EXPECT_EQ(s,
            "{\"text\":\"quote \\\" backslash \\\\ newline \\n tab \\t\",\"int\":42,"
            "\"third\":0.33333333333333331,\"nan\":null,\"list\":[1,{}],\"empty\":[]}");
  EXPECT_EQ(std::stod("0.33333333333333331"), 1.0 / 3.0);  // 17 digits read back exactly
  EXPECT_THROW(j["int"]["x"], std::logic_error);
}

TEST(ResultJson, DescribesTheDeviceAndTheCommand) {
  DeviceInfo d;
  d.name = "NVIDIA H100 80GB HBM3";
  d.sm_count = 132;
  d.compute_major = 9;
  d.driver_version = "13.0";
  const Json doc = result_file("gemm_bench", "gemm_bench --runs 5", d);
  const std::string s = doc.dump(2);
  for (const char* part : {"\"schema\": \"codesim.result/1\"", "\"source\": \"reference_gpu\"", "\"sm_count\": 132",
                           "\"compute_capability\": \"9.0\"", "\"results\": []", "\"command\": \"gemm_bench --runs 5\""})
    EXPECT_NE(s.find(part), std::string::npos) << part << " in\n" << s;
  EXPECT_EQ(s.find("cublas"), std::string::npos);  // only when the program used cuBLAS
  EXPECT_EQ(device_folder_name("NVIDIA H100 80GB HBM3"), "nvidia-h100-80gb-hbm3");
  EXPECT_EQ(device_folder_name("  H200 (NVL) "), "h200-nvl");
  char arg0[] = "prog", arg1[] = "--out", arg2[] = "a b's.json";
  char* argv[] = {arg0, arg1, arg2};
  EXPECT_EQ(command_line(3, argv), "prog --out 'a b'\\''s.json'");
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
}

using ShapeListFiles = TempFolderTest;

TEST_F(ShapeListFiles, RoundTripAndErrors) {
  write_dense_gemm_shapes(dir_.file("d.csv"), {{64, 2112, 7168, "line 2"}});
  const auto dense = read_dense_gemm_shapes(dir_.file("d.csv"));
  ASSERT_EQ(dense.size(), 1U);
  EXPECT_EQ(dense[0].n, 2112);
  write_grouped_gemm_shapes(dir_.file("g.csv"), {{"x", "masked", 4096, 7168, {256, 0, 3}, "src"}});
  const auto grouped = read_grouped_gemm_shapes(dir_.file("g.csv"));
  ASSERT_EQ(grouped.size(), 1U);
  EXPECT_EQ(grouped[0].ms, (std::vector<std::int64_t>{256, 0, 3}));
  MoeCase c;
  c.name = "p";
  c.scenario = "prefill-ep32";
  c.hidden = 7168;
  c.intermediate = 2048;
  c.ms = {1, 2, 3};
  write_moe_cases(dir_.file("m.csv"), {c});
  EXPECT_EQ(read_moe_cases(dir_.file("m.csv")).at(0).tokens(), 6);
  write("bad.csv", "name,layout,n,k,ms,source\nx,strided,1,1,1,s\n");
  try {
    (void)read_grouped_gemm_shapes(dir_.file("bad.csv"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2: column layout: 'strided'"), std::string::npos) << e.what();
  }
  write("bad2.csv", "m,n,k,source\n64,-1,7168,s\n");
  EXPECT_THROW((void)read_dense_gemm_shapes(dir_.file("bad2.csv")), FormatError);
}

TEST_F(ShapeListFiles, AtomicWriteLeavesNoTemporary) {
  write_file_atomically(dir_.file("sub") / "f.txt", "hello");
  EXPECT_TRUE(std::filesystem::exists(dir_.file("sub") / "f.txt"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.file("sub")), {}), 1);  // no temporary left
  // A folder in the way: the write fails and leaves neither file nor temporary behind.
  std::filesystem::create_directories(dir_.file("blocked") / "x");
  EXPECT_THROW(write_file_atomically(dir_.file("blocked"), "data"), std::runtime_error);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 2);  // sub and blocked only
}

}  // namespace
}  // namespace codesim::reference
