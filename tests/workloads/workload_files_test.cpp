// Bad workload files: every error names the file, the field and the value, and nothing is
// silently defaulted. The catalogue's own files all load and fit their models.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_folder.hpp"
#include "workloads/config/workload_catalog.hpp"
#include "workloads/config/workload_error.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::workloads {
namespace {

namespace fs = std::filesystem;

class WorkloadFiles : public ::testing::Test {
 protected:
  static nlohmann::json catalogue_file(const std::string& kind, const std::string& name) {
    return read_json_file(workload_data_dir() / kind / (name + ".json"));
  }
  fs::path write(const std::string& name, const std::string& text) {
    const auto p = dir_.file(name);
    std::ofstream(p) << text;
    return p;
  }
  /// Loads the scenario (and its model) and builds it; returns the error message.
  std::string error_of(const nlohmann::json& scenario, const nlohmann::json* model = nullptr) {
    nlohmann::json s = scenario;
    if (model != nullptr) s["model"] = write("model.json", model->dump()).string();
    const auto file = write("scenario.json", s.dump());
    try {
      const auto sc = load_scenario(file.string());
      const auto m = load_model(sc.model);
      (void)build_moe_layer_workload(sc, m, {});
    } catch (const WorkloadError& e) {
      return e.what();
    }
    return "";
  }
  codesim::testing::TempFolder dir_{"codesim-workload-files"};
};

void expect_names(const std::string& message, std::initializer_list<std::string> parts) {
  for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << message << "' lacks '" << p << "'";
}

TEST_F(WorkloadFiles, UnknownFieldIsAnError) {
  auto s = catalogue_file("scenarios", "prefill-ep32");
  s["experts"]["redundnat"] = 32;
  expect_names(error_of(s), {"scenario.json", "/experts/redundnat", "32", "unknown field"});
}

TEST_F(WorkloadFiles, ExpertsThatDoNotDivideOverGpusAreAnError) {
  auto s = catalogue_file("scenarios", "prefill-ep32");
  s["experts"]["redundant"] = 7;
  expect_names(error_of(s), {"scenario.json", "/experts/redundant", "7", "do not divide over 32 GPUs"});
}

TEST_F(WorkloadFiles, TopKLargerThanTheExpertsIsAnError) {
  auto m = catalogue_file("models", "deepseek-v3");
  m["moe"]["routed_experts"] = 32;
  m["moe"]["experts_per_token"] = 40;
  const auto s = catalogue_file("scenarios", "train-ep64");
  expect_names(error_of(s, &m), {"model.json", "/moe/experts_per_token", "40", "larger than routed_experts (32)"});
}

// Issue 15: an FP8 model with no scale block was accepted; a block must also tile the weights.
TEST_F(WorkloadFiles, Fp8WeightsNeedAScaleBlockThatTilesThem) {
  const auto s = catalogue_file("scenarios", "train-ep64");
  auto m = catalogue_file("models", "deepseek-v3");
  m["quantisation"]["weight_block"] = 0;
  expect_names(error_of(s, &m), {"model.json", "/quantisation/weight_block", "0", "needs a scale block"});
  m["quantisation"]["weight_block"] = 896;  // divides hidden 7168 but not intermediate 2048
  expect_names(error_of(s, &m), {"model.json", "/quantisation/weight_block", "896", "must divide"});
  m["quantisation"]["weight_block"] = 128;
  EXPECT_EQ(error_of(s, &m), "");
  m["quantisation"]["weight_format"] = "bf16";  // 16-bit weights need no scales
  m["quantisation"]["weight_block"] = 0;
  EXPECT_EQ(error_of(s, &m), "");
}

TEST_F(WorkloadFiles, TopKBeyondTheKeptGroupsIsAnError) {
  auto m = catalogue_file("models", "deepseek-v3");
  m["moe"]["router"]["topk_groups"] = 1;
  m["moe"]["experts_per_token"] = 40;  // one group holds 32 experts
  const auto s = catalogue_file("scenarios", "train-ep64");
  expect_names(error_of(s, &m), {"model.json", "/moe/experts_per_token", "40", "kept groups (32)"});
}

TEST_F(WorkloadFiles, ExpertParallelMustMatchTheCluster) {
  auto s = catalogue_file("scenarios", "train-ep64");
  s["parallelism"]["expert"] = 32;
  expect_names(error_of(s), {"scenario.json", "/parallelism/expert", "32", "nodes x gpus_per_node (64)"});
}

TEST_F(WorkloadFiles, OutOfRangeAndWrongTypesAreErrors) {
  auto s = catalogue_file("scenarios", "train-ep64");
  s["cluster"]["nodes"] = 0;
  expect_names(error_of(s), {"/cluster/nodes", "= 0", "1..4096"});
  s = catalogue_file("scenarios", "train-ep64");
  s["tokens"]["per_gpu_per_micro_batch"] = "4096";
  expect_names(error_of(s), {"/tokens/per_gpu_per_micro_batch", "\"4096\"", "whole number"});
  s = catalogue_file("scenarios", "train-ep64");
  s["communication"]["dispatch_format"] = "e4m4x";
  expect_names(error_of(s), {"/communication/dispatch_format", "e4m4x", "unknown number format"});
  s = catalogue_file("scenarios", "train-ep64");
  s["routing"]["scores"] = "uniform";
  expect_names(error_of(s), {"/routing/scores", "uniform", "known: independent, zipf"});
  s = catalogue_file("scenarios", "train-ep64");
  s["cluster"]["nodes"] = 200;
  expect_names(error_of(s), {"/cluster/nodes", "= 200", "1600 exceeds the 1024 GPUs"});
  s = catalogue_file("scenarios", "train-ep64");
  s.erase("phase");
  expect_names(error_of(s), {"/phase", "missing"});
}

TEST_F(WorkloadFiles, HierarchicalPlacementNeedsGroupsDivisibleByNodes) {
  auto s = catalogue_file("scenarios", "decode-ep144");  // 18 nodes, 8 groups
  s["experts"]["placement"] = "hierarchical";
  expect_names(error_of(s), {"/experts/placement", "hierarchical"});
}

TEST_F(WorkloadFiles, MalformedJsonNamesLineAndColumn) {
  const auto file = write("broken.json", "{\n  \"name\": \"x\",\n  \"phase\": ,\n}\n");
  try {
    (void)load_scenario(file.string());
    FAIL() << "no error";
  } catch (const WorkloadError& e) {
    expect_names(e.what(), {"broken.json:3:", "malformed JSON"});
  }
}

TEST_F(WorkloadFiles, UnknownNamesListTheKnownOnes) {
  try {
    (void)load_scenario("prefill-ep33");
    FAIL() << "no error";
  } catch (const WorkloadError& e) {
    expect_names(e.what(), {"unknown workload 'prefill-ep33'", "prefill-ep32", "train-ep64"});
  }
}

TEST(WorkloadCatalogue, EveryScenarioLoadsAndFitsItsModel) {
  const auto names = scenario_names();
  for (const std::string want : {"train-ep64", "prefill-ep32", "decode-ep320", "decode-ep144", "decode-ep128"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    const auto s = load_scenario(n);
    EXPECT_FALSE(s.source.empty());
    EXPECT_NO_THROW(check_scenario_against_model(s, load_model(s.model)));
  }
}

}  // namespace
}  // namespace codesim::workloads
