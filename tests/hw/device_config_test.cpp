// Device files: the shipped devices load and give the published peaks; every bad file is an
// io::DataFileError naming the file, the JSON field path and the offending value.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>

#include "tests/support/scoped_env.hpp"
#include "emulator/hw/calibration_parameters.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"
#include "tests/support/temp_folder.hpp"

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
  EXPECT_DOUBLE_EQ(a.nvlink_gbps, 200.0);
  EXPECT_DOUBLE_EQ(b.nvlink_gbps, 450.0);
  EXPECT_NE(device_fingerprint(a), device_fingerprint(b));
  // With the H800's name and NVLink, the H100 is the H800 in every value that affects timing,
  // its calibration included (inherited: same die, clocks and power limit).
  b.name = a.name;
  b.nvlink_gbps = a.nvlink_gbps;
  EXPECT_EQ(device_fingerprint(b), device_fingerprint(a));
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

TEST(ShippedDevices, EveryCalibrationParameterHasAUnitARangeAndASource) {
  for (const auto& n : device_names()) {
    const auto d = load_device(n);
    // The file as written, parsed without the device loader: what the loaded device must hold.
    const auto file = nlohmann::json::parse(std::ifstream(d.file));
    ASSERT_EQ(d.calibration.parameters.size(), calibration_parameter_decls().size()) << n;
    for (const auto& decl : calibration_parameter_decls()) {
      const auto& p = d.calibration.parameter(decl.name);
      const auto& written = file.at("calibration").at("parameters").at(std::string(decl.name));
      EXPECT_EQ(p.unit, written.at("unit").get<std::string>()) << n << " " << p.name;
      EXPECT_EQ(p.unit, decl.unit) << n << " " << p.name;
      EXPECT_EQ(p.lo, written.at("range").at(0).get<double>()) << n << " " << p.name;
      EXPECT_EQ(p.hi, written.at("range").at(1).get<double>()) << n << " " << p.name;
      EXPECT_GE(p.lo, decl.hard_lo) << n << " " << p.name;
      EXPECT_LE(p.hi, decl.hard_hi) << n << " " << p.name;
      EXPECT_LT(p.lo, p.hi) << n << " " << p.name << ": a fitted or documented range, not a point";
      EXPECT_GE(p.value, p.lo) << n << " " << p.name;
      EXPECT_LE(p.value, p.hi) << n << " " << p.name;
      EXPECT_GT(p.source.size(), 40U) << n << " " << p.name << ": the source must say where the range comes from";
      // Both the parameter's value and the values the model runs with must be the file's
      // literal (comparing one with the other would pass whatever the loader read).
      const double literal = written.at("value").get<double>();
      EXPECT_EQ(p.value, literal) << n << " " << p.name;
      EXPECT_EQ(get(d.calibration.values, p.name), literal) << n << " " << p.name;
    }
    EXPECT_FALSE(d.calibration.fitted_on.empty()) << n;
  }
}

TEST(ShippedDevices, TheModelRunsAtTheCalibratedClockNotTheNominalOne) {
  const auto d = load_device("h800");
  EXPECT_DOUBLE_EQ(d.clock_mhz, 1830.0);  // where the datasheet peaks are quoted
  EXPECT_NE(d.calibration.values.sm_clock_mhz, d.clock_mhz);
  const auto& clock = d.calibration.parameter("sm_clock_mhz");
  EXPECT_LE(clock.lo, 1600.0);  // the throttled clock DeepSeek observed must lie in the range
  EXPECT_GE(clock.hi, 1830.0);
}

