#include "emulator/io/csv_table.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "emulator/io/input_file.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::io {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

std::size_t CsvTable::column(const std::string& name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw DataFileError(fmt::format("{}: line 1: missing column '{}'", file.string(), name));
  return static_cast<std::size_t>(it - header.begin());
}

bool CsvTable::has_column(const std::string& name) const {
  return std::find(header.begin(), header.end(), name) != header.end();
}

const std::string& CsvTable::text(const Row& row, const std::string& name) const { return row.second[column(name)]; }

std::optional<double> parse_finite_number(const std::string& text) {
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

double CsvTable::number(const Row& row, const std::string& name, double lo, double hi) const {
  const auto& cell = row.second[column(name)];
  const auto parsed = parse_finite_number(cell);
  const double v = parsed.value_or(0.0);
  if (!parsed || v < lo || v > hi)
    throw DataFileError(fmt::format("{}: line {}: column {} = '{}': expected a number in [{}, {}]", file.string(),
                                    row.first, name, bounded_quote(cell), lo, hi));
  return v;
}

std::int64_t CsvTable::integer(const Row& row, const std::string& name, std::int64_t lo, std::int64_t hi) const {
  const double v = number(row, name, static_cast<double>(lo), static_cast<double>(hi));
  if (v != std::floor(v))
    throw DataFileError(fmt::format("{}: line {}: column {} = '{}': expected a whole number", file.string(), row.first,
                                    name, bounded_quote(row.second[column(name)])));
  return static_cast<std::int64_t>(v);
}

CsvTable read_csv(const std::filesystem::path& file) {
  if (const auto problem = input_file_problem(file, kMaxDataFileBytes); !problem.empty())
    throw DataFileError(file.string() + ": " + problem);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataFileError(file.string() + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_csv_text(text.str(), file);
}

CsvTable parse_csv_text(const std::string& text, const std::filesystem::path& file) {
  std::istringstream in(text);
  CsvTable t;
  t.file = file;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto cells = split(line);
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (cells[c].size() > kMaxCsvCellChars)
        throw DataFileError(fmt::format("{}: line {}: field {} = '{}': longer than {} characters", file.string(), number,
                                        c + 1, bounded_quote(cells[c]), kMaxCsvCellChars));
    if (t.header.empty()) {
      t.header = std::move(cells);
      continue;
    }
    if (cells.size() != t.header.size())
      throw DataFileError(fmt::format("{}: line {}: {} fields, the header has {}", file.string(), number, cells.size(),
                                      t.header.size()));
    t.rows.emplace_back(number, std::move(cells));
  }
  if (t.header.empty()) throw DataFileError(file.string() + ": empty file (no header)");
  if (t.rows.empty()) throw DataFileError(file.string() + ": no data rows");
  return t;
}

}  // namespace codesim::io
