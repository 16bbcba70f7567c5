#include "emulator/sim/published_gemms.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "emulator/io/csv_table.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::sim {
namespace {

using io::CsvTable;
using io::read_csv;

constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;

MeasuredGemm finish(MeasuredGemm g, const CsvTable& t, int line) {
  g.line = line;
  try {
    kernels::check_gemm_shape(g.shape);
  } catch (const std::invalid_argument& e) {
    throw io::DataFileError(fmt::format("{}: line {}: {}", t.file.string(), line, e.what()));
  }
  g.measured_us = kernels::gemm_useful_flops(g.shape) / (g.measured_tflops * 1e6);
  return g;
}

GemmConditions conditions_of(const CsvTable& t, const std::pair<int, std::vector<std::string>>& row) {
  GemmConditions c;
  const auto& kernel = row.second[t.column("kernel")];
  const auto& l2 = row.second[t.column("l2_at_start")];
  try {
    c.kernel = kernels::parse_gemm_kernel_generation(kernel);
  } catch (const std::invalid_argument& e) {
    throw io::DataFileError(fmt::format("{}: line {}: column kernel: {}", t.file.string(), row.first,
                                        io::bounded_quote(e.what(), 4 * io::kMaxQuotedChars)));
  }
  try {
    c.b_tail_stream_ratio = parse_l2_at_start(l2);
  } catch (const std::invalid_argument& e) {
    throw io::DataFileError(fmt::format("{}: line {}: column l2_at_start = {}", t.file.string(), row.first,
                                        io::bounded_quote(e.what(), 4 * io::kMaxQuotedChars)));
  }
  return c;
}

}  // namespace

std::vector<MeasuredGemm> read_published_dense_gemms(const std::filesystem::path& csv) {
  const auto t = read_csv(csv);
  std::vector<MeasuredGemm> out;
  for (const auto& row : t.rows) {
    MeasuredGemm g;
    g.shape.m = {t.integer(row, "m", 1, kMaxDim)};
    g.shape.n = t.integer(row, "n", 1, kMaxDim);
    g.shape.k = t.integer(row, "k", 1, kMaxDim);
    g.measured_tflops = t.number(row, "tflops", 1e-3, 1e5);
    out.push_back(finish(g, t, row.first));
  }
  return out;
}

void apply_measurement_conditions(std::vector<MeasuredGemm>& rows, const std::filesystem::path& csv) {
  const auto t = read_csv(csv);
  std::vector<int> matched(rows.size(), 0);
  for (const auto& line : t.rows) {
    const auto m = t.integer(line, "m", 1, kMaxDim);
    const auto n = t.integer(line, "n", 1, kMaxDim);
    const auto k = t.integer(line, "k", 1, kMaxDim);
    const auto conditions = conditions_of(t, line);
    // A line no row matches is fine: the measured table may be a subset of the published one.
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& s = rows[i].shape;
      if (s.m.size() != 1 || s.m[0] != m || s.n != n || s.k != k) continue;
      rows[i].conditions = conditions;
      ++matched[i];
    }
  }
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (matched[i] != 1)
      throw io::DataFileError(fmt::format("{}: the row m={} n={} k={} (line {} of its table) has {} condition lines, "
                                          "expected one", csv.string(), rows[i].shape.m[0], rows[i].shape.n,
                                          rows[i].shape.k, rows[i].line, matched[i]));
}

std::vector<MeasuredGemm> read_published_grouped_gemms(const std::filesystem::path& csv) {
  const auto t = read_csv(csv);
  std::vector<MeasuredGemm> out;
  for (const auto& row : t.rows) {
    MeasuredGemm g;
    const auto groups = t.integer(row, "groups", 1, 4096);
    const auto m = t.integer(row, "m_per_group", 1, kMaxDim);
    g.shape.m.assign(static_cast<std::size_t>(groups), m);
    g.shape.n = t.integer(row, "n", 1, kMaxDim);
    g.shape.k = t.integer(row, "k", 1, kMaxDim);
    const auto& layout = row.second[t.column("layout")];
    if (layout == "contiguous") {
      g.shape.layout = kernels::GemmLayout::kContiguous;
    } else if (layout == "masked") {
      g.shape.layout = kernels::GemmLayout::kMasked;
    } else if (layout == "dense" && groups == 1) {
      g.shape.layout = kernels::GemmLayout::kDense;
    } else {
      throw io::DataFileError(fmt::format("{}: line {}: column layout = '{}': expected contiguous, masked or dense "
                                          "(one group)", csv.string(), row.first, io::bounded_quote(layout)));
    }
    g.measured_tflops = t.number(row, "tflops", 1e-3, 1e5);
    g.conditions = conditions_of(t, row);
    out.push_back(finish(g, t, row.first));
  }
  return out;
}

}  // namespace codesim::sim
