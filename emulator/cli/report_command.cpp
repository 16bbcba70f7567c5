// codesim report NAME --out DIR: every registered report (reports/kinds/) is a subcommand.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/path_option.hpp"
#include "reports/report_kind.hpp"

namespace codesim::cli {

void add_report_commands(CLI::App& app) {
  CLI::App* report = app.add_subcommand("report", "Design reports (Markdown, HTML, SVG plots)");
  report->require_subcommand(1);
  for (const auto* kind : reports::ReportRegistry::instance().all()) {
    auto o = std::make_shared<reports::ReportRequest>();
    o->threads = std::max(1U, std::thread::hardware_concurrency());
    CLI::App* c = report->add_subcommand(kind->name, kind->summary);
    c->add_option("--out", o->out, fmt::format("output folder ({})", kind->files))->required()->check(non_empty_path());
    c->add_option("--threads", o->threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 256));
    c->callback([o, kind] {
      kind->write(*o);
      fmt::print("wrote the {} report to {}\n", kind->name, o->out.string());
    });
  }
}

}  // namespace codesim::cli