class DeviceFiles : public ::testing::Test {
 protected:
  static nlohmann::json h800() { return io::read_json_file(device_folder() / "h800.json"); }
  fs::path write(const std::string& name, const std::string& text) const {
    const auto p = dir_.file(name);
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
  codesim::testing::TempFolder dir_{"codesim-device-files"};
};

TEST_F(DeviceFiles, ACopyOfH800LoadsByPath) {
  EXPECT_EQ(error_of(h800()), "");
  const auto d = load_device(dir_.file("bad-device.json").string());
  EXPECT_EQ(d.name, "h800");
  EXPECT_EQ(d.file, dir_.file("bad-device.json"));
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
  d["l2"]["latency_ns"] = true;
  expect_names(error_of(d), {"bad-device.json", "/l2/latency_ns", "true", "must be a number"});
  d = h800();
  d["sm"]["count"] = 132.5;
  expect_names(error_of(d), {"bad-device.json", "/sm/count", "132.5", "whole number"});
}

TEST_F(DeviceFiles, NegativeBandwidthIsAnError) {
  auto d = h800();
  d["hbm"]["bandwidth_gbps"] = -3350;
  expect_names(error_of(d), {"bad-device.json", "/hbm/bandwidth_gbps", "-3350", "must be in [10, 1e+06] GB/s"});
  d = h800();
  d["network"]["nvlink_gbps_per_direction"] = 0;
  expect_names(error_of(d), {"bad-device.json", "/network/nvlink_gbps_per_direction", "= 0", "must be in [1, 100000]"});
}

// Positive but below the physical floor: a device this slow would cost host memory and time in
// the model (its calendars and queues scale with simulated time), so the loader refuses it.
TEST_F(DeviceFiles, ValuesBelowThePhysicalFloorAreErrors) {
  auto d = h800();
  d["hbm"]["bandwidth_gbps"] = 1e-6;
  expect_names(error_of(d), {"bad-device.json", "/hbm/bandwidth_gbps", "1e-06", "must be in [10,"});
  d = h800();
  d["sm"]["tensor_fp8_flops_per_clk"] = 1e-300;
  expect_names(error_of(d), {"bad-device.json", "/sm/tensor_fp8_flops_per_clk", "1e-300", "must be in [1,"});
  d = h800();
  d["l2"]["latency_ns"] = 0.5;
  expect_names(error_of(d), {"bad-device.json", "/l2/latency_ns", "0.5", "must be in [1,"});
}

TEST_F(DeviceFiles, OutOfRangeCountIsAnError) {
  auto d = h800();
  d["sm"]["count"] = 0;
  expect_names(error_of(d), {"bad-device.json", "/sm/count", "= 0", "1..1024"});
  d = h800();
  d["sm"]["clock_mhz"] = 20000;
  expect_names(error_of(d), {"bad-device.json", "/sm/clock_mhz", "20000", "must be in"});
}

TEST_F(DeviceFiles, CalibrationValueOutsideItsRangeIsAnError) {
  auto d = h800();
  d["calibration"]["parameters"]["sm_clock_mhz"]["value"] = 2500;
  expect_names(error_of(d), {"bad-device.json", "/calibration/parameters/sm_clock_mhz/value", "2500", "must be in 1400..1980"});
  d = h800();
  d["calibration"]["parameters"]["promotion_hidden_fraction"]["value"] = 0.2;
  expect_names(error_of(d),
               {"bad-device.json", "/calibration/parameters/promotion_hidden_fraction/value", "0.2", "must be in 0.45..1"});
}

TEST_F(DeviceFiles, CalibrationRangeOutsidePhysicsOrInvertedIsAnError) {
  auto d = h800();
  d["calibration"]["parameters"]["promotion_hidden_fraction"]["range"] = {0.0, 1.5};
  expect_names(error_of(d), {"bad-device.json", "/calibration/parameters/promotion_hidden_fraction/range", "1.5",
                             "every number must be in 0..1"});
  d = h800();
  d["calibration"]["parameters"]["kernel_fixed_us"]["range"] = {5.0, 1.0};
  expect_names(error_of(d), {"/calibration/parameters/kernel_fixed_us/range", "[5.0,1.0]", "low end is above the high end"});
  d = h800();
  d["calibration"]["parameters"]["kernel_fixed_us"]["range"] = {1.0};
  expect_names(error_of(d), {"/calibration/parameters/kernel_fixed_us/range", "an array of 2 numbers"});
}

TEST_F(DeviceFiles, CalibrationUnitSourceAndNamesAreChecked) {
  auto d = h800();
  d["calibration"]["parameters"]["sm_clock_mhz"]["unit"] = "GHz";
  expect_names(error_of(d), {"/calibration/parameters/sm_clock_mhz/unit", "\"GHz\"", "must be one of: MHz"});
  d = h800();
  d["calibration"]["parameters"]["tile_sync_cycles"]["source"] = "";
  expect_names(error_of(d), {"/calibration/parameters/tile_sync_cycles/source", "say where the range comes from"});
  d = h800();
  d["calibration"]["parameters"]["tensor_efficiency"] = d["calibration"]["parameters"]["hbm_read_efficiency"];
  expect_names(error_of(d), {"/calibration/parameters/tensor_efficiency", "unknown field"});
  d = h800();
  d["calibration"]["parameters"].erase("l2_bandwidth_gbps");
  expect_names(error_of(d), {"/calibration/parameters/l2_bandwidth_gbps", "(missing)", "required"});
  d = h800();
  d["calibration"]["parameters"]["hbm_write_efficiency"]["fitted"] = "yes";
  expect_names(error_of(d), {"/calibration/parameters/hbm_write_efficiency/fitted", "must be true or false"});
}

TEST_F(DeviceFiles, ConsistentSetMembersAreChecked) {
  auto d = h800();
  ASSERT_TRUE(d["calibration"].contains("consistent_set")) << "h800.json ships its consistent set";
  auto& members = d["calibration"]["consistent_set"]["members"];
  ASSERT_GE(members.size(), 2U);
  EXPECT_EQ(error_of(d), "");
  // The first member is the best fit: it must equal the values the model runs with.
  auto changed = d;
  changed["calibration"]["parameters"]["tile_sync_cycles"]["value"] = 0;
  expect_names(error_of(changed), {"/calibration/consistent_set/members/0/values/tile_sync_cycles",
                                   "re-run codesim calibrate"});
  // Every member stays inside the ranges.
  auto outside = d;
  outside["calibration"]["consistent_set"]["members"][1]["values"]["sm_clock_mhz"] = 3000;
  expect_names(error_of(outside), {"/calibration/consistent_set/members/1/values/sm_clock_mhz", "3000", "must be in"});
  // A parameter that is not fitted has one value in every member.
  auto fixed = d;
  fixed["calibration"]["parameters"]["kernel_fixed_us"]["fitted"] = false;
  const double v = fixed["calibration"]["parameters"]["kernel_fixed_us"]["value"].get<double>();
  const double other = v == 1.0 ? 1.5 : 1.0;
  fixed["calibration"]["consistent_set"]["members"][1]["values"]["kernel_fixed_us"] = other;
  expect_names(error_of(fixed), {"/calibration/consistent_set/members/1/values/kernel_fixed_us", "is not fitted"});
  // Without a consistent set the device still loads (its predictions then have no band).
  auto without = d;
  without["calibration"].erase("consistent_set");
  EXPECT_EQ(error_of(without), "");
}

TEST_F(DeviceFiles, SharedMemoryPerBlockAbovePerSmIsAnError) {
  auto d = h800();
  d["sm"]["shared_memory_per_block_bytes"] = 233473;
  expect_names(error_of(d), {"bad-device.json", "/sm/shared_memory_per_block_bytes", "233473",
                             "larger than shared_memory_bytes (233472)"});
}

TEST_F(DeviceFiles, WrongSchemaIsAnError) {
  auto d = h800();
  d["schema"] = "codesim.device/3";
  expect_names(error_of(d), {"bad-device.json", "/schema", "codesim.device/3", "codesim.device/2"});
  d["schema"] = "codesim.device/1";
  expect_names(error_of(d), {"bad-device.json", "/schema", "\"efficiency\" section", "replaced it by \"calibration\""});
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
    (void)load_device(dir_.file("absent.json").string());
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

using codesim::testing::ScopedEnv;

TEST_F(DeviceFiles, EnvironmentVariableOverridesTheFolder) {
  const auto shipped = device_folder();
  auto d = h800();
  d["name"] = "test-gpu";
  d["sm"]["count"] = 7;
  write("test-gpu.json", d.dump(2));
  {
    ScopedEnv env("CODESIM_DEVICE_DATA", dir_.path().string());
    EXPECT_EQ(device_folder(), dir_.path());
    EXPECT_EQ(device_names(), std::vector<std::string>{"test-gpu"});
    EXPECT_EQ(load_device("test-gpu").sms, 7);
    try {
      (void)load_device("h800");
      FAIL() << "h800 should not be found in " << dir_.path();
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
  ScopedEnv env("CODESIM_DEVICE_DATA", dir_.path().string());
  try {
    (void)load_device("renamed");
    FAIL() << "no error";
  } catch (const io::DataFileError& e) {
    expect_names(e.what(), {"renamed.json", "/name", "\"h100-sxm\"", "must equal the file name 'renamed'"});
  }
}

}  // namespace
}  // namespace codesim::hw
