#include "emulator/hw/device_config.hpp"

#include <limits>
#include <sstream>
#include <string_view>

#include "emulator/io/data_catalogue.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::hw {
namespace {

using io::JsonObjectReader;

constexpr std::string_view kDeviceSchema = "codesim.device/2";

/// data/devices, or $CODESIM_DEVICE_DATA.
const io::DataCatalogue& device_catalogue() {
  static const io::DataCatalogue catalogue{"device", "CODESIM_DEVICE_DATA", CODESIM_DEVICE_DATA_DEFAULT};
  return catalogue;
}

std::string number_text(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

/// A number in [lo, hi], the physical range of the field: a lower bound keeps a slow device
/// from costing host memory or time instead of simulated time (the model's calendars, queues and
/// loops scale with the simulated time), an upper one keeps a typo from passing.
double physical(JsonObjectReader& r, std::string_view key, double lo, double hi, std::string_view unit) {
  const double x = r.number(key, std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max());
  if (!(x >= lo && x <= hi))
    r.fail(key, "must be in [" + number_text(lo) + ", " + number_text(hi) + "] " + std::string(unit) +
                    " (the physical range the device loader accepts)");
  return x;
}

// Lower bounds, each far below any real GPU and far above a value that would stall the model:
// 1 FLOP per clock per SM (Hopper's FP8 tensor cores do 8192), 10 GB/s of memory bandwidth
// (one DDR4 channel does 25), 1 GB/s per link (one PCIe 3 lane does 1), 1 ns of latency.
constexpr double kMinFlopsPerClk = 1.0;
constexpr double kMinMemoryGbps = 10.0;
constexpr double kMinLinkGbps = 1.0;
constexpr double kMinLatencyNs = 1.0;

void read_sm(JsonObjectReader r, DeviceConfig& d) {
  d.sms = r.int_field("count", 1, 1024);
  d.clock_mhz = r.number("clock_mhz", 1.0, 10000.0);
  d.tensor_fp8_flops_per_clk = physical(r, "tensor_fp8_flops_per_clk", kMinFlopsPerClk, 1e6, "FLOP/clk");
  d.tensor_bf16_flops_per_clk = physical(r, "tensor_bf16_flops_per_clk", kMinFlopsPerClk, 1e6, "FLOP/clk");
  d.cuda_core_fp32_lanes = static_cast<double>(r.int_field("cuda_core_fp32_lanes", 1, 4096));
  d.shared_memory_per_sm = r.int_field("shared_memory_bytes", 1, 1 << 26);
  d.shared_memory_per_block = r.int_field("shared_memory_per_block_bytes", 1, 1 << 26);
  d.shared_memory_bytes_per_clk = r.number("shared_memory_bytes_per_clk", 1.0, 1e5);
  if (d.shared_memory_per_block > d.shared_memory_per_sm)
    r.fail("shared_memory_per_block_bytes",
           "larger than shared_memory_bytes (" + std::to_string(d.shared_memory_per_sm) + ")");
  r.finish();
}

void read_l2(JsonObjectReader r, DeviceConfig& d) {
  d.l2_bytes = static_cast<double>(r.integer("bytes", 1, std::int64_t{1} << 40));
  d.l2_latency_ns = physical(r, "latency_ns", kMinLatencyNs, 1e5, "ns");
  r.finish();
}

void read_hbm(JsonObjectReader r, DeviceConfig& d) {
  d.hbm_bytes = static_cast<double>(r.integer("bytes", 1, std::int64_t{1} << 50));
  d.hbm_bandwidth_gbps = physical(r, "bandwidth_gbps", kMinMemoryGbps, 1e6, "GB/s");
  d.hbm_latency_ns = physical(r, "latency_ns", kMinLatencyNs, 1e5, "ns");
  r.finish();
}

void read_network(JsonObjectReader r, DeviceConfig& d) {
  d.nvlink_gbps = physical(r, "nvlink_gbps_per_direction", kMinLinkGbps, 1e5, "GB/s");
  d.nic_gbps = physical(r, "nic_gbps", kMinLinkGbps, 1e5, "GB/s");
  d.nics = r.int_field("nics", 1, 64);
  r.finish();
}

DeviceConfig parse_device(const nlohmann::json& json, const std::filesystem::path& file) {
  JsonObjectReader r(json, file.string(), "");
  DeviceConfig d;
  d.file = file;
  if (r.has("schema") && r.value_text("schema") == "\"codesim.device/1\"")
    r.fail("schema", "codesim.device/1 files had an \"efficiency\" section; /2 replaced it by \"calibration\" "
                     "(named physical parameters with ranges and sources, docs/calibration.md): start from "
                     "data/devices/h800.json");
  (void)r.choice("schema", {kDeviceSchema});
  d.name = r.string("name");
  if (d.name.empty() || io::DataCatalogue::is_path(d.name))
    r.fail("name", "must be a non-empty device name without '/' or \".json\"");
  d.description = r.string("description");
  d.source = r.string("source");
  read_sm(r.object("sm"), d);
  read_l2(r.object("l2"), d);
  read_hbm(r.object("hbm"), d);
  read_network(r.object("network"), d);
  d.calibration = read_calibration(r.object("calibration"));
  r.finish();
  return d;
}

}  // namespace

DeviceConfig DeviceConfig::with_calibration(const CalibrationValues& values) const {
  DeviceConfig d = *this;
  d.calibration.values = values;
  return d;
}

std::uint64_t device_fingerprint(const DeviceConfig& d) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the bytes of every timing value
  auto mix = [&](const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h ^= static_cast<const unsigned char*>(p)[i];
      h *= 1099511628211ULL;
    }
  };
  auto num = [&](double x) { mix(&x, sizeof x); };
  mix(d.name.data(), d.name.size());
  num(d.sms);
  for (const double x : {d.clock_mhz, d.tensor_fp8_flops_per_clk, d.tensor_bf16_flops_per_clk, d.cuda_core_fp32_lanes,
                         static_cast<double>(d.shared_memory_per_sm), static_cast<double>(d.shared_memory_per_block),
                         d.shared_memory_bytes_per_clk, d.l2_bytes, d.l2_latency_ns, d.hbm_bytes,
                         d.hbm_bandwidth_gbps, d.hbm_latency_ns, d.nvlink_gbps, d.nic_gbps, static_cast<double>(d.nics)})
    num(x);
  for (const auto& p : calibration_parameter_decls()) num(d.calibration.values.*(p.field));
  return h;
}

std::filesystem::path device_folder() { return device_catalogue().folder(); }

std::vector<std::string> device_names() { return device_catalogue().names(); }

DeviceConfig load_device_file(const std::filesystem::path& file) {
  return parse_device(io::read_json_file(file), file);
}

DeviceConfig load_device_text(const std::string& text, const std::filesystem::path& file) {
  return parse_device(io::parse_json_text(text, file.string()), file);
}

DeviceConfig load_device(const std::string& name_or_path) {
  return device_catalogue().load(name_or_path, load_device_file);
}

}  // namespace codesim::hw
