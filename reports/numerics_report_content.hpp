#pragma once
// The numerics report's content: its text as a document (rendered as Markdown and HTML by
// reports/document.hpp) and its figures as JSON. Private to the numerics report
// (reports/numerics_report*.cpp).
#include <string>
#include <string_view>
#include <vector>

#include "reports/document.hpp"
#include "reports/numerics_report.hpp"

namespace codesim::reports {

inline constexpr std::string_view kNumericsTitle = "FP8 GEMM accumulation error by recipe";
inline constexpr std::string_view kNumericsRegenerateCommand = "codesim report numerics --out DIR";

/// The report's text: what was measured, DeepSeek-V3's observation checked, the tables, the
/// figures (referring to the plots by file name) and the list of files.
std::vector<document::Block> numerics_report_document(const NumericsReportTable& table);

/// data.json: the options, the recipes and every point's metrics at full precision.
std::string numerics_report_json(const NumericsReportTable& table);

}  // namespace codesim::reports
