// Device files: the shipped devices load and give the published peaks; every bad file is an
// io::DataFileError naming the file, the JSON field path and the offending value.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <unistd.h>

#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::hw {
namespace {

namespace fs = std::filesystem;

void expect_names(const std::string& message, std::initializer_list<std::string> parts) {
  for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << message << "' lacks '" << p << "'";
}

TEST(ShippedDevices, AllThreeLoadAndAreListed) {
  const auto names = device_names();
  EXPECT_EQ(names, (std::vector<std::string>{"h100-sxm", "h200", "h800"}));
  for (const auto& n : names) {
    const auto d = load_device(n);
    EXPECT_EQ(d.name, n);
    EXPECT_FALSE(d.description.empty());
    EXPECT_FALSE(d.source.empty());
    EXPECT_EQ(d.file.stem().string(), n);
  }
}

TEST(ShippedDevices, H800MatchesTheProfiledDeviceProperties) {
  const auto d = load_device("h800");
  EXPECT_EQ(d.sms, 132);
  EXPECT_DOUBLE_EQ(d.clock_mhz, 1830.0);
  EXPECT_DOUBLE_EQ(d.clock_hz(), 1.83e9);
  EXPECT_EQ(d.shared_memory_per_sm, 233'472);
  EXPECT_EQ(d.shared_memory_per_block, 232'448);
  EXPECT_DOUBLE_EQ(d.hbm_bytes, 84'943'110'144.0);
  EXPECT_DOUBLE_EQ(d.hbm_bandwidth_gbps, 3350.0);
  EXPECT_DOUBLE_EQ(d.l2_bytes, 52'428'800.0);
  EXPECT_DOUBLE_EQ(d.nvlink_gbps, 200.0);
  EXPECT_DOUBLE_EQ(d.nic_gbps, 50.0);
  EXPECT_EQ(d.nics, 1);
  EXPECT_DOUBLE_EQ(d.cuda_core_fp32_lanes, 128.0);
}

// h800_hardware.csv: BF16 dense 989 TFLOPS; FP8 twice that, 1979 TFLOPS (notes section D).
TEST(ShippedDevices, H800PeaksMatchThePublishedFigures) {
  const auto d = load_device("h800");
  const double fp8 = d.sms * d.tensor_fp8_flops_per_clk * d.clock_hz();
  const double bf16 = d.sms * d.tensor_bf16_flops_per_clk * d.clock_hz();
  EXPECT_DOUBLE_EQ(fp8, 132.0 * 8192.0 * 1.83e9);
  EXPECT_NEAR(fp8 / 1.979e15, 1.0, 0.005);
  EXPECT_NEAR(bf16 / 989e12, 1.0, 0.005);
}

TEST(ShippedDevices, H100DiffersFromH800OnlyInNvlink) {
  const auto a = load_device("h800");
  auto b = load_device("h100-sxm");
  EXPECT_DOUBLE_EQ(b.nvlink_gbps, 450.0);
  // Make the H100 look like the H800 in the fields that may differ; everything else must match.
  b.nvlink_gbps = a.nvlink_gbps;
  EXPECT_EQ(b.sms, a.sms);
  EXPECT_EQ(b.clock_mhz, a.clock_mhz);
  EXPECT_EQ(b.tensor_fp8_flops_per_clk, a.tensor_fp8_flops_per_clk);
  EXPECT_EQ(b.tensor_bf16_flops_per_clk, a.tensor_bf16_flops_per_clk);
  EXPECT_EQ(b.cuda_core_fp32_lanes, a.cuda_core_fp32_lanes);
  EXPECT_EQ(b.shared_memory_per_sm, a.shared_memory_per_sm);
  EXPECT_EQ(b.shared_memory_per_block, a.shared_memory_per_block);
  EXPECT_EQ(b.l2_bytes, a.l2_bytes);
  EXPECT_EQ(b.l2_bandwidth_gbps, a.l2_bandwidth_gbps);
  EXPECT_EQ(b.l2_latency_ns, a.l2_latency_ns);
  EXPECT_EQ(b.hbm_bytes, a.hbm_bytes);
  EXPECT_EQ(b.hbm_bandwidth_gbps, a.hbm_bandwidth_gbps);
  EXPECT_EQ(b.hbm_latency_ns, a.hbm_latency_ns);
  EXPECT_EQ(b.nvlink_gbps, a.nvlink_gbps);
  EXPECT_EQ(b.nic_gbps, a.nic_gbps);
  EXPECT_EQ(b.nics, a.nics);
  EXPECT_EQ(b.efficiency.tensor_efficiency, a.efficiency.tensor_efficiency);
  EXPECT_EQ(b.efficiency.hbm_efficiency, a.efficiency.hbm_efficiency);
  EXPECT_EQ(b.efficiency.l2_efficiency, a.efficiency.l2_efficiency);
  EXPECT_EQ(b.efficiency.launch_overhead_us, a.efficiency.launch_overhead_us);
  EXPECT_EQ(b.efficiency.promotion_exposed, a.efficiency.promotion_exposed);
  EXPECT_EQ(b.efficiency.tile_overhead_cycles, a.efficiency.tile_overhead_cycles);
}

TEST(ShippedDevices, H200HasTheH100SmSideAndFasterLargerMemory) {
  const auto h100 = load_device("h100-sxm");
  const auto h200 = load_device("h200");
  EXPECT_EQ(h200.sms, h100.sms);
  EXPECT_EQ(h200.clock_mhz, h100.clock_mhz);
  EXPECT_EQ(h200.tensor_fp8_flops_per_clk, h100.tensor_fp8_flops_per_clk);
  EXPECT_DOUBLE_EQ(h200.hbm_bandwidth_gbps, 4800.0);
  EXPECT_DOUBLE_EQ(h200.nvlink_gbps, 450.0);
  EXPECT_NEAR(h200.hbm_bytes / 1e9, 150.0, 1.0);
}

TEST(ShippedDevices, EfficienciesAreInRange) {
  for (const auto& n : device_names()) {
    const auto e = load_device(n).efficiency;
    for (const double x : {e.tensor_efficiency, e.hbm_efficiency, e.l2_efficiency}) {
      EXPECT_GT(x, 0.0) << n;
      EXPECT_LE(x, 1.0) << n;
    }
    EXPECT_GE(e.promotion_exposed, 0.0) << n;
    EXPECT_LE(e.promotion_exposed, 1.0) << n;
  }
}

class DeviceFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("codesim_device_files_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static nlohmann::json h800() { return io::read_json_file(device_folder() / "h800.json"); }
  fs::path write(const std::string& name, const std::string& text) const {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  /// Loads the JSON as a device file by path; returns the error message ("" if it loaded).
  std::string error_of(const nlohmann::json& device) const {
    const auto file = write("bad-device.json", device.dump(2));
    try {
      (void)load_device(file.string());
    } catch (const io::DataFileError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(DeviceFiles, ACopyOfH800LoadsByPath) {
  EXPECT_EQ(error_of(h800()), "");
  const auto d = load_device((dir_ / "bad-device.json").string());
  EXPECT_EQ(d.name, "h800");
  EXPECT_EQ(d.file, dir_ / "bad-device.json");
}

TEST_F(DeviceFiles, UnknownFieldIsAnError) {
  auto d = h800();
  d["hbm"]["bandwith_gbps"] = 3350;
  expect_names(error_of(d), {"bad-device.json", "/hbm/bandwith_gbps", "3350", "unknown field"});
}

TEST_F(DeviceFiles, UnknownTopLevelFieldIsAnError) {
  auto d = h800();
  d["tdp_w"] = 700;
  expect_names(error_of(d), {"bad-device.json", "/tdp_w", "700", "unknown field"});
}

TEST_F(DeviceFiles, MissingFieldIsAnError) {
  auto d = h800();
  d["network"].erase("nics");
  expect_names(error_of(d), {"bad-device.json", "/network/nics", "(missing)", "required"});
}

TEST_F(DeviceFiles, WrongTypeIsAnError) {
  auto d = h800();
  d["sm"]["count"] = "132";
  expect_names(error_of(d), {"bad-device.json", "/sm/count", "\"132\"", "whole number"});
  d = h800();
  d["l2"]["bandwidth_gbps"] = true;
  expect_names(error_of(d), {"bad-device.json", "/l2/bandwidth_gbps", "true", "must be a number"});
  d = h800();
  d["sm"]["count"] = 132.5;
  expect_names(error_of(d), {"bad-device.json", "/sm/count", "132.5", "whole number"});
}

TEST_F(DeviceFiles, NegativeBandwidthIsAnError) {
  auto d = h800();
  d["hbm"]["bandwidth_gbps"] = -3350;
  expect_names(error_of(d), {"bad-device.json", "/hbm/bandwidth_gbps", "-3350", "must be > 0"});
  d = h800();
  d["network"]["nvlink_gbps_per_direction"] = 0;
  expect_names(error_of(d), {"bad-device.json", "/network/nvlink_gbps_per_direction", "= 0", "must be > 0"});
}

TEST_F(DeviceFiles, OutOfRangeCountIsAnError) {
  auto d = h800();
  d["sm"]["count"] = 0;
  expect_names(error_of(d), {"bad-device.json", "/sm/count", "= 0", "1..1024"});
  d = h800();
  d["sm"]["clock_mhz"] = 20000;
  expect_names(error_of(d), {"bad-device.json", "/sm/clock_mhz", "20000", "must be in"});
}

TEST_F(DeviceFiles, EfficiencyZeroIsAnError) {
  auto d = h800();
  d["efficiency"]["tensor_efficiency"] = 0;
  expect_names(error_of(d), {"bad-device.json", "/efficiency/tensor_efficiency", "= 0", "must be > 0 and <= 1"});
}

TEST_F(DeviceFiles, EfficiencyAboveOneIsAnError) {
  auto d = h800();
  d["efficiency"]["hbm_efficiency"] = 1.5;
  expect_names(error_of(d), {"bad-device.json", "/efficiency/hbm_efficiency", "1.5", "must be > 0 and <= 1"});
  d = h800();
  d["efficiency"]["promotion_exposed"] = 1.5;
  expect_names(error_of(d), {"bad-device.json", "/efficiency/promotion_exposed", "1.5", "must be in 0..1"});
}

TEST_F(DeviceFiles, EfficiencyOfOneAndZeroOverheadsAreAllowed) {
  auto d = h800();
  d["efficiency"]["l2_efficiency"] = 1;
  d["efficiency"]["launch_overhead_us"] = 0;
  d["efficiency"]["promotion_exposed"] = 0;
  d["efficiency"]["tile_overhead_cycles"] = 0;
  d["efficiency"].erase("fitted_on");
  EXPECT_EQ(error_of(d), "");
}

TEST_F(DeviceFiles, SharedMemoryPerBlockAbovePerSmIsAnError) {
  auto d = h800();
  d["sm"]["shared_memory_per_block_bytes"] = 233473;
  expect_names(error_of(d), {"bad-device.json", "/sm/shared_memory_per_block_bytes", "233473",
                             "larger than shared_memory_bytes (233472)"});
}

TEST_F(DeviceFiles, WrongSchemaIsAnError) {
  auto d = h800();
  d["schema"] = "codesim.device/2";
  expect_names(error_of(d), {"bad-device.json", "/schema", "codesim.device/2", "codesim.device/1"});
}

TEST_F(DeviceFiles, MalformedJsonIsAnError) {
  const auto file = write("broken.json", "{\n  \"schema\": \"codesim.device/1\",\n  \"name\": \"h800\",,\n}\n");
  try {
    (void)load_device(file.string());
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_names(e.what(), {"broken.json", ":3:", "malformed JSON"});
  }
}

TEST_F(DeviceFiles, MissingFileIsAnError) {
  try {
    (void)load_device((dir_ / "absent.json").string());
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_names(e.what(), {"absent.json", "cannot open"});
  }
}

TEST_F(DeviceFiles, UnknownDeviceNameListsTheKnownOnes) {
  try {
    (void)load_device("h900");
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_names(e.what(), {"unknown device 'h900'", device_folder().string(), "h100-sxm, h200, h800"});
  }
}

/// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_F(DeviceFiles, EnvironmentVariableOverridesTheFolder) {
  const auto shipped = device_folder();
  auto d = h800();
  d["name"] = "test-gpu";
  d["sm"]["count"] = 7;
  write("test-gpu.json", d.dump(2));
  {
    ScopedEnv env("CODESIM_DEVICE_DATA", dir_.string());
    EXPECT_EQ(device_folder(), dir_);
    EXPECT_EQ(device_names(), std::vector<std::string>{"test-gpu"});
    EXPECT_EQ(load_device("test-gpu").sms, 7);
    try {
      (void)load_device("h800");
      FAIL() << "h800 should not be found in " << dir_;
    } catch (const io::DataFileError& e) {
      expect_names(e.what(), {"unknown device 'h800'", "known: test-gpu"});
    }
  }
  EXPECT_EQ(device_folder(), shipped);
  EXPECT_EQ(load_device("h800").sms, 132);
}

TEST_F(DeviceFiles, CatalogueFileMustCarryItsOwnName) {
  auto d = h800();
  d["name"] = "h100-sxm";
  write("renamed.json", d.dump(2));
  ScopedEnv env("CODESIM_DEVICE_DATA", dir_.string());
  try {
    (void)load_device("renamed");
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_names(e.what(), {"renamed.json", "/name", "\"h100-sxm\"", "must equal the file name 'renamed'"});
  }
}

}  // namespace
}  // namespace codesim::hw
