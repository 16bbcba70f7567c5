#include "emulator/reference/result_file.hpp"

#include <numeric>

#include "emulator/io/json_fields.hpp"
#include "reference_gpu/common/result_schema.hpp"

namespace codesim::emulator_reference {
namespace {

namespace wl = codesim::workloads;
using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& field, const std::string& what) {
  throw io::DataFileError(file.string() + ": " + field + ": " + what);
}

/// A value as written, quoted, at most io::kMaxQuotedChars of it (a field may be megabytes).
std::string quoted(const json& v) { return "'" + io::bounded_quote(v.dump()) + "'"; }

/// The string `key` of `object`, `fallback` when it is absent. Any other type is the data-file
/// error naming the field (nlohmann's value() would throw its own type_error, exit status 1).
std::string text_field(const json& object, const std::string& key, const std::string& fallback,
                       const std::filesystem::path& file, const std::string& field) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_string()) fail(file, field, quoted(*it) + " is not a string");
  return it->get<std::string>();
}

/// The largest size of one dimension (rows, columns, K, tokens, hidden) and the most groups a
/// result may give: the published tables' limits (sim::read_published_*), far beyond any GPU
/// benchmark's shape, and small enough that sums and products of them (2 x intermediate, the
/// tokens of all groups) stay far from overflowing.
constexpr std::int64_t kMaxDimension = std::int64_t{1} << 24;
constexpr std::size_t kMaxGroups = 4096;

std::int64_t positive(const json& shape, const char* key, const std::filesystem::path& file, const std::string& where) {
  const auto it = shape.find(key);
  if (it == shape.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1 ||
      it->get<std::int64_t>() > kMaxDimension)
    fail(file, where + ".shape." + key,
         it == shape.end() ? "missing"
                           : quoted(*it) + " is not a positive integer up to " + std::to_string(kMaxDimension));
  return it->get<std::int64_t>();
}

std::vector<std::int64_t> rows_list(const json& shape, const std::filesystem::path& file, const std::string& where) {
  const auto it = shape.find("ms");
  if (it == shape.end() || !it->is_array() || it->empty()) fail(file, where + ".shape.ms", "missing or empty");
  if (it->size() > kMaxGroups)
    fail(file, where + ".shape.ms", std::to_string(it->size()) + " groups, more than " + std::to_string(kMaxGroups));
  std::vector<std::int64_t> ms;
  for (const auto& v : *it) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > kMaxDimension)
      fail(file, where + ".shape.ms",
           quoted(v) + " is not a non-negative integer up to " + std::to_string(kMaxDimension));
    ms.push_back(v.get<std::int64_t>());
  }
  return ms;
}

wl::Operator elementwise(wl::OperatorKind kind, const std::string& name, std::int64_t rows, std::int64_t cols) {
  wl::Operator op;
  op.kind = kind;
  op.name = name;
  op.rows = rows;
  op.cols = cols;
  op.in_format = "bf16";
  op.out_format = "e4m3";
  return op;
}

wl::Operator gemm(const std::string& name, std::vector<std::int64_t> ms, std::int64_t n, std::int64_t k,
                  const std::string& layout) {
  wl::Operator op;
  op.kind = layout == "dense" ? wl::OperatorKind::kGemm : wl::OperatorKind::kGroupedGemm;
  op.name = name;
  op.m = std::move(ms);
  op.n = n;
  op.k = {k};
  op.layout = layout;
  op.a_scaling = "1x128";
  op.b_scaling = "128x128";
  op.in_format = "e4m3";
  op.out_format = "bf16";
  return op;
}

std::string join(const std::vector<std::int64_t>& v) {
  if (v.size() > 4) {
    const auto total = std::accumulate(v.begin(), v.end(), std::int64_t{0});
    return std::to_string(v.size()) + " groups, " + std::to_string(total) + " rows";
  }
  std::string s;
  for (const auto x : v) {
    if (!s.empty()) s += ';';
    s += std::to_string(x);
  }
  return s;
}

