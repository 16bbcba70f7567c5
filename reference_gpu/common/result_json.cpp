#include "reference_gpu/common/result_json.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "reference_gpu/common/atomic_write.hpp"
#include "reference_gpu/common/result_schema.hpp"

namespace codesim::reference {
namespace {

void escape_into(std::string& out, const std::string& s) {
  out += '"';
  for (const char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

std::string format_double(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);  // 17 significant digits read back exactly
  std::string s = buf;
  // Keep integral doubles recognisable as numbers with a fraction for readers that care.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Json& Json::operator[](const std::string& key) {
  if (std::holds_alternative<std::nullptr_t>(value_)) value_ = Object{};
  auto* obj = std::get_if<Object>(&value_);
  if (obj == nullptr) throw std::logic_error("Json: member '" + key + "' of a value that is not an object");
  for (auto& [k, v] : *obj)
    if (k == key) return v;
  obj->emplace_back(key, Json());
  return obj->back().second;
}

void Json::push_back(Json v) {
  if (std::holds_alternative<std::nullptr_t>(value_)) value_ = Array{};
  auto* arr = std::get_if<Array>(&value_);
  if (arr == nullptr) throw std::logic_error("Json: push_back on a value that is not an array");
  arr->push_back(std::move(v));
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

void Json::dump_to(std::string& out, int indent, int depth) const {
  if (std::holds_alternative<std::nullptr_t>(value_)) {
    out += "null";
  } else if (const auto* b = std::get_if<bool>(&value_)) {
    out += *b ? "true" : "false";
  } else if (const auto* i = std::get_if<std::int64_t>(&value_)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&value_)) {
    out += format_double(*d);
  } else if (const auto* s = std::get_if<std::string>(&value_)) {
    escape_into(out, *s);
  } else if (const auto* a = std::get_if<Array>(&value_)) {
    out += '[';
    for (std::size_t n = 0; n < a->size(); ++n) {
      if (n > 0) out += ',';
      newline(out, indent, depth + 1);
      (*a)[n].dump_to(out, indent, depth + 1);
    }
    if (!a->empty()) newline(out, indent, depth);
    out += ']';
  } else {
    const auto& o = std::get<Object>(value_);
    out += '{';
    for (std::size_t n = 0; n < o.size(); ++n) {
      if (n > 0) out += ',';
      newline(out, indent, depth + 1);
      escape_into(out, o[n].first);
      out += indent < 0 ? ":" : ": ";
      o[n].second.dump_to(out, indent, depth + 1);
    }
    if (!o.empty()) newline(out, indent, depth);
    out += '}';
  }
}

Json result_file(const std::string& program, const std::string& command, const DeviceInfo& device) {
  Json doc = Json::object();
  result_schema::write_header(doc, result_schema::kReferenceGpuSource);
  doc["program"] = program;
  doc["command"] = command;
  doc[std::string(result_schema::kDeviceField)] = device.name;
  Json& info = doc["device_info"];
  info["sm_count"] = device.sm_count;
  info["compute_capability"] = std::to_string(device.compute_major) + "." + std::to_string(device.compute_minor);
  info["sm_clock_mhz"] = device.sm_clock_mhz;
  info["memory_clock_mhz"] = device.memory_clock_mhz;
  info["memory_bus_bits"] = device.memory_bus_bits;
  info["l2_bytes"] = device.l2_bytes;
  info["memory_bytes"] = device.memory_bytes;
  info["shared_memory_per_sm"] = device.shared_memory_per_sm;
  Json& sw = doc["software"];
  sw["driver"] = device.driver_version;
  sw["cuda_runtime"] = device.runtime_version;
  if (!device.cublas_version.empty()) sw["cublas"] = device.cublas_version;
  doc[std::string(result_schema::kResultsField)] = Json::array();
  return doc;
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0) s += ' ';
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-_./=:,+").find(ch) != std::string_view::npos;
    });
    if (plain) {
      s += a;
      continue;
    }
    s += '\'';
    for (const char ch : a) s += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    s += '\'';
  }
  return s;
}

void write_result_file(const std::filesystem::path& file, const Json& doc) {
  write_file_atomically(file, doc.dump(2) + "\n");
}

std::string device_folder_name(const std::string& device_name) {
  std::string s;
  for (const char ch : device_name) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u)) s += static_cast<char>(std::tolower(u));
    else if (!s.empty() && s.back() != '-') s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? "unknown-device" : s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace codesim::reference
