#include "reports/numerics_report.hpp"

#include <algorithm>

#include "emulator/io/atomic_file.hpp"
#include "reports/document.hpp"
#include "reports/numerics_report_content.hpp"
#include "reports/numerics_report_plots.hpp"

namespace codesim::reports {
namespace {

constexpr std::string_view kMarkdown = "report.md";
constexpr std::string_view kHtml = "index.html";
constexpr std::string_view kJson = "data.json";

void publish(io::StagingDirectory& staging, const std::map<std::string, std::string>& files) {
  for (const auto& [name, content] : files) staging.write(name, content);
  staging.commit();
}

}  // namespace

std::vector<std::string> numerics_report_files() {
  std::vector<std::string> files;
  for (const std::string_view name :
       {kMarkdown, kHtml, kJson, kNumericsPlotNormal, kNumericsPlotUniform, kNumericsPlotFrobenius})
    files.emplace_back(name);
  std::sort(files.begin(), files.end());
  return files;
}

std::map<std::string, std::string> render_numerics_report(const NumericsReportTable& t) {
  // The plots first: the HTML page inlines them.
  std::map<std::string, std::string> files = render_numerics_plots(t);
  const std::vector<document::Block> doc = numerics_report_document(t);
  files[std::string(kMarkdown)] = document::render_markdown(doc);
  files[std::string(kHtml)] = document::render_html(doc, kNumericsTitle, files);
  files[std::string(kJson)] = numerics_report_json(t);
  return files;
}

void write_numerics_report(const std::filesystem::path& out_dir, const NumericsReportOptions& options) {
  const NumericsReportOptions normalised = normalise_options(options);  // bad options: fail before any I/O
  io::StagingDirectory staging(out_dir);  // out_dir unusable: fail before computing
  publish(staging, render_numerics_report(compute_numerics_report(normalised)));
}

void write_numerics_report(const std::filesystem::path& out_dir, const NumericsReportTable& table) {
  io::StagingDirectory staging(out_dir);
  publish(staging, render_numerics_report(table));
}

}  // namespace codesim::reports
