#pragma once
// Result files in the result schema (result_schema.hpp: its name and header fields), the schema
// `codesim gemm --json` uses for predictions. A reference_gpu program writes one file:
//
//   { "schema": <result_schema::kName>, "source": "reference_gpu", "program": ..., "command": ...,
//     "device": <name>, "device_info": {...}, "software": {...},
//     "results": [ { "operator": ..., "shape": {...}, "time_us": ..., "tflops": ..., "gbps": ...,
//                    "runs": ..., "time_us_min": ..., "time_us_max": ... }, ... ] }
//
// docs/result-schema.md lists every operator and its shape fields. A small writer of our own
// keeps the programs free of third-party libraries (the GPU machine has only the CUDA toolkit).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace codesim::reference {

/// A JSON value that keeps object keys in insertion order.
class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  Json(int v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned long long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(double v) : value_(v) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  static Json array() { Json j; j.value_ = Array{}; return j; }
  static Json object() { Json j; j.value_ = Object{}; return j; }

  /// Object member, created (as null) when absent; turns a null value into an object.
  Json& operator[](const std::string& key);
  /// Appends to an array; turns a null value into an array.
  void push_back(Json v);

  /// Compact when indent < 0; doubles are written with enough digits to read back exactly,
  /// and non-finite doubles as null (JSON has no NaN).
  [[nodiscard]] std::string dump(int indent = 2) const;

 private:
  void dump_to(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> value_;
};

/// What the GPU and its software are; filled by reference_gpu/cuda/device_query.cu.
struct DeviceInfo {
  std::string name;
  int sm_count = 0;
  int compute_major = 0, compute_minor = 0;
  int sm_clock_mhz = 0;      ///< cudaDevAttrClockRate (the boost clock the driver reports)
  int memory_clock_mhz = 0;
  int memory_bus_bits = 0;
  std::int64_t l2_bytes = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t shared_memory_per_sm = 0;
  std::string driver_version;   ///< CUDA driver API version, e.g. "13.0"
  std::string runtime_version;  ///< CUDA runtime, e.g. "13.0"
  std::string cublas_version;   ///< e.g. "13.0.0" (empty when the program does not use cuBLAS)
};

/// The file's header: schema, source, program, command, device, device_info, software, and an
/// empty results array.
Json result_file(const std::string& program, const std::string& command, const DeviceInfo& device);

/// The command line as one shell-quoted string, for the "command" field.
std::string command_line(int argc, char** argv);

/// Writes `doc` (pretty-printed) via a temporary file and rename.
void write_result_file(const std::filesystem::path& file, const Json& doc);

/// A file name for a device: lower case, spaces and odd characters to '-' ("NVIDIA H100 80GB
/// HBM3" -> "nvidia-h100-80gb-hbm3"), the folder name under reference_gpu/results/.
std::string device_folder_name(const std::string& device_name);

/// Median of a copy of `v` (mean of the middle two for even sizes); 0 for an empty vector.
double median(std::vector<double> v);

}  // namespace codesim::reference
