#include "reports/numerics_report_plots.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <utility>

#include "reports/gnuplot.hpp"

namespace codesim::reports {
namespace {

using numerics::Distribution;
using numerics::GemmErrorStats;

/// Exact, shortest round-trip representation for gnuplot's data (fmt without the 'L' flag
/// never consults the locale).
std::string plot_number(double v) { return fmt::format("{}", v); }

constexpr std::string_view kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kFilledPoints[] = {7, 5, 9, 11, 13, 15};
constexpr int kOpenPoints[] = {6, 4, 8, 10, 12, 14};

struct Series {
  std::string title;
  std::vector<std::pair<int, double>> points;  ///< (K, value); values <= 0 are left out
  std::size_t style = 0;                       ///< colour and point shape index (the recipe's)
  bool dashed = false;                         ///< uniform inputs in the combined plot
};

/// Series with no positive value cannot be drawn on a log axis: their titles, for a caption.
std::vector<std::string> undrawable(const std::vector<Series>& series) {
  std::vector<std::string> names;
  for (const auto& s : series)
    if (s.points.empty()) names.push_back(s.title);
  return names;
}

std::string plot_script(std::string_view title, std::string_view ylabel, const std::vector<int>& ks,
                        const std::vector<Series>& series) {
  std::string s;
  s += "set title " + gnuplot_quote(title) + " noenhanced\n";
  s += "set xlabel \"K (products summed per output)\" noenhanced\n";
  s += "set ylabel " + gnuplot_quote(ylabel) + " noenhanced\n";
  s += "set logscale x 2\nset logscale y 10\nset format y \"10^{%L}\"\nset mytics 10\n";
  s += "set xtics (";
  for (std::size_t i = 0; i < ks.size(); ++i)
    s += (i == 0 ? "" : ", ") + gnuplot_quote(std::to_string(ks[i])) + " " + std::to_string(ks[i]);
  s += ")\n";
  s += "set xrange [" + plot_number(ks.front() / 1.25) + ":" + plot_number(ks.back() * 1.25) + "]\n";
  s += "set grid xtics ytics lc rgb \"#dddddd\" lw 1\n";
  s += "set key outside right top vertical Left reverse noenhanced samplen 2.5 spacing 1.1\n";

  std::vector<const Series*> drawn;
  for (const auto& se : series)
    if (!se.points.empty()) drawn.push_back(&se);
  if (drawn.empty()) {
    s += "set yrange [1e-8:1]\n";
    s += "set label 1 \"no nonzero errors to draw\" at graph 0.5, graph 0.5 center noenhanced\n";
    s += "plot NaN notitle\n";
    return s;
  }
  s += "$data << EOD\n";
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    if (i > 0) s += "\n\n";  // two blank lines separate gnuplot data sets ("index")
    for (const auto& [k, v] : drawn[i]->points) s += std::to_string(k) + " " + plot_number(v) + "\n";
  }
  s += "EOD\n";
  s += "plot";
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const Series& se = *drawn[i];
    const std::size_t shape = se.style % std::size(kFilledPoints);
    // Appended piece by piece: GCC 12 reports a false -Wrestrict for "literal" + std::string&&
    // here (GCC bug 105329).
    s += i == 0 ? " " : ", \\\n     ";
    s += "$data index ";
    s += std::to_string(i) + " using 1:2 with linespoints lw 2 ps 0.9 lc rgb " +
         gnuplot_quote(kColors[se.style % std::size(kColors)]) + " pt " +
         std::to_string(se.dashed ? kOpenPoints[shape] : kFilledPoints[shape]) + " dt " + (se.dashed ? "2" : "1") +
         " title " + gnuplot_quote(se.title);
  }
  s += "\n";
  return s;
}

enum class Metric { kMaxOverMean, kFrobenius };

double metric_value(const GemmErrorStats& e, Metric m) {
  return m == Metric::kMaxOverMean ? e.max_abs_err_over_mean_abs_ref : e.frobenius_rel_err;
}

Series make_series(const NumericsReportTable& t, std::size_t recipe_index, Distribution d, Metric m,
                   std::string title, bool dashed) {
  Series s{std::move(title), {}, recipe_index, dashed};
  const std::string& name = t.recipes[recipe_index].name;
  for (const int k : t.options.ks) {
    const GemmErrorStats* e = t.find(name, d, k);
    if (e == nullptr) continue;
    const double v = metric_value(*e, m);
    if (v > 0 && std::isfinite(v)) s.points.emplace_back(k, v);
  }
  return s;
}

std::vector<Series> distribution_series(const NumericsReportTable& t, Distribution d) {
  std::vector<Series> out;
  for (std::size_t r = 0; r < t.recipes.size(); ++r)
    out.push_back(make_series(t, r, d, Metric::kMaxOverMean, t.recipes[r].name, false));
  return out;
}

std::vector<Series> frobenius_series(const NumericsReportTable& t) {
  std::vector<Series> out;
  for (std::size_t r = 0; r < t.recipes.size(); ++r)
    for (const Distribution d : t.distributions)
      out.push_back(make_series(t, r, d, Metric::kFrobenius, t.recipes[r].name + " (" + numerics::to_string(d) + ")",
                                d == Distribution::kUniform));
  return out;
}

}  // namespace

std::vector<std::string> undrawable_in_error_plot(const NumericsReportTable& table, Distribution d) {
  return undrawable(distribution_series(table, d));
}

std::vector<std::string> undrawable_in_frobenius_plot(const NumericsReportTable& table) {
  return undrawable(frobenius_series(table));
}

std::map<std::string, std::string> render_numerics_plots(const NumericsReportTable& table) {
  std::map<std::string, std::string> svgs;
  const std::string ylabel = "max |D - R| / mean |R|";
  svgs[std::string(kNumericsPlotNormal)] =
      render_svg(plot_script("Max error over mean |reference|, normal inputs N(0, 1)", ylabel, table.options.ks,
                             distribution_series(table, Distribution::kNormal)));
  svgs[std::string(kNumericsPlotUniform)] =
      render_svg(plot_script("Max error over mean |reference|, uniform inputs U[0, 1)", ylabel, table.options.ks,
                             distribution_series(table, Distribution::kUniform)));
  svgs[std::string(kNumericsPlotFrobenius)] =
      render_svg(plot_script("Frobenius relative error (solid: normal, dashed: uniform)", "||D - R||_F / ||R||_F",
                             table.options.ks, frobenius_series(table)));
  return svgs;
}

}  // namespace codesim::reports
