#include "reference_gpu/common/shape_lists.hpp"

#include <fstream>
#include <numeric>
#include <sstream>

#include "emulator/io/input_file.hpp"
#include "reference_gpu/common/atomic_write.hpp"
#include "reference_gpu/common/dot_product_files.hpp"

namespace codesim::reference {
namespace {

// A small CSV reader: the first line names the columns; fields hold no commas or quotes.
struct CsvTable {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> line_numbers;

  [[nodiscard]] std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw FormatError(file.string() + ": no column '" + name + "'");
  }
  [[nodiscard]] std::string where(std::size_t row, const std::string& col) const {
    return file.string() + ":" + std::to_string(line_numbers[row]) + ": column " + col + ": ";
  }
};

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

CsvTable read_csv(const std::filesystem::path& file) {
  if (const auto why = io::input_file_problem(file, io::kMaxDataFileBytes); !why.empty())
    throw FormatError(file.string() + ": " + why);
  std::ifstream in(file);
  if (!in) throw FormatError(file.string() + ": cannot open");
  CsvTable t;
  t.file = file;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ',');
    if (t.header.empty()) {
      t.header = std::move(fields);
      continue;
    }
    if (fields.size() != t.header.size())
      throw FormatError(file.string() + ":" + std::to_string(n) + ": " + std::to_string(fields.size()) +
                        " fields, the header has " + std::to_string(t.header.size()));
    t.rows.push_back(std::move(fields));
    t.line_numbers.push_back(n);
  }
  if (t.header.empty()) throw FormatError(file.string() + ": empty file");
  return t;
}

std::int64_t integer(const CsvTable& t, std::size_t row, const std::string& col, std::int64_t min) {
  const std::string& s = t.rows[row][t.column(col)];
  std::int64_t v = 0;
  bool ok = !s.empty();
  try {
    std::size_t used = 0;
    v = std::stoll(s, &used);
    ok = ok && used == s.size();
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok || v < min)
    throw FormatError(t.where(row, col) + quoted_value(s) + " is not an integer >= " + std::to_string(min));
  return v;
}

std::vector<std::int64_t> integer_list(const CsvTable& t, std::size_t row, const std::string& col) {
  std::vector<std::int64_t> out;
  for (const auto& s : split(t.rows[row][t.column(col)], ';')) {
    std::int64_t v = -1;
    try {
      std::size_t used = 0;
      v = std::stoll(s, &used);
      if (used != s.size()) v = -1;
    } catch (const std::exception&) {
      v = -1;
    }
    if (v < 0) throw FormatError(t.where(row, col) + quoted_value(s) + " is not a non-negative integer");
    out.push_back(v);
  }
  if (out.empty()) throw FormatError(t.where(row, col) + "empty list");
  return out;
}

std::string joined(const std::vector<std::int64_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ';';
    s += std::to_string(v[i]);
  }
  return s;
}

/// A text field as written: no comma or line break, which would break the plain CSV.
const std::string& field(const std::string& s, const std::filesystem::path& file) {
  if (s.find_first_of(",\n\r") != std::string::npos)
    throw FormatError(file.string() + ": field '" + s + "' holds a comma or line break");
  return s;
}

}  // namespace

std::int64_t MoeCase::tokens() const { return std::accumulate(ms.begin(), ms.end(), std::int64_t{0}); }

std::vector<DenseGemmShape> read_dense_gemm_shapes(const std::filesystem::path& file) {
  const auto t = read_csv(file);
  std::vector<DenseGemmShape> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    out.push_back({integer(t, r, "m", 1), integer(t, r, "n", 1), integer(t, r, "k", 1), t.rows[r][t.column("source")]});
  return out;
}

std::vector<GroupedGemmShape> read_grouped_gemm_shapes(const std::filesystem::path& file) {
  const auto t = read_csv(file);
  std::vector<GroupedGemmShape> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    GroupedGemmShape s;
    s.name = t.rows[r][t.column("name")];
    s.layout = t.rows[r][t.column("layout")];
    if (s.layout != "contiguous" && s.layout != "masked")
      throw FormatError(t.where(r, "layout") + quoted_value(s.layout) + " is not contiguous or masked");
    s.n = integer(t, r, "n", 1);
    s.k = integer(t, r, "k", 1);
    s.ms = integer_list(t, r, "ms");
    s.source = t.rows[r][t.column("source")];
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<MoeCase> read_moe_cases(const std::filesystem::path& file) {
  const auto t = read_csv(file);
  std::vector<MoeCase> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    MoeCase c;
    c.name = t.rows[r][t.column("name")];
    c.scenario = t.rows[r][t.column("scenario")];
    c.gpu = static_cast<int>(integer(t, r, "gpu", 0));
    c.micro_batch = static_cast<int>(integer(t, r, "micro_batch", 0));
    c.seed = static_cast<std::uint64_t>(integer(t, r, "seed", 0));
    c.hidden = integer(t, r, "hidden", 1);
    c.intermediate = integer(t, r, "intermediate", 1);
    c.ms = integer_list(t, r, "ms");
    out.push_back(std::move(c));
  }
  return out;
}

void write_dense_gemm_shapes(const std::filesystem::path& file, const std::vector<DenseGemmShape>& shapes) {
  std::string out = "m,n,k,source\n";
  for (const auto& s : shapes)
    out += std::to_string(s.m) + "," + std::to_string(s.n) + "," + std::to_string(s.k) + "," + field(s.source, file) + "\n";
  write_file_atomically(file, out);
}

void write_grouped_gemm_shapes(const std::filesystem::path& file, const std::vector<GroupedGemmShape>& shapes) {
  std::string out = "name,layout,n,k,ms,source\n";
  for (const auto& s : shapes)
    out += field(s.name, file) + "," + field(s.layout, file) + "," + std::to_string(s.n) + "," + std::to_string(s.k) +
           "," + joined(s.ms) + "," + field(s.source, file) + "\n";
  write_file_atomically(file, out);
}

void write_moe_cases(const std::filesystem::path& file, const std::vector<MoeCase>& cases) {
  std::string out = "name,scenario,gpu,micro_batch,seed,hidden,intermediate,ms\n";
  for (const auto& c : cases)
    out += field(c.name, file) + "," + field(c.scenario, file) + "," + std::to_string(c.gpu) + "," + std::to_string(c.micro_batch) + "," +
           std::to_string(c.seed) + "," + std::to_string(c.hidden) + "," + std::to_string(c.intermediate) + "," +
           joined(c.ms) + "\n";
  write_file_atomically(file, out);
}

}  // namespace codesim::reference
