// Cluster files (data/clusters, schema codesim.cluster/1): the shipped clusters load with the
// shape their sources give; names and paths resolve through the data catalogue as devices do;
// every bad file is refused with an io::DataFileError naming the file, the field (as a JSON
// path) and the value. Bad files are the shipped h800 file with one edit, so each case tests
// exactly one rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/scoped_env.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"
#include "emulator/network/cluster_config.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::network {
namespace {

using Json = nlohmann::ordered_json;

Json shipped(const std::string& name) {
  std::ifstream in(cluster_folder() / (name + ".json"));
  return Json::parse(in);
}

void write_json(const std::filesystem::path& file, const Json& j) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << j.dump(2);
}

/// The message load_cluster_file throws, or nullopt when the file loads.
std::optional<std::string> load_error(const std::filesystem::path& file) {
  try {
    (void)load_cluster_file(file);
  } catch (const io::DataFileError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

void expect_contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << text << "' lacks '" << p << "'";
}

using codesim::testing::ScopedEnv;

// ---------------------------------------------------------------------------------------------
// The shipped clusters

TEST(ClusterConfig, H800IsDeepSeeksTrainingCluster) {
  const ClusterConfig c = load_cluster("h800");
  EXPECT_EQ(c.name, "h800");
  EXPECT_EQ(c.file, cluster_folder() / "h800.json");
  EXPECT_EQ(c.nodes, 256);
  EXPECT_EQ(c.gpus_per_node, 8);
  EXPECT_EQ(c.gpus(), 2048);  // [V3] 3.1: 2,048 H800 GPUs
  EXPECT_EQ(c.fabric.planes, 8);
  EXPECT_EQ(c.fabric.layers, 2);
  // The GPU, NVLink port included, is the device file's: no second copy of it in the cluster.
  EXPECT_EQ(c.device_name, "h800");
  EXPECT_EQ(c.device.name, "h800");
  const hw::DeviceConfig device = hw::load_device("h800");
  EXPECT_GT(device.nvlink_gbps, 0.0);
  EXPECT_EQ(c.nvlink_gbps(), device.nvlink_gbps);
  EXPECT_EQ(c.device.sms, device.sms);
  EXPECT_DOUBLE_EQ(c.nic_gbps(), c.nic_gbitps / 8.0);
  // GPU i of a node on plane i; every plane's NICs fit the two-layer fat-tree (k^2/2 ends).
  for (int g = 0; g < 16; ++g) EXPECT_EQ(c.plane_of(g), g % 8) << g;
  const long long k = c.fabric.switch_ports;
  EXPECT_LE(static_cast<long long>(c.nodes) * (c.gpus_per_node / c.fabric.planes), k * k / 2);
}

TEST(ClusterConfig, H100AndH200DifferFromH800InTheirGpusNvlink) {
  const ClusterConfig h800 = load_cluster("h800");
  const ClusterConfig h100 = load_cluster("h100");
  const ClusterConfig h200 = load_cluster("h200");
  EXPECT_EQ(h100.device.name, "h100-sxm");
  EXPECT_EQ(h200.device.name, "h200");
  EXPECT_GT(h100.nvlink_gbps(), h800.nvlink_gbps());  // the export cut of NVLink
  EXPECT_GT(h200.nvlink_gbps(), h800.nvlink_gbps());
  EXPECT_EQ(h100.nvlink_gbps(), hw::load_device("h100-sxm").nvlink_gbps);
  for (const ClusterConfig* c : {&h100, &h200}) {  // the same fabric
    EXPECT_EQ(c->gpus(), h800.gpus());
    EXPECT_EQ(c->fabric.planes, h800.fabric.planes);
    EXPECT_EQ(c->fabric.switch_ports, h800.fabric.switch_ports);
    EXPECT_EQ(c->nic_gbitps, h800.nic_gbitps);
  }
}

TEST(ClusterConfig, EveryShippedClusterHasEveryParameterInsideItsRange) {
  const auto names = cluster_names();
  for (const char* expected : {"h100", "h200", "h800"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const ClusterConfig c = load_cluster(name);
    ASSERT_EQ(c.calibration.parameters.size(), network_parameter_decls().size());
    for (const auto& decl : network_parameter_decls()) {
      const auto& p = c.calibration.parameter(decl.name);
      EXPECT_EQ(p.unit, decl.unit);
      EXPECT_LE(decl.hard_lo, p.lo);
      EXPECT_LE(p.lo, p.value);
      EXPECT_LE(p.value, p.hi);
      EXPECT_LE(p.hi, decl.hard_hi);
      EXPECT_EQ(get(c.calibration.values, decl.name), p.value);
    }
    EXPECT_LE(c.latency.ib_same_leaf_us, c.latency.ib_cross_leaf_us);
  }
}

TEST(ClusterConfig, WithCalibrationReplacesValuesAndTheirParameters) {
  const ClusterConfig c = load_cluster("h800");
  NetworkCalibrationValues v;
  v.nvlink_efficiency = 0.61;
  v.rdma_efficiency = 0.72;
  v.sm_copy_gbps = 13.0;
  v.nic_message_overhead_ns = 17.0;
  v.kernel_fixed_us = 2.5;
  const ClusterConfig d = c.with_calibration(v);
  for (const auto& decl : network_parameter_decls()) {
    EXPECT_EQ(get(d.calibration.values, decl.name), get(v, decl.name)) << decl.name;
    EXPECT_EQ(d.calibration.parameter(decl.name).value, get(v, decl.name)) << decl.name;
  }
  EXPECT_EQ(c.calibration.values.nvlink_efficiency, load_cluster("h800").calibration.values.nvlink_efficiency)
      << "with_calibration changed the original";
  EXPECT_EQ(d.gpus(), c.gpus());
}

// ---------------------------------------------------------------------------------------------
// Names and paths, as the data catalogue resolves them

TEST(ClusterConfig, ANameAndItsPathLoadTheSameFile) {
  const auto by_name = load_cluster("h800");
  const auto by_path = load_cluster((cluster_folder() / "h800.json").string());
  EXPECT_EQ(by_name.file, by_path.file);
  EXPECT_EQ(by_name.gpus(), by_path.gpus());
  EXPECT_EQ(by_name.calibration.values.rdma_efficiency, by_path.calibration.values.rdma_efficiency);
}

TEST(ClusterConfig, UnknownNameListsTheKnownClusters) {
  try {
    (void)load_cluster("h900");
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_contains(e.what(), {"unknown cluster 'h900'", cluster_folder().string(), "h100, h200, h800",
                               "give a path to a cluster file"});
  }
}

TEST(ClusterConfig, EnvironmentVariableOverridesTheFolderAndNamesMustMatchFiles) {
  const testing::TempFolder dir("cluster-catalogue");
  Json j = shipped("h800");
  j["name"] = "mini";
  j["nodes"] = 2;
  write_json(dir.file("mini.json"), j);
  write_json(dir.file("alias.json"), j);  // a renamed copy: its name is still "mini"
  const ScopedEnv env("CODESIM_CLUSTER_DATA", dir.path().string());
  EXPECT_EQ(cluster_folder(), dir.path());
  EXPECT_EQ(cluster_names(), (std::vector<std::string>{"alias", "mini"}));
  EXPECT_EQ(load_cluster("mini").gpus(), 16);
  try {
    (void)load_cluster("alias");
    FAIL() << "a renamed copy loaded by the other name";
  } catch (const io::DataFileError& e) {
    expect_contains(e.what(), {"alias.json", "field /name = \"mini\"", "must equal the file name 'alias'"});
  }
  // By path the file is what it says it is.
  EXPECT_EQ(load_cluster(dir.file("alias.json").string()).name, "mini");
  try {
    (void)load_cluster("h800");
    FAIL() << "h800 found outside the folder named by CODESIM_CLUSTER_DATA";
  } catch (const io::DataFileError& e) {
    expect_contains(e.what(), {"unknown cluster 'h800'", dir.path().string(), "alias, mini"});
  }
}

TEST(ClusterConfig, ADevicePathIsRelativeToTheClusterFile) {
  const testing::TempFolder dir("cluster-device");
  std::filesystem::create_directories(dir.file("gpus"));
  std::filesystem::copy_file(hw::device_folder() / "h800.json", dir.file("gpus/my-gpu.json"));
  std::filesystem::copy_file(hw::device_folder() / "h800.json", dir.file("beside.json"));
  Json j = shipped("h800");
  j["device"] = "gpus/my-gpu.json";
  write_json(dir.file("with-subfolder.json"), j);
  // Ends in ".json" without a '/': a path for the catalogue, so beside the cluster file too.
  j["device"] = "beside.json";
  write_json(dir.file("with-file.json"), j);
  j["device"] = (dir.file("gpus/my-gpu.json")).string();
  write_json(dir.file("with-absolute.json"), j);
  for (const char* file : {"with-subfolder.json", "with-file.json", "with-absolute.json"}) {
    SCOPED_TRACE(file);
    const auto error = load_error(dir.file(file));
    ASSERT_FALSE(error) << *error;
    const ClusterConfig c = load_cluster_file(dir.file(file));
    EXPECT_EQ(c.device.name, "h800");
    EXPECT_EQ(c.nvlink_gbps(), hw::load_device("h800").nvlink_gbps);
  }
  EXPECT_EQ(load_cluster_file(dir.file("with-subfolder.json")).device.file, dir.file("gpus/my-gpu.json"));
  EXPECT_EQ(load_cluster_file(dir.file("with-file.json")).device.file, dir.file("beside.json"));
}

TEST(ClusterConfig, MalformedAndMissingFilesNameTheFile) {
  const testing::TempFolder dir("cluster-malformed");
  std::ofstream(dir.file("broken.json")) << "{\n  \"schema\": \"codesim.cluster/1\",\n  \"name\": ";
  const auto broken = load_error(dir.file("broken.json"));
  ASSERT_TRUE(broken);
  expect_contains(*broken, {dir.file("broken.json").string() + ":3:", "malformed JSON"});
  const auto missing = load_error(dir.file("absent.json"));
  ASSERT_TRUE(missing);
  expect_contains(*missing, {dir.file("absent.json").string(), "cannot open"});
}

// ---------------------------------------------------------------------------------------------
// Bad files: one edit of the h800 file each

struct BadCase {
  std::string label;
  std::function<void(Json&)> edit;
  std::vector<std::string> message;  ///< parts the error must contain (besides the file name)
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.label; }

/// The calibration parameter `name` with an explicit range, so that the case does not depend
/// on the values the shipped file carries today.
Json& parameter(Json& j, const char* name) { return j["calibration"]["parameters"][name]; }

std::vector<BadCase> bad_cases() {
  return {
      {"UnknownTopLevelField", [](Json& j) { j["nodez"] = 1; }, {"field /nodez = 1", "unknown field"}},
      {"UnknownNestedField", [](Json& j) { j["fabric"]["plane_count"] = 8; },
       {"field /fabric/plane_count = 8", "unknown field"}},
      {"UnknownCalibrationParameter",
       [](Json& j) {
         const Json copy = parameter(j, "kernel_fixed_us");
         parameter(j, "nvlink_latency_us") = copy;
       },
       {"field /calibration/parameters/nvlink_latency_us", "unknown field"}},
      {"MissingSection", [](Json& j) { j.erase("nic"); }, {"field /nic = (missing)", "required field is missing"}},
      {"MissingCalibrationParameter", [](Json& j) { j["calibration"]["parameters"].erase("sm_copy_gbps"); },
       {"field /calibration/parameters/sm_copy_gbps = (missing)", "required"}},
      {"WrongSchema", [](Json& j) { j["schema"] = "codesim.cluster/2"; },
       {"field /schema = \"codesim.cluster/2\"", "codesim.cluster/1"}},
      {"NodesAsString", [](Json& j) { j["nodes"] = "256"; }, {"field /nodes = \"256\"", "must be a whole number"}},
      {"FractionalGpusPerNode", [](Json& j) { j["gpus_per_node"] = 8.5; },
       {"field /gpus_per_node = 8.5", "must be a whole number"}},
      {"PlanesAsBoolean", [](Json& j) { j["fabric"]["planes"] = true; },
       {"field /fabric/planes = true", "must be a whole number"}},
      {"BandwidthAsString", [](Json& j) { j["pcie"]["bandwidth_gbps_per_direction"] = "64"; },
       {"field /pcie/bandwidth_gbps_per_direction = \"64\"", "must be a number"}},
      {"SectionAsNumber", [](Json& j) { j["pcie"] = 64; }, {"field /pcie = 64", "must be a JSON object"}},
      {"LatencyAsString", [](Json& j) { j["latency_us"]["nvlink"] = "fast"; },
       {"field /latency_us/nvlink = \"fast\"", "must be a number"}},
      {"NegativePcieBandwidth", [](Json& j) { j["pcie"]["bandwidth_gbps_per_direction"] = -64; },
       {"field /pcie/bandwidth_gbps_per_direction = -64", "must be in"}},
      {"ZeroPcieBandwidth", [](Json& j) { j["pcie"]["bandwidth_gbps_per_direction"] = 0; },
       {"field /pcie/bandwidth_gbps_per_direction = 0", "must be in"}},
      {"ZeroNicLineRate", [](Json& j) { j["nic"]["line_rate_gbitps"] = 0; },
       {"field /nic/line_rate_gbitps = 0", "must be in"}},
      {"NegativeFabricLinkRate", [](Json& j) { j["fabric"]["link_gbitps"] = -400; },
       {"field /fabric/link_gbitps = -400", "must be in"}},
      {"NegativeLatency", [](Json& j) { j["latency_us"]["ib_same_leaf"] = -1; },
       {"field /latency_us/ib_same_leaf = -1", "must be in"}},
      {"ZeroNodes", [](Json& j) { j["nodes"] = 0; }, {"field /nodes = 0", "must be in"}},
      {"PlanesNotDividingGpusPerNode", [](Json& j) { j["fabric"]["planes"] = 3; },
       {"field /fabric/planes = 3", "the planes must divide gpus_per_node (8)"}},
      {"MorePlanesThanGpusPerNode", [](Json& j) { j["fabric"]["planes"] = 16; },
       {"field /fabric/planes = 16", "divide gpus_per_node"}},
      {"OddSwitchPorts", [](Json& j) { j["fabric"]["switch_ports"] = 63; },
       {"field /fabric/switch_ports = 63", "evenly"}},
      {"ThreeLayers", [](Json& j) { j["fabric"]["layers"] = 3; }, {"field /fabric/layers = 3", "must be in 2..2"}},
      {"UnknownTopology", [](Json& j) { j["fabric"]["topology"] = "dragonfly"; },
       {"field /fabric/topology = \"dragonfly\"", "multi-plane-fat-tree"}},
      // 64-port switches: k^2/2 = 2,048 NICs per plane; with 8 planes a node has one NIC per plane.
      {"MoreNodesThanTheFatTreeHolds", [](Json& j) { j["nodes"] = 2049; },
       {"field /nodes = 2049", "needs 2049 NICs per plane", "64-port switches holds at most 2048"}},
      // 16-port switches: 128 NICs per plane.
      {"MoreNodesThanSmallSwitchesHold",
       [](Json& j) {
         j["fabric"]["switch_ports"] = 16;
         j["nodes"] = 129;
       },
       {"field /nodes = 129", "holds at most 128"}},
      // One plane: every GPU of a node on it, 8 NICs per node and plane: 2,048 / 8 = 256 nodes.
      {"OnePlaneCountsEveryGpuOfANode",
       [](Json& j) {
         j["fabric"]["planes"] = 1;
         j["nodes"] = 257;
       },
       {"field /nodes = 257", "needs 2056 NICs per plane"}},
      {"UnknownDevice", [](Json& j) { j["device"] = "h900"; },
       {"field /device = \"h900\"", "cannot be loaded", "unknown device 'h900'"}},
      {"MissingDeviceFile", [](Json& j) { j["device"] = "gpus/none.json"; },
       {"field /device = \"gpus/none.json\"", "cannot be loaded", "cannot open"}},
      {"NameWithSlash", [](Json& j) { j["name"] = "a/b"; },
       {"field /name = \"a/b\"", "without '/'"}},
      {"EmptyName", [](Json& j) { j["name"] = ""; }, {"field /name = \"\"", "non-empty"}},
      {"CrossLeafFasterThanSameLeaf",
       [](Json& j) {
         j["latency_us"]["ib_same_leaf"] = 3.0;
         j["latency_us"]["ib_cross_leaf"] = 2.0;
       },
       {"field /latency_us/ib_cross_leaf = 2.0", "cannot be faster"}},
      {"CalibrationValueAboveItsRange",
       [](Json& j) {
         parameter(j, "nvlink_efficiency")["range"] = {0.6, 0.95};
         parameter(j, "nvlink_efficiency")["value"] = 0.99;
       },
       {"field /calibration/parameters/nvlink_efficiency/value = 0.99", "must be in 0.6..0.95"}},
      {"CalibrationValueBelowItsRange",
       [](Json& j) {
         parameter(j, "kernel_fixed_us")["range"] = {1.0, 30.0};
         parameter(j, "kernel_fixed_us")["value"] = 0.5;
       },
       {"field /calibration/parameters/kernel_fixed_us/value = 0.5", "must be in 1..30"}},
      {"CalibrationRangeOutsidePhysicalBounds",
       [](Json& j) {
         parameter(j, "rdma_efficiency")["range"] = {0.5, 1.2};  // an efficiency above 1
         parameter(j, "rdma_efficiency")["value"] = 0.8;
       },
       {"field /calibration/parameters/rdma_efficiency/range = [0.5,1.2]", "every number must be in 0.05..1"}},
      {"CalibrationRangeReversed",
       [](Json& j) {
         parameter(j, "sm_copy_gbps")["range"] = {50.0, 10.0};
         parameter(j, "sm_copy_gbps")["value"] = 20.0;
       },
       {"field /calibration/parameters/sm_copy_gbps/range", "low end is above the high end"}},
      {"CalibrationWrongUnit", [](Json& j) { parameter(j, "kernel_fixed_us")["unit"] = "ms"; },
       {"field /calibration/parameters/kernel_fixed_us/unit = \"ms\"", "must be one of: us"}},
  };
}

class BadClusterFile : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadClusterFile, IsRefusedNamingFileFieldAndValue) {
  const testing::TempFolder dir("cluster-bad");
  Json j = shipped("h800");
  GetParam().edit(j);
  const auto file = dir.file(GetParam().label + ".json");
  write_json(file, j);
  const auto error = load_error(file);
  ASSERT_TRUE(error) << "the file loaded";
  EXPECT_EQ(error->rfind(file.string() + ": ", 0), 0U) << *error;  // the file first
  expect_contains(*error, GetParam().message);
  // load_cluster by path says the same.
  try {
    (void)load_cluster(file.string());
    ADD_FAILURE() << "load_cluster loaded it";
  } catch (const io::DataFileError& e) {
    EXPECT_EQ(std::string(e.what()), *error);
  }
}

std::string bad_case_name(const ::testing::TestParamInfo<BadCase>& case_info) { return case_info.param.label; }

INSTANTIATE_TEST_SUITE_P(ClusterConfig, BadClusterFile, ::testing::ValuesIn(bad_cases()), bad_case_name);

// The edges of the rules above: the largest cluster each rule allows does load.
TEST(ClusterConfig, TheLargestClustersTheFabricHoldsLoad) {
  const testing::TempFolder dir("cluster-edges");
  struct Edge {
    int planes, switch_ports, nodes;
  };
  for (const Edge e : {Edge{8, 64, 2048}, Edge{8, 16, 128}, Edge{1, 64, 4}, Edge{2, 64, 8}, Edge{4, 16, 4}}) {
    Json j = shipped("h800");
    j["fabric"]["planes"] = e.planes;
    j["fabric"]["switch_ports"] = e.switch_ports;
    j["nodes"] = e.nodes;
    const auto file = dir.file("edge-" + std::to_string(e.planes) + "-" + std::to_string(e.switch_ports) + ".json");
    write_json(file, j);
    const auto error = load_error(file);
    EXPECT_FALSE(error) << *error;
    if (!error) {
      EXPECT_EQ(load_cluster_file(file).gpus(), e.nodes * 8);
    }
  }
}

}  // namespace
}  // namespace codesim::network
