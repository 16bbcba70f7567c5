#pragma once
// Reading the small comma-separated tables of published measurements (../shared/reference/):
// a header line, then rows; '#' lines are comments. Every error names the file, the line, the
// column and the value.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace codesim::io {

/// The longest cell a table may hold: the published tables hold numbers, names and notes of at
/// most a few hundred characters. A longer cell is refused on reading, which also keeps every
/// message that repeats a cell short.
inline constexpr std::size_t kMaxCsvCellChars = 256;

struct CsvTable {
  using Row = std::pair<int, std::vector<std::string>>;  ///< (line number, cells)
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<Row> rows;

  /// Throws io::DataFileError when the header has no such column.
  [[nodiscard]] std::size_t column(const std::string& name) const;
  [[nodiscard]] bool has_column(const std::string& name) const;
  /// The cell as text.
  [[nodiscard]] const std::string& text(const Row& row, const std::string& name) const;
  /// The cell as a finite number in [lo, hi]; throws io::DataFileError naming file, line, column and value.
  [[nodiscard]] double number(const Row& row, const std::string& name, double lo, double hi) const;
  /// As number, and a whole number.
  [[nodiscard]] std::int64_t integer(const Row& row, const std::string& name, std::int64_t lo, std::int64_t hi) const;
};

/// Throws io::DataFileError for an unreadable file, no header, no rows, a row whose field
/// count differs from the header's, or a cell longer than kMaxCsvCellChars.
[[nodiscard]] CsvTable read_csv(const std::filesystem::path& file);
/// The same for a file's text, already read (`file` names it in messages).
/// The whole of `text` as a finite number (std::stod's syntax); nothing if any of it is left
/// over, it is empty, or the value is not finite.
[[nodiscard]] std::optional<double> parse_finite_number(const std::string& text);

[[nodiscard]] CsvTable parse_csv_text(const std::string& text, const std::filesystem::path& file);

}  // namespace codesim::io
