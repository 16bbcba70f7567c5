// codesim report numerics --out DIR
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "reports/numerics_report.hpp"

namespace codesim::cli {

void add_report_commands(CLI::App& app) {
  CLI::App* report = app.add_subcommand("report", "Design reports (Markdown, HTML, SVG plots)");
  report->require_subcommand(1);
  struct Options {
    std::string out;
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  };
  auto o = std::make_shared<Options>();
  CLI::App* numerics = report->add_subcommand(
      "numerics", "FP8 GEMM accumulation error against K for every recipe and proposal (normal and uniform "
                  "inputs), with DeepSeek-V3's fast-accumulation figure checked");
  numerics->add_option("--out", o->out, "output folder (report.md, index.html, SVG plots, data.json)")->required();
  numerics->add_option("--threads", o->threads, "worker threads (results do not depend on it)")
      ->check(CLI::Range(1, 256));
  numerics->callback([o] {
    reports::NumericsReportOptions options;
    options.threads = o->threads;
    reports::write_numerics_report(o->out, options);
    fmt::print("wrote {}/report.md and {}/index.html\n", o->out, o->out);
  });
}

}  // namespace codesim::cli
