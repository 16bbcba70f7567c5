#pragma once
// The result schema's name and header fields, in one place for its producers (the GPU programs
// through result_json.hpp, `codesim gemm | run | compare --json`) and its consumer (`codesim
// validate --reference`). docs/result-schema.md describes the whole file. Header-only and
// standard C++ only: reference_gpu builds on GPU machines that have just the CUDA toolkit.
#include <string>
#include <string_view>

namespace codesim::result_schema {

/// The value of the schema field. A change that breaks readers gets a new number.
inline constexpr std::string_view kName = "codesim.result/1";

// Header fields, written first and in this order.
inline constexpr std::string_view kSchemaField = "schema";
inline constexpr std::string_view kSourceField = "source";
/// The GPU: a device file's name in predictions, the CUDA runtime's name in measurements.
inline constexpr std::string_view kDeviceField = "device";
/// Measured files hold their results in this array; predictions put theirs at the top level
/// (`codesim gemm`) or under "runs" (`codesim run | compare`).
inline constexpr std::string_view kResultsField = "results";

// Values of the source field: who produced the file.
inline constexpr std::string_view kEmulatorSource = "codesim";
inline constexpr std::string_view kReferenceGpuSource = "reference_gpu";

/// Writes the schema and source fields into `doc`: any JSON object type whose operator[] takes
/// a std::string and keeps insertion order (nlohmann::ordered_json, reference::Json), so that
/// they come first.
template <class JsonObject>
void write_header(JsonObject& doc, std::string_view source) {
  doc[std::string(kSchemaField)] = std::string(kName);
  doc[std::string(kSourceField)] = std::string(source);
}

/// Whether a file's schema field names this schema.
[[nodiscard]] inline bool is_result_schema(std::string_view schema) { return schema == kName; }

}  // namespace codesim::result_schema