/// The operators a measured result ran, as the timing model lowers them, and the shape in
/// words; an empty list means the model does not predict this operator.
std::vector<wl::Operator> operators_of(const json& r, const std::filesystem::path& file, const std::string& where,
                                       std::string& shape_text, std::string& skip_reason) {
  const std::string op = text_field(r, "operator", "", file, where + ".operator");
  const auto shape_it = r.find("shape");
  if (shape_it != r.end() && !shape_it->is_object()) fail(file, where + ".shape", quoted(*shape_it) + " is not an object");
  const json& shape = shape_it != r.end() ? *shape_it : json::object();
  if (op == "fp8_gemm") {
    const auto m = positive(shape, "m", file, where), n = positive(shape, "n", file, where),
               k = positive(shape, "k", file, where);
    shape_text = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
    return {gemm(op, {m}, n, k, "dense")};
  }
  if (op == "fp8_gemm_grouped") {
    const auto ms = rows_list(shape, file, where);
    const auto n = positive(shape, "n", file, where), k = positive(shape, "k", file, where);
    const std::string layout = text_field(shape, "layout", "", file, where + ".shape.layout");
    if (layout != "contiguous" && layout != "masked")
      fail(file, where + ".shape.layout", "'" + io::bounded_quote(layout) + "' is not contiguous or masked");
    shape_text = layout + " " + join(ms) + " x" + std::to_string(n) + "x" + std::to_string(k);
    return {gemm(op, ms, n, k, layout)};
  }
  if (op == "quantize_1x128" || op == "swiglu_quantize") {
    const auto t = positive(shape, "tokens", file, where);
    const auto c = positive(shape, op == "quantize_1x128" ? "hidden" : "intermediate", file, where);
    shape_text = std::to_string(t) + "x" + std::to_string(c);
    return {elementwise(op == "quantize_1x128" ? wl::OperatorKind::kQuantize : wl::OperatorKind::kSwigluQuantize, op,
                        t, c)};
  }
  if (op == "moe_expert") {
    const auto ms = rows_list(shape, file, where);
    const auto h = positive(shape, "hidden", file, where), i = positive(shape, "intermediate", file, where);
    const auto tokens = std::accumulate(ms.begin(), ms.end(), std::int64_t{0});
    shape_text = text_field(shape, "name", "moe", file, where + ".shape.name") + " (" + join(ms) + ")";
    // As the benchmark runs it: the received tokens quantised, then the grouped GEMMs back to back.
    return {elementwise(wl::OperatorKind::kQuantize, "quantize", tokens, h), gemm("gate_up", ms, 2 * i, h, "contiguous"),
            elementwise(wl::OperatorKind::kSwigluQuantize, "swiglu_quantize", tokens, i),
            gemm("down", ms, h, i, "contiguous")};
  }
  skip_reason = op == "copy_d2d" ? "a bandwidth reference, not an emulator operator"
                                 : "not a timed operator the model predicts";
  return {};
}

}  // namespace

std::string schema_of(const json& doc) {
  const auto it = doc.find(std::string(result_schema::kSchemaField));
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ResultFile parse_result_file(const json& doc, const std::filesystem::path& file) {
  ResultFile out;
  const std::string schema = schema_of(doc);
  if (!result_schema::is_result_schema(schema))
    fail(file, std::string(result_schema::kSchemaField),
         "'" + io::bounded_quote(schema) + "' is not " + std::string(result_schema::kName));
  const std::string results_field(result_schema::kResultsField);
  const auto results = doc.find(results_field);
  if (results == doc.end() || !results->is_array()) fail(file, results_field, "missing or not an array");
  out.device =
      text_field(doc, std::string(result_schema::kDeviceField), "", file, std::string(result_schema::kDeviceField));
  if (const auto info = doc.find("device_info"); info != doc.end()) {
    if (!info->is_object()) fail(file, "device_info", quoted(*info) + " is not an object");
    const auto sms = info->find("sm_count");
    if (sms != info->end() && !sms->is_number_integer())
      fail(file, "device_info.sm_count", quoted(*sms) + " is not a whole number");
    if (sms != info->end()) out.sm_count = sms->get<std::int64_t>();
  }
  for (std::size_t i = 0; i < results->size(); ++i) {
    const json& r = (*results)[i];
    const std::string where = "results[" + std::to_string(i) + "]";
    if (!r.is_object()) fail(file, where, quoted(r) + " is not an object");
    MeasuredResult m;
    m.op = text_field(r, "operator", "", file, where + ".operator");
    if (m.op.empty()) fail(file, where + ".operator", "missing");
    const std::string status = text_field(r, "status", "ok", file, where + ".status");
    if (status != "ok") {
      m.skip_reason = "status " + io::bounded_quote(status);
      out.results.push_back(std::move(m));
      continue;
    }
    m.operators = operators_of(r, file, where, m.shape_text, m.skip_reason);
    if (!m.operators.empty()) {
      const auto t = r.find("time_us");
      if (t == r.end() || !t->is_number() || !(t->get<double>() > 0))
        fail(file, where + ".time_us", t == r.end() ? "missing" : quoted(*t) + " is not a positive number");
      m.measured_us = t->get<double>();
    }
    out.results.push_back(std::move(m));
  }
  return out;
}

}  // namespace codesim::emulator_reference
