#pragma once
// Reads a text input (a file or standard input) line by line and parses binary32 hex fields,
// reporting errors by source name, line number and field number.
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace codesim::cli {

class LineReader {
 public:
  /// The longest line accepted: a dot product with K = 4096 is 2K + 1 fields of 9 bytes, 74 KB.
  static constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

  /// path "-" or empty: standard input. Throws InputError if the file cannot be opened, is not a
  /// regular file or is larger than io::kMaxTextInputBytes (standard input is cut off there).
  explicit LineReader(const std::string& path);
  /// Reads `in` (which must outlive the reader), named `source` in messages: text already in
  /// memory, as the fuzz targets give it. Bounded as standard input is.
  LineReader(std::istream& in, std::string source);
  /// Next line's whitespace-separated fields; false at end of input.
  bool next(std::vector<std::string>& fields);
  [[nodiscard]] long line_number() const { return line_; }
  [[nodiscard]] const std::string& source() const { return source_; }
  /// "source:line: " prefix for error messages.
  [[nodiscard]] std::string where() const;

 private:
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_;
  std::string source_;
  long line_ = 0;
  std::uintmax_t bytes_ = 0;  ///< read so far
};

/// Parses exactly 8 hex digits (no prefix) as a binary32 bit pattern; throws InputError
/// naming the field otherwise.
std::uint32_t parse_hex32(const LineReader& r, std::string_view field, std::size_t field_number,
                          std::string_view role);

}  // namespace codesim::cli
