#pragma once
// The numerics design report: accumulation error of FP8 GEMM recipes against K, for normal
// and uniform inputs, with DeepSeek-V3's "about 2% at K = 4096, fixed by promotion every 128"
// checked against the measurements.
//
// Files written into the output directory (all at once, nothing half-written on failure):
//   report.md                 Markdown, linking the SVGs
//   index.html                one self-contained page, SVGs inlined
//   error_vs_k_normal.svg     max_abs_err_over_mean_abs_ref vs K, normal inputs
//   error_vs_k_uniform.svg    the same, uniform inputs
//   error_vs_k_frobenius.svg  frobenius_rel_err vs K, both distributions
//   data.json                 every figure
// The same options give the same bytes in every file (the thread count does not matter).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/numerics/gemm.hpp"

namespace codesim::reports {

struct NumericsReportOptions {
  std::vector<int> ks = {128, 256, 512, 1024, 2048, 4096, 8192, 16384};
  int m = 64, n = 64;
  std::uint64_t seed = 20241226;
  unsigned threads = 2;  ///< worker threads; the figures do not depend on it
  std::vector<std::string> recipes = {"fast-accum",    "promote:128",   "promote:32",       "accum-bits:16",
                                      "accum-bits:19", "tc-full-accum", "tc-group-scaling", "tc-group-scaling:13"};
};

/// The K of DeepSeek-V3's observation.
inline constexpr int kHeadlineK = 4096;

struct NumericsReportPoint {
  std::string recipe;  ///< canonical name
  numerics::Distribution distribution = numerics::Distribution::kNormal;
  int k = 0;
  numerics::GemmErrorStats error;
};

/// DeepSeek-V3's observation checked: fast-accum against promote:128, normal inputs, K = 4096.
struct NumericsHeadline {
  bool measured = false;  ///< both recipes and K = 4096 were in the options
  double fast_accum = 0;  ///< max_abs_err_over_mean_abs_ref
  double promote_128 = 0;
  double ratio = 0;                ///< fast_accum / promote_128 (infinity if promote_128 is 0)
  bool about_two_percent = false;  ///< fast_accum within [kAboutTwoPercentLow, kAboutTwoPercentHigh]
  bool ten_times_lower = false;    ///< ratio >= 10
};
inline constexpr double kAboutTwoPercentLow = 0.01;
inline constexpr double kAboutTwoPercentHigh = 0.04;

struct NumericsReportTable {
  NumericsReportOptions options;  ///< normalised: canonical recipe names, K sorted ascending
  std::vector<numerics::GemmRecipe> recipes;
  std::vector<numerics::Distribution> distributions;  ///< normal, uniform
  std::vector<NumericsReportPoint> points;            ///< recipe-major, then distribution, then K

  /// The point's error stats, or nullptr if it was not measured.
  [[nodiscard]] const numerics::GemmErrorStats* find(std::string_view recipe, numerics::Distribution d,
                                                     int k) const;
  /// As find; throws std::out_of_range naming the point if it was not measured.
  [[nodiscard]] const numerics::GemmErrorStats& at(std::string_view recipe, numerics::Distribution d, int k) const;
  [[nodiscard]] NumericsHeadline headline() const;
};

/// Checks and normalises the options (parses every recipe; K positive and a multiple of each
/// recipe's k_multiple(); m, n, threads positive; no duplicate recipes). Throws
/// std::invalid_argument naming the bad option.
NumericsReportOptions normalise_options(const NumericsReportOptions& options);

/// Runs every recipe x distribution x K and records the error metrics.
NumericsReportTable compute_numerics_report(const NumericsReportOptions& options);

/// Every output file, name -> content (draws the plots with gnuplot; writes nothing).
std::map<std::string, std::string> render_numerics_report(const NumericsReportTable& table);

/// The names of the files write_numerics_report writes, sorted.
std::vector<std::string> numerics_report_files();

/// Computes the table and publishes every file into out_dir (created if missing; other files
/// there are left alone). Every file is built in a staging directory next to out_dir first, so
/// a failure (bad options, gnuplot missing or failing, out_dir not a directory, a write error)
/// leaves out_dir as it was and no file is ever half-written. Throws std::invalid_argument for
/// bad options, std::runtime_error otherwise. out_dir is checked before the (slow) computation.
void write_numerics_report(const std::filesystem::path& out_dir, const NumericsReportOptions& options);
/// The same from an already computed table.
void write_numerics_report(const std::filesystem::path& out_dir, const NumericsReportTable& table);

}  // namespace codesim::reports
