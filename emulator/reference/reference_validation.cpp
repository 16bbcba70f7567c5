#include "emulator/reference/reference_validation.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "emulator/io/json_fields.hpp"
#include "emulator/reference/result_file.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "reference_gpu/common/result_schema.hpp"

namespace codesim::emulator_reference {
namespace {

using nlohmann::json;

/// The project's strict parse: malformed text, repeated keys, deep nesting and numbers beyond
/// a double are data-file errors naming the file and field.
json read_json(const std::filesystem::path& file) { return io::read_json_file(file); }

std::vector<std::filesystem::path> result_files(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw io::DataFileError(dir.string() + ": not a folder");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

double ReferenceValidation::mape_percent() const {
  if (rows.empty()) return 0;
  double s = 0;
  for (const auto& r : rows) s += std::fabs(r.error_percent());
  return s / static_cast<double>(rows.size());
}

double ReferenceValidation::max_abs_error_percent() const {
  double m = 0;
  for (const auto& r : rows) m = std::max(m, std::fabs(r.error_percent()));
  return m;
}

std::optional<std::string> device_for_gpu_name(const std::string& gpu_name) {
  if (gpu_name.find("H100") != std::string::npos) return "h100-sxm";
  if (gpu_name.find("H200") != std::string::npos) return "h200";
  if (gpu_name.find("H800") != std::string::npos) return "h800";
  return std::nullopt;
}

std::string measured_device_name(const std::filesystem::path& dir) {
  for (const auto& file : result_files(dir)) {
    const json doc = read_json(file);
    const auto device = doc.find(std::string(result_schema::kDeviceField));
    if (result_schema::is_result_schema(schema_of(doc)) && device != doc.end() && device->is_string())
      return device->get<std::string>();
  }
  throw io::DataFileError(dir.string() + ": no " + std::string(result_schema::kName) + " file with a device name");
}

ReferenceValidation validate_against_reference(const hw::DeviceConfig& device, const std::filesystem::path& dir) {
  ReferenceValidation v;
  sim::KernelResultCache cache;
  for (const auto& file : result_files(dir)) {
    const ResultFile parsed = parse_result_file(read_json(file), file);
    const std::string rel = std::filesystem::relative(file, dir).string();
    if (v.measured_device.empty()) v.measured_device = parsed.device;
    if (parsed.sm_count && *parsed.sm_count != device.sms)
      v.warnings.push_back(rel + ": measured on " + std::to_string(*parsed.sm_count) + " SMs, the device file " +
                           device.name + " has " + std::to_string(device.sms));
    for (const auto& r : parsed.results) {
      if (!r.skip_reason.empty()) {
        v.skipped.push_back({rel, r.op, r.skip_reason});
        continue;
      }
      const auto run = sim::simulate_expert_computation(device, r.operators, kernels::LoweringFeatures{}, nullptr, 0, &cache);
      v.rows.push_back({rel, r.op, r.shape_text, r.measured_us, run.total_us()});
    }
  }
  return v;
}

}  // namespace codesim::emulator_reference
