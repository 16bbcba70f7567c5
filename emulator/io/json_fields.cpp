#include "emulator/io/json_fields.hpp"

#include "emulator/io/input_file.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

namespace codesim::io {

std::string bounded_quote(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  // Back up over UTF-8 continuation bytes (10xxxxxx) so that the prefix stays valid text.
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string bounded_message(std::string_view message, std::size_t max) {
  if (message.size() <= max) return std::string(message);
  // 60 characters for the marker (at most 52 with a 20-digit count); the head and the tail
  // share the rest. Cuts fall between UTF-8 sequences: a kept part never starts or ends inside
  // one (continuation bytes have the top bits 10).
  const std::size_t keep = max > 60 ? (max - 60) / 2 : 0;
  std::size_t head = keep;
  while (head > 0 && (static_cast<unsigned char>(message[head]) & 0xC0U) == 0x80U) --head;
  std::size_t tail = message.size() - keep;
  while (tail < message.size() && (static_cast<unsigned char>(message[tail]) & 0xC0U) == 0x80U) ++tail;
  return std::string(message.substr(0, head)) + " ... (" + std::to_string(tail - head) + " characters left out) ... " +
         std::string(message.substr(tail));
}

namespace {

// Follows the parser through the document: one frame per open array or object, holding the
// key or index of the element being read and, for an object, the keys seen so far. It gives
// errors their field path, refuses repeated keys and stops nesting at kMaxJsonDepth before
// anything recursive (a message's dump, the destructor's walk) sees the value.
class JsonPathTracker {
 public:
  explicit JsonPathTracker(std::string source) : source_(std::move(source)) {}

  bool on_event(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (frames_.size() >= static_cast<std::size_t>(kMaxJsonDepth))
          throw DataFileError(source_ + ": field " + path() + ": arrays and objects nested deeper than " +
                              std::to_string(kMaxJsonDepth) + " levels (the limit for data files)");
        frames_.push_back(Frame{event == Event::array_start, 0, {}, {}});
        break;
      case Event::key: {
        auto& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second)
          throw DataFileError(source_ + ": field " + path() +
                              ": the key appears twice in one object (a field may be given once)");
        break;
      }
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        element_done();
        break;
      case Event::value:
        element_done();
        break;
    }
    return true;  // keep every value
  }

  /// The JSON path of the element being read ("/" at the top), bounded for messages.
  [[nodiscard]] std::string path() const {
    std::string p;
    for (const auto& f : frames_) {
      p += '/';
      p += f.array ? std::to_string(f.index) : f.key;
      if (p.size() > 2 * kMaxQuotedChars) break;
    }
    return p.empty() ? "/" : bounded_quote(p, 2 * kMaxQuotedChars);
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string, std::less<>> keys;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string source_;
  std::vector<Frame> frames_;
};

// The text between the first `open` and the last `close` (or the last quote): the token
// nlohmann's messages quote, which may be arbitrarily long, bounded. The last `close`, because
// the token is the file's own text and may hold `close` itself; and the whole message is bounded
// again, because then the text after a `close` inside the token is the file's too.
std::string bound_quoted_token(const std::string& message, std::string_view open, std::string_view close) {
  const auto start = message.find(open);
  if (start == std::string::npos) return bounded_quote(message, 4 * kMaxQuotedChars);
  const auto from = start + open.size();
  auto end = message.rfind(close);
  if (end == std::string::npos || end < from) end = message.rfind('\'');
  if (end == std::string::npos || end < from) return bounded_quote(message, 4 * kMaxQuotedChars);
  return bounded_quote(message.substr(0, from) + bounded_quote(std::string_view(message).substr(from, end - from)) +
                           message.substr(end),
                       6 * kMaxQuotedChars);
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  JsonPathTracker tracker(source);
  try {
    return nlohmann::json::parse(
        text, [&tracker](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return tracker.on_event(event, parsed);
        });
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the offset of the error; report it as line:column for the reader.
    const auto upto = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    long line = 1;
    long column = 1;
    for (std::size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw DataFileError(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                        ": malformed JSON at field " + tracker.path() + ": " +
                        bound_quoted_token(e.what(), "last read: '", "'; expected"));
  } catch (const nlohmann::json::out_of_range& e) {
    // The parser's only range error: a number beyond a double ("1e999"); nlohmann quotes it.
    const std::string what = e.what();
    const auto open = what.find("parsing '");
    const auto close = what.rfind('\'');
    const std::string value = open != std::string::npos && close > open + 9
                                  ? what.substr(open + 9, close - open - 9)
                                  : std::string("(unreadable number)");
    throw DataFileError(source + ": field " + tracker.path() + " = " + bounded_quote(value) +
                        ": the number is beyond the range of a double");
  } catch (const nlohmann::json::exception& e) {
    throw DataFileError(source + ": field " + tracker.path() + ": malformed JSON: " +
                        bounded_quote(e.what(), 4 * kMaxQuotedChars));
  }
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
  if (const auto problem = input_file_problem(file, kMaxDataFileBytes); !problem.empty())
    throw DataFileError(bounded_quote(file.string(), 2 * kMaxQuotedChars) + ": " + problem);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataFileError(file.string() + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), file.string());
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {
  if (!value.is_object())
    fail_at(file_, path_.empty() ? "/" : path_, value.dump(), "must be a JSON object");
}

std::string JsonObjectReader::field_path(std::string_view key) const { return path_ + "/" + std::string(key); }

namespace {
std::string full_value_text(const nlohmann::json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? "(missing)" : it->dump();
}
}  // namespace

std::string JsonObjectReader::value_text(std::string_view key) const {
  return bounded_quote(full_value_text(*value_, key));
}

void JsonObjectReader::fail(std::string_view key, std::string_view why) const {
  fail_at(file_, field_path(key), full_value_text(*value_, key), why);
}

void JsonObjectReader::fail_at(const std::string& file, const std::string& field_path, std::string_view value,
                               std::string_view why) {
  // Both the path (an unknown key may be any length) and the value are repeated only in part.
  throw DataFileError(file + ": field " + bounded_quote(field_path, 2 * kMaxQuotedChars) + " = " +
                      bounded_quote(value) + ": " + std::string(why));
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
