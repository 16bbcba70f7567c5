// `codesim validate --reference`: measured results in the codesim.result/1 schema against the
// timing model. DeepSeek's published H800 figures, written in that schema, must give exactly
// what `validate --published` gives for them.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "emulator/io/json_fields.hpp"
#include "emulator/reference/reference_validation.hpp"
#include "emulator/reference/shape_export.hpp"
#include "emulator/sim/gemm_validation.hpp"
#include "reference_gpu/common/shape_lists.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::emulator_reference {
namespace {

const std::filesystem::path kPublished = CODESIM_H800_REFERENCE_DEFAULT;

class ResultDir : public ::testing::Test {
 protected:
  codesim::testing::TempFolder dir_{"codesim-reference-validation"};
  void write(const std::string& name, const nlohmann::json& j) { std::ofstream(dir_.file(name)) << j.dump(2); }
};

nlohmann::json header(const std::string& device) {
  return {{"schema", "codesim.result/1"}, {"source", "reference_gpu"}, {"device", device},
          {"device_info", {{"sm_count", 132}}}, {"results", nlohmann::json::array()}};
}

TEST_F(ResultDir, PublishedFiguresGiveTheSameErrorsAsValidatePublished) {
  if (!std::filesystem::exists(kPublished)) GTEST_SKIP() << "published H800 figures not found at " << kPublished;
  const auto measured = sim::read_published_dense_gemms(kPublished / "deepgemm_dense_fp8_gemm.csv");
  auto doc = header("NVIDIA H800");
  for (const auto& g : measured)
    doc["results"].push_back({{"operator", "fp8_gemm"},
                              {"shape", {{"m", g.shape.m[0]}, {"n", g.shape.n}, {"k", g.shape.k}, {"layout", "dense"}}},
                              {"time_us", g.measured_us}});
  doc["results"].push_back({{"operator", "copy_d2d"}, {"shape", {{"bytes", 1 << 30}}}, {"time_us", 700.0}});
  write("gemm_bench.json", doc);
  ASSERT_EQ(measured_device_name(dir_.path()), "NVIDIA H800");
  ASSERT_EQ(device_for_gpu_name("NVIDIA H800"), "h800");
  const auto device = hw::load_device("h800");
  const auto v = validate_against_reference(device, dir_.path());
  const auto p = sim::predict(device, measured);
  ASSERT_EQ(v.rows.size(), measured.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_DOUBLE_EQ(v.rows[i].predicted_us, p[i].predicted_us) << i;
    EXPECT_DOUBLE_EQ(v.rows[i].error_percent(), p[i].error_percent()) << i;
  }
  EXPECT_DOUBLE_EQ(v.mape_percent(), sim::mean_absolute_percent_error(p));
  ASSERT_EQ(v.skipped.size(), 1U);
  EXPECT_EQ(v.skipped[0].op, "copy_d2d");
  EXPECT_TRUE(v.warnings.empty());
}

TEST_F(ResultDir, PredictsEveryOperatorTheBenchmarksWrite) {
  auto doc = header("NVIDIA H100 80GB HBM3");
  doc["device_info"]["sm_count"] = 114;  // not the device file's 132: a warning, not an error
  doc["results"].push_back({{"operator", "fp8_gemm_grouped"},
                            {"shape", {{"layout", "masked"}, {"n", 4096}, {"k", 7168}, {"ms", {256, 256, 0, 12}}}},
                            {"time_us", 50.0}});
  doc["results"].push_back({{"operator", "quantize_1x128"}, {"shape", {{"tokens", 8192}, {"hidden", 7168}}}, {"time_us", 60.0}});
  doc["results"].push_back(
      {{"operator", "swiglu_quantize"}, {"shape", {{"tokens", 8192}, {"intermediate", 2048}}}, {"time_us", 40.0}});
  doc["results"].push_back({{"operator", "moe_expert"},
                            {"shape", {{"name", "x"}, {"hidden", 7168}, {"intermediate", 2048}, {"ms", {300, 500}}}},
                            {"time_us", 200.0}});
  doc["results"].push_back({{"operator", "fp8_gemm"}, {"status", "unsupported"}, {"shape", nlohmann::json::object()}});
  write("bench.json", doc);
  const auto device = hw::load_device(*device_for_gpu_name(measured_device_name(dir_.path())));
  const auto v = validate_against_reference(device, dir_.path());
  ASSERT_EQ(v.rows.size(), 4U);
  for (const auto& r : v.rows) EXPECT_GT(r.predicted_us, 0.0) << r.op;
  // The quantiser streams 8192 x 7168 BF16 in and FP8 out: at least bytes / HBM bandwidth.
  const double bytes = 8192.0 * 7168.0 * 3.0;
  EXPECT_GT(v.rows[1].predicted_us, bytes / (3.35e12) * 1e6);
  // The whole expert computation takes longer than its largest part alone.
  EXPECT_GT(v.rows[3].predicted_us, v.rows[2].predicted_us);
  EXPECT_EQ(v.skipped.size(), 1U);
  EXPECT_EQ(v.warnings.size(), 1U);
}

TEST_F(ResultDir, MalformedFilesNameTheFileAndField) {
  auto doc = header("NVIDIA H100 80GB HBM3");
  doc["results"].push_back({{"operator", "fp8_gemm"}, {"shape", {{"m", 64}, {"n", -3}, {"k", 128}}}, {"time_us", 5.0}});
  write("bad.json", doc);
  const auto device = hw::load_device("h100-sxm");
  try {
    (void)validate_against_reference(device, dir_.path());
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad.json: results[0].shape.n: '-3' is not a positive integer"), std::string::npos) << m;
  }
  std::ofstream(dir_.file("bad.json")) << "{ not json";
  EXPECT_THROW((void)validate_against_reference(device, dir_.path()), io::DataFileError);
  std::filesystem::remove(dir_.file("bad.json"));
  EXPECT_THROW((void)measured_device_name(dir_.path()), io::DataFileError);
}

// A result file is data: a string, null or object where another type belongs, a number beyond
// a double and a key given twice are errors naming the file and the field (nlohmann's own
// type_error once escaped with exit status 1 and no file named).
TEST_F(ResultDir, WrongTypesNameTheFileFieldAndValue) {
  const auto device = hw::load_device("h100-sxm");
  const auto error_of = [&](const nlohmann::json& doc) -> std::string {
    write("bad.json", doc);
    try {
      (void)validate_against_reference(device, dir_.path());
    } catch (const io::DataFileError& e) {
      return e.what();
    } catch (const std::exception& e) {
      return std::string("not a DataFileError: ") + e.what();
    }
    return "";
  };
  const nlohmann::json gemm = {{"operator", "fp8_gemm"}, {"shape", {{"m", 64}, {"n", 128}, {"k", 128}}}, {"time_us", 5.0}};
  const auto with = [&](const std::string& key, const nlohmann::json& value) {
    auto doc = header("NVIDIA H100 80GB HBM3");
    auto r = gemm;
    r[key] = value;
    doc["results"].push_back(r);
    return doc;
  };
  struct Case {
    nlohmann::json doc;
    std::string want;
  };
  auto no_device = header("x");
  no_device["device"] = 132;
  auto bad_info = header("NVIDIA H100 80GB HBM3");
  bad_info["device_info"]["sm_count"] = "132";
  auto not_object = header("NVIDIA H100 80GB HBM3");
  not_object["results"].push_back(7);
  const Case cases[] = {
      {with("operator", 5), "bad.json: results[0].operator: '5' is not a string"},
      {with("operator", nullptr), "bad.json: results[0].operator: 'null' is not a string"},
      {with("status", false), "bad.json: results[0].status: 'false' is not a string"},
      {with("shape", "64x128x128"), "bad.json: results[0].shape: '\"64x128x128\"' is not an object"},
      {with("time_us", "5"), "bad.json: results[0].time_us: '\"5\"' is not a positive number"},
      {with("time_us", nullptr), "bad.json: results[0].time_us: 'null' is not a positive number"},
      {no_device, "bad.json: device: '132' is not a string"},
      {bad_info, "bad.json: device_info.sm_count: '\"132\"' is not a whole number"},
      {not_object, "bad.json: results[0]: '7' is not an object"},
  };
  for (const auto& c : cases) {
    const auto m = error_of(c.doc);
    EXPECT_NE(m.find(c.want), std::string::npos) << "'" << m << "' lacks '" << c.want << "'";
  }
  auto grouped = with("operator", "fp8_gemm_grouped");
  grouped["results"][0]["shape"] = {{"layout", 3}, {"n", 128}, {"k", 128}, {"ms", {64}}};
  EXPECT_NE(error_of(grouped).find("results[0].shape.layout: '3' is not a string"), std::string::npos)
      << error_of(grouped);
  // A huge value is quoted in part only.
  const auto huge = error_of(with("operator", std::vector<int>(1'000'000, 1)));
  EXPECT_NE(huge.find("characters)' is not a string"), std::string::npos) << huge.substr(0, 300);
  EXPECT_LT(huge.size(), 300U);
  // Text-level errors come from the project's JSON reader.
  std::ofstream(dir_.file("bad.json")) << R"({"schema": "codesim.result/1", "results": [{"time_us": 1e999}]})";
  std::string m;
  try {
    (void)validate_against_reference(device, dir_.path());
  } catch (const io::DataFileError& e) {
    m = e.what();
  }
  EXPECT_NE(m.find("bad.json: field /results/0/time_us = 1e999"), std::string::npos) << m;
  std::ofstream(dir_.file("bad.json")) << R"({"schema": "codesim.result/1", "schema": "codesim.result/1", "results": []})";
  m.clear();
  try {
    (void)validate_against_reference(device, dir_.path());
  } catch (const io::DataFileError& e) {
    m = e.what();
  }
  EXPECT_NE(m.find("bad.json: field /schema: the key appears twice"), std::string::npos) << m;
}

// The committed shape lists are what `codesim reference shapes` writes today.
TEST(ShapeLists, CommittedListsMatchTheGenerator) {
  if (!std::filesystem::exists(kPublished)) GTEST_SKIP() << "published H800 figures not found at " << kPublished;
  const auto lists = make_shape_lists(kPublished, std::filesystem::path(CODESIM_PUBLISHED_DATA_DEFAULT) /
                                                      "h800_deepgemm_grouped.csv", 1);
  const std::filesystem::path dir = CODESIM_SHAPES_DIR;
  const auto dense = reference::read_dense_gemm_shapes(dir / "dense_gemm_shapes.csv");
  const auto grouped = reference::read_grouped_gemm_shapes(dir / "grouped_gemm_shapes.csv");
  const auto moe = reference::read_moe_cases(dir / "moe_cases.csv");
  ASSERT_EQ(dense.size(), 18U);
  ASSERT_EQ(dense.size(), lists.dense.size());
  for (std::size_t i = 0; i < dense.size(); ++i) EXPECT_EQ(dense[i].m * dense[i].n * dense[i].k, lists.dense[i].m * lists.dense[i].n * lists.dense[i].k);
  ASSERT_EQ(grouped.size(), lists.grouped.size());
  for (std::size_t i = 0; i < grouped.size(); ++i) EXPECT_EQ(grouped[i].ms, lists.grouped[i].ms) << grouped[i].name;
  ASSERT_EQ(moe.size(), lists.moe.size());
  for (std::size_t i = 0; i < moe.size(); ++i) EXPECT_EQ(moe[i].ms, lists.moe[i].ms) << moe[i].name;
}

}  // namespace
}  // namespace codesim::emulator_reference
