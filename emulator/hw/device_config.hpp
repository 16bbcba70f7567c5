#pragma once
// A GPU as data: the rates, sizes and latencies the timing model needs, loaded from a device
// file (data/devices/<name>.json) and validated on load. The calibration parameters are the
// only values fitted to measurements: a few named physical quantities, each with its unit,
// range and source (calibration_parameters.hpp), never a per-shape correction.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/hw/calibration_parameters.hpp"

namespace codesim::hw {

struct DeviceConfig {
  std::string name;         ///< e.g. "h800"
  std::string description;  ///< one line
  std::string source;       ///< where the numbers come from
  std::filesystem::path file;

  int sms = 0;                            ///< streaming multiprocessors
  double clock_mhz = 0.0;                 ///< nominal SM clock the datasheet peaks are quoted at
                                          ///< (the model runs at calibration.values.sm_clock_mhz)
  double tensor_fp8_flops_per_clk = 0.0;  ///< dense FP8 MMA FLOP per clock per SM
  double tensor_bf16_flops_per_clk = 0.0; ///< dense BF16 MMA FLOP per clock per SM
  double cuda_core_fp32_lanes = 0.0;      ///< FP32 FMA lanes per SM (one FMA per lane per clock)
  int shared_memory_per_sm = 0;           ///< bytes
  int shared_memory_per_block = 0;        ///< bytes, opt-in maximum for one CTA
  double shared_memory_bytes_per_clk = 0.0;  ///< shared-memory read bandwidth per SM (MMA operands)
  double l2_bytes = 0.0;
  double l2_latency_ns = 0.0;
  double hbm_bytes = 0.0;
  double hbm_bandwidth_gbps = 0.0;        ///< peak
  double hbm_latency_ns = 0.0;
  double nvlink_gbps = 0.0;               ///< per direction
  double nic_gbps = 0.0;                  ///< per NIC, per direction
  int nics = 0;                           ///< NICs per GPU
  Calibration calibration;

  [[nodiscard]] double clock_hz() const { return clock_mhz * 1e6; }
  /// This device with other calibration values (a member of the consistent set, a fit's trial).
  [[nodiscard]] DeviceConfig with_calibration(const CalibrationValues& values) const;
};

/// A 64-bit fingerprint of every value of the device that affects timing, so that results of
/// identical kernels on identical devices can be reused.
[[nodiscard]] std::uint64_t device_fingerprint(const DeviceConfig& d);

/// Loads a device by name (a file in the device folder) or by path (anything containing '/'
/// or ending in ".json"). Throws io::DataFileError naming the file, field and value.
[[nodiscard]] DeviceConfig load_device(const std::string& name_or_path);

/// Parses and validates one device file. Every number has a physical range (device_config.cpp:
/// e.g. HBM bandwidth 10 GB/s to 1e6 GB/s, tensor rates at least 1 FLOP per clock per SM); a
/// value outside it is a DataFileError naming the file, the field, the value and the range.
[[nodiscard]] DeviceConfig load_device_file(const std::filesystem::path& file);
/// The same for the file's text, already read (`file` names it in messages): what the fuzz
/// target of device files (fuzz/) feeds.
[[nodiscard]] DeviceConfig load_device_text(const std::string& text, const std::filesystem::path& file);

/// The device folder: $CODESIM_DEVICE_DATA if set, else the build's default (data/devices).
[[nodiscard]] std::filesystem::path device_folder();

/// Names of the devices in the device folder, sorted.
[[nodiscard]] std::vector<std::string> device_names();

}  // namespace codesim::hw
