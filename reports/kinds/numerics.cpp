// The numerics report: FP8 GEMM accumulation error against K for every recipe and proposal.
#include "reports/numerics_report.hpp"
#include "reports/report_kind.hpp"

namespace codesim::reports {
namespace {

const ReportRegistrar registrar{ReportKind{
    "numerics",
    "FP8 GEMM accumulation error against K for every recipe and proposal (normal and uniform inputs), with "
    "DeepSeek-V3's fast-accumulation figure checked",
    "report.md, index.html, SVG plots, data.json",
    [](const ReportRequest& r) {
      NumericsReportOptions options;
      options.threads = r.threads;
      write_numerics_report(r.out, options);
    }}};

}  // namespace
}  // namespace codesim::reports
