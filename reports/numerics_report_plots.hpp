#pragma once
// The numerics report's plots: error against K per recipe, drawn by gnuplot into SVG.
// Private to the numerics report (reports/numerics_report*.cpp).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reports/numerics_report.hpp"

namespace codesim::reports {

inline constexpr std::string_view kNumericsPlotNormal = "error_vs_k_normal.svg";
inline constexpr std::string_view kNumericsPlotUniform = "error_vs_k_uniform.svg";
inline constexpr std::string_view kNumericsPlotFrobenius = "error_vs_k_frobenius.svg";

/// The three plots, file name -> SVG. Throws std::runtime_error when gnuplot is missing or fails.
std::map<std::string, std::string> render_numerics_plots(const NumericsReportTable& table);

/// The recipes the max-over-mean plot for inputs `d` leaves out: no positive value at any K,
/// which a log axis cannot show. Their names, in recipe order, for the plot's caption.
std::vector<std::string> undrawable_in_error_plot(const NumericsReportTable& table, numerics::Distribution d);

/// The same for the Frobenius plot: "recipe (distribution)" for each line left out.
std::vector<std::string> undrawable_in_frobenius_plot(const NumericsReportTable& table);

}  // namespace codesim::reports
