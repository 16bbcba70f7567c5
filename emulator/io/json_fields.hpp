#pragma once
// Strict reading of JSON data files (workloads, devices): every field is checked for type and range, and
// a field the schema does not know is an error, so a typo never silently falls back to a
// default. Errors name the file, the field (as a JSON path) and the offending value.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace codesim::io {

/// A bad data-file input: a malformed file, an unknown or missing field, an out-of-range or
/// inconsistent value, an unknown name. The command line turns it into exit status 2.
class DataFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The deepest nesting of arrays and objects a data file may have. No data file needs more than
/// a handful of levels; the limit keeps a hostile file from exhausting the stack of anything
/// that walks the parsed value recursively (printing it in a message, comparing it).
inline constexpr int kMaxJsonDepth = 64;

/// The most characters of a bad value (or of a field path) an error message repeats: a
/// 10 MB field must give a short message, not a 10 MB one.
inline constexpr std::size_t kMaxQuotedChars = 80;

/// `text` itself when it has at most `max` characters, else its first `max` (not cutting a
/// UTF-8 sequence) followed by "... (N characters)".
[[nodiscard]] std::string bounded_quote(std::string_view text, std::size_t max = kMaxQuotedChars);

/// The most characters one error message may have (the fuzz targets' bound too).
inline constexpr std::size_t kMaxMessageChars = 1024;

/// `message` itself when it has at most `max` characters, else its head and its tail with
/// "... (N characters left out) ..." between them: the head names what was wrong, the tail
/// usually says why. For the last line of defence (the CLI's error printer), where a message
/// built elsewhere may still repeat an input in full.
[[nodiscard]] std::string bounded_message(std::string_view message, std::size_t max = kMaxMessageChars);

/// Parses JSON text read from `source` (a file name, for messages). Refuses, with DataFileError
/// naming the source, the field path and (a bounded prefix of) the value: malformed JSON (with
/// line:column), a key repeated in one object (the reader would otherwise keep the last one
/// silently), nesting deeper than kMaxJsonDepth, and a number beyond the range of a double.
[[nodiscard]] nlohmann::json parse_json_text(const std::string& text, const std::string& source);

/// Reads and parses a JSON file with parse_json_text(); a file that cannot be opened, is not a
/// regular file (a directory, a FIFO, a device) or is larger than kMaxDataFileBytes is a
/// DataFileError naming it.
[[nodiscard]] nlohmann::json read_json_file(const std::filesystem::path& file);

/// Reads one JSON object. Fields are consumed one by one; finish() rejects any left over.
class JsonObjectReader {
 public:
  /// Throws DataFileError if `value` is not an object. `path` is the object's JSON path ("" at top).
  JsonObjectReader(const nlohmann::json& value, std::string file, std::string path);

  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  /// integer() for fields that fit an int (lo and hi are ints).
  [[nodiscard]] int int_field(std::string_view key, int lo, int hi) { return static_cast<int>(integer(key, lo, hi)); }
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  [[nodiscard]] double number(std::string_view key, double lo, double hi);
  [[nodiscard]] std::optional<double> optional_number(std::string_view key, double lo, double hi);
  [[nodiscard]] std::string string(std::string_view key);
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key);
  /// A string that must be one of `allowed`.
  [[nodiscard]] std::string choice(std::string_view key, std::initializer_list<std::string_view> allowed);
  [[nodiscard]] bool boolean(std::string_view key);
  [[nodiscard]] JsonObjectReader object(std::string_view key);
  /// An array of exactly `count` numbers, each in [lo, hi].
  [[nodiscard]] std::vector<double> number_array(std::string_view key, std::size_t count, double lo, double hi);
  /// An array of objects (at least `min_size`), one reader each (paths "<key>/<index>").
  [[nodiscard]] std::vector<JsonObjectReader> object_array(std::string_view key, std::size_t min_size);
  [[nodiscard]] bool has(std::string_view key) const;

  /// Throws DataFileError for the first field that was never read.
  void finish() const;

  /// Throws DataFileError: "<file>: field <path/key> = <value>: <why>" (path and value bounded).
  [[noreturn]] void fail(std::string_view key, std::string_view why) const;
  /// The same, for a value that is only found wrong in combination with others.
  [[noreturn]] static void fail_at(const std::string& file, const std::string& field_path, std::string_view value,
                                   std::string_view why);

  [[nodiscard]] std::string field_path(std::string_view key) const;
  [[nodiscard]] const std::string& file() const { return file_; }
  /// The field's value as written in the file (for messages; at most kMaxQuotedChars of it).
  [[nodiscard]] std::string value_text(std::string_view key) const;

 private:
  const nlohmann::json& require(std::string_view key);
  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
};

}  // namespace codesim::io
