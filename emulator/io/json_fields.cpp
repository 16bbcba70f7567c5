#include "emulator/io/json_fields.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace codesim::io {

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw DataFileError(file.string() + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the offset of the error; report it as line:column for the reader.
    const std::string s = text.str();
    const auto upto = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, s.size());
    long line = 1;
    long column = 1;
    for (std::size_t i = 0; i < upto; ++i) {
      if (s[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw DataFileError(file.string() + ":" + std::to_string(line) + ":" + std::to_string(column) +
                        ": malformed JSON: " + e.what());
  }
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {
  if (!value.is_object())
    fail_at(file_, path_.empty() ? "/" : path_, value.dump(), "must be a JSON object");
}

std::string JsonObjectReader::field_path(std::string_view key) const { return path_ + "/" + std::string(key); }

std::string JsonObjectReader::value_text(std::string_view key) const {
  const auto it = value_->find(key);
  return it == value_->end() ? "(missing)" : it->dump();
}

void JsonObjectReader::fail(std::string_view key, std::string_view why) const {
  fail_at(file_, field_path(key), value_text(key), why);
}

void JsonObjectReader::fail_at(const std::string& file, const std::string& field_path, std::string_view value,
                               std::string_view why) {
  throw DataFileError(file + ": field " + field_path + " = " + std::string(value) + ": " + std::string(why));
}

bool JsonObjectReader::has(std::string_view key) const { return value_->contains(key); }

const nlohmann::json& JsonObjectReader::require(std::string_view key) {
  const auto it = value_->find(key);
  if (it == value_->end()) fail(key, "required field is missing");
  used_.emplace(key);
  return *it;
}

std::int64_t JsonObjectReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  const auto& v = require(key);
  if (!v.is_number_integer()) fail(key, "must be a whole number");
  // Unsigned JSON integers above INT64_MAX read back negative; compare as unsigned first.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  const auto x = v.get<std::int64_t>();
  if (x < lo || x > hi) fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

std::optional<std::int64_t> JsonObjectReader::optional_integer(std::string_view key, std::int64_t lo,
                                                               std::int64_t hi) {
  if (!has(key)) return std::nullopt;
  return integer(key, lo, hi);
}

double JsonObjectReader::number(std::string_view key, double lo, double hi) {
  const auto& v = require(key);
  if (!v.is_number()) fail(key, "must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    std::ostringstream range;
    range << "must be in " << lo << ".." << hi;
    fail(key, range.str());
  }
  return x;
}

std::optional<double> JsonObjectReader::optional_number(std::string_view key, double lo, double hi) {
  if (!has(key)) return std::nullopt;
  return number(key, lo, hi);
}

std::string JsonObjectReader::string(std::string_view key) {
  const auto& v = require(key);
  if (!v.is_string()) fail(key, "must be a string");
  return v.get<std::string>();
}

std::optional<std::string> JsonObjectReader::optional_string(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return string(key);
}

std::string JsonObjectReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string s = string(key);
  std::string list;
  for (const auto a : allowed) {
    if (s == a) return s;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  fail(key, "must be one of: " + list);
}

bool JsonObjectReader::boolean(std::string_view key) {
  const auto& v = require(key);
  if (!v.is_boolean()) fail(key, "must be true or false");
  return v.get<bool>();
}

JsonObjectReader JsonObjectReader::object(std::string_view key) {
  const auto& v = require(key);
  return JsonObjectReader(v, file_, field_path(key));
}

std::vector<double> JsonObjectReader::number_array(std::string_view key, std::size_t count, double lo, double hi) {
  const auto& v = require(key);
  if (!v.is_array() || v.size() != count) fail(key, "must be an array of " + std::to_string(count) + " numbers");
  std::vector<double> out;
  for (const auto& x : v) {
    if (!x.is_number()) fail(key, "must be an array of " + std::to_string(count) + " numbers");
    const double d = x.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) {
      std::ostringstream range;
      range << "every number must be in " << lo << ".." << hi;
      fail(key, range.str());
    }
    out.push_back(d);
  }
  return out;
}

std::vector<JsonObjectReader> JsonObjectReader::object_array(std::string_view key, std::size_t min_size) {
  const auto& v = require(key);
  if (!v.is_array() || v.size() < min_size)
    fail(key, "must be an array of at least " + std::to_string(min_size) + " objects");
  std::vector<JsonObjectReader> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.emplace_back(v[i], file_, field_path(key) + "/" + std::to_string(i));
  return out;
}

void JsonObjectReader::finish() const {
  for (const auto& [k, v] : value_->items())
    if (!used_.contains(k)) fail_at(file_, field_path(k), v.dump(), "unknown field");
}

}  // namespace codesim::io
