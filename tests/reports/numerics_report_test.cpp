#include "reports/numerics_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/io/atomic_file.hpp"
#include "reports/gnuplot.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::reports {
namespace {
namespace fs = std::filesystem;
using numerics::Distribution;

using codesim::testing::TempFolder;

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// The file's bytes (stdio: GCC 12 warns falsely on istreambuf_iterator with -Wnull-dereference).
std::string read(const fs::path& p) {
  std::string text;
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot read " + p.string());
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

void write_plain(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

bool have_gnuplot() { return find_gnuplot().has_value(); }
#define SKIP_WITHOUT_GNUPLOT()                                                                      \
  do {                                                                                              \
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not on PATH (install gnuplot-nox): no SVG plots"; \
  } while (false)

/// Small options: a few seconds for the whole suite.
NumericsReportOptions small_options() {
  NumericsReportOptions o;
  o.ks = {128, 4096};
  o.m = 32;
  o.n = 32;
  o.recipes = {"fast-accum", "promote:128", "tc-full-accum"};
  return o;
}

const NumericsReportTable& small_table() {
  static const NumericsReportTable table = compute_numerics_report(small_options());
  return table;
}

// ----------------------------------------------------------------------------------------------
// atomic_file

TEST(AtomicFile, WritesThenReplacesAndLeavesNoTemporaryFiles) {
  TempFolder dir;
  const fs::path target = dir.path() / "out.txt";
  io::write_file_atomically(target, "first version\n");
  EXPECT_EQ(read(target), "first version\n");
  io::write_file_atomically(target, "second");
  EXPECT_EQ(read(target), "second");
  io::write_file_atomically(target, "");
  EXPECT_EQ(read(target), "");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, MissingDirectoryThrowsNamingThePath) {
  TempFolder dir;
  const fs::path target = dir.path() / "no_such_dir" / "out.txt";
  try {
    io::write_file_atomically(target, "x");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(AtomicFile, DirectoryInTheWayFailsAndRemovesTheTemporary) {
  TempFolder dir;
  fs::create_directory(dir.path() / "taken");
  EXPECT_THROW(io::write_file_atomically(dir.path() / "taken", "x"), std::runtime_error);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"taken"});
  EXPECT_TRUE(fs::is_directory(dir.path() / "taken"));
}

TEST(PublishDirectory, PublishesEveryFileAndLeavesOthersAlone) {
  TempFolder dir;
  const fs::path out = dir.path() / "nested" / "out";
  const auto published = io::publish_directory(out, [](const io::StagingDirectory& s) {
    s.write("b.txt", "bee");
    s.write("a.txt", "ay");
  });
  EXPECT_EQ(published, (std::vector<fs::path>{fs::absolute(out) / "a.txt", fs::absolute(out) / "b.txt"}));
  EXPECT_EQ(entries(out), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(read(out / "a.txt"), "ay");

  write_plain(out / "keep.txt", "kept");
  io::publish_directory(out, [](const io::StagingDirectory& s) { s.write("a.txt", "replaced"); });
  EXPECT_EQ(entries(out), (std::vector<std::string>{"a.txt", "b.txt", "keep.txt"}));
  EXPECT_EQ(read(out / "a.txt"), "replaced");
  EXPECT_EQ(read(out / "keep.txt"), "kept");
  EXPECT_EQ(entries(dir.path() / "nested"), std::vector<std::string>{"out"});  // no staging left over
}

TEST(PublishDirectory, FailingBuildLeavesNothing) {
  TempFolder dir;
  const fs::path out = dir.path() / "out";
  EXPECT_THROW(io::publish_directory(out,
                                     [](const io::StagingDirectory& s) {
                                       s.write("a.txt", "half of the output");
                                       throw std::runtime_error("build failed");
                                     }),
               std::runtime_error);
  EXPECT_TRUE(entries(dir.path()).empty());

  // An existing output directory keeps its old content.
  fs::create_directory(out);
  write_plain(out / "a.txt", "old");
  EXPECT_THROW(io::publish_directory(out,
                                     [](const io::StagingDirectory& s) {
                                       s.write("a.txt", "new");
                                       throw std::runtime_error("build failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(entries(out), std::vector<std::string>{"a.txt"});
  EXPECT_EQ(read(out / "a.txt"), "old");
}

TEST(PublishDirectory, OutputPathThatIsARegularFileFailsAndLeavesNothing) {
  TempFolder dir;
  const fs::path out = dir.path() / "out";
  write_plain(out, "a file, not a directory");
  bool built = false;
  try {
    io::publish_directory(out, [&built](const io::StagingDirectory&) { built = true; });
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(built);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(read(out), "a file, not a directory");
}

TEST(PublishDirectory, RejectsNamesWithDirectories) {
  TempFolder dir;
  EXPECT_THROW(io::publish_directory(dir.path() / "out",
                                     [](const io::StagingDirectory& s) { s.write("../escape.txt", "x"); }),
               std::runtime_error);
  EXPECT_TRUE(entries(dir.path()).empty());
}

// ----------------------------------------------------------------------------------------------
// gnuplot

TEST(Gnuplot, MissingProgramIsAClearError) {
  try {
    (void)render_svg("plot x", "codesim-no-such-gnuplot");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
  }
}

TEST(Gnuplot, ScriptErrorReportsGnuplotsMessage) {
  SKIP_WITHOUT_GNUPLOT();
  try {
    (void)render_svg("plot no_such_function(x)\n");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("undefined function"), std::string::npos) << e.what();
  }
}

TEST(Gnuplot, SvgIsDeterministicAndUndated) {
  SKIP_WITHOUT_GNUPLOT();
  const std::string script = "set logscale y\nplot '-' with linespoints title \"a\"\n128 0.1\n256 0.2\ne\n";
  const std::string a = render_svg(script);
  EXPECT_EQ(a, render_svg(script));
  EXPECT_NE(a.find("<svg"), std::string::npos);
  EXPECT_EQ(a.find("viewBox=\"0 0 900 560\""), a.find("viewBox"));
  EXPECT_EQ(a.find("Date"), std::string::npos);
  EXPECT_EQ(a.find("Created"), std::string::npos);
}

TEST(Gnuplot, GnuplotFailureDuringPublishLeavesNothing) {
  SKIP_WITHOUT_GNUPLOT();
  TempFolder dir;
  const fs::path out = dir.path() / "out";
  EXPECT_THROW(io::publish_directory(out,
                                     [](const io::StagingDirectory& s) {
                                       s.write("first.svg", render_svg("plot x"));
                                       s.write("second.svg", render_svg("plot no_such_function(x)"));
                                     }),
               std::runtime_error);
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(Gnuplot, InlineSvgGetsPrefixedIds) {
  const std::string svg =
      "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 1 1\">\n<g id=\"gnuplot_canvas\">"
      "<path id='gpPt1'/><use xlink:href='#gpPt1' fill='url(#grad)'/><rect gid='x'/></g></svg>\n";
  const std::string html = svg_for_inline_html(svg, "p1-");
  EXPECT_EQ(html,
            "<svg viewBox=\"0 0 1 1\">\n<g id=\"p1-gnuplot_canvas\"><path id='p1-gpPt1'/>"
            "<use xlink:href='#p1-gpPt1' fill='url(#p1-grad)'/><rect gid='x'/></g></svg>\n");
}

TEST(Gnuplot, QuotesStrings) { EXPECT_EQ(gnuplot_quote("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\""); }

// ----------------------------------------------------------------------------------------------
// the numerics report

TEST(NumericsReport, NormalisesAndChecksOptions) {
  NumericsReportOptions o = small_options();
  o.ks = {4096, 128, 4096};
  o.recipes = {"promote:0128", "fast-accum"};
  const NumericsReportOptions n = normalise_options(o);
  EXPECT_EQ(n.ks, (std::vector<int>{128, 4096}));
  EXPECT_EQ(n.recipes, (std::vector<std::string>{"promote:128", "fast-accum"}));

  auto bad = [](auto change) {
    NumericsReportOptions b = small_options();
    change(b);
    return b;
  };
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.recipes = {"no-such-recipe"}; })), std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.recipes = {"promote:128", "promote:128"}; })),
               std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.ks = {96}; })), std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.ks = {}; })), std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.ks = {0, 128}; })), std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.m = 0; })), std::invalid_argument);
  EXPECT_THROW(normalise_options(bad([](auto& b) { b.threads = 0; })), std::invalid_argument);
  EXPECT_NO_THROW(normalise_options(NumericsReportOptions{}));
}

TEST(NumericsReport, TableHasEveryPoint) {
  const NumericsReportTable& t = small_table();
  EXPECT_EQ(t.points.size(), 3U * 2U * 2U);
  for (const auto& r : t.options.recipes)
    for (const Distribution d : {Distribution::kNormal, Distribution::kUniform})
      for (const int k : t.options.ks) {
        const auto& e = t.at(r, d, k);
        EXPECT_GT(e.mean_abs_ref, 0) << r << " " << k;
        EXPECT_GE(e.max_abs_err_over_mean_abs_ref, 0) << r << " " << k;
      }
  EXPECT_EQ(t.find("promote:32", Distribution::kNormal, 128), nullptr);
  EXPECT_THROW((void)t.at("fast-accum", Distribution::kNormal, 256), std::out_of_range);
}

// DeepSeek-V3 §3.3.2: about 2% at K = 4096 with fast accumulation; promotion every 128 fixes it.
TEST(NumericsReport, ReproducesDeepSeekV3Observation) {
  const NumericsReportTable& t = small_table();
  const double fast = t.at("fast-accum", Distribution::kNormal, 4096).max_abs_err_over_mean_abs_ref;
  const double promoted = t.at("promote:128", Distribution::kNormal, 4096).max_abs_err_over_mean_abs_ref;
  EXPECT_GE(fast, 0.005);
  EXPECT_LE(fast, 0.05);
  EXPECT_LE(promoted * 10, fast);
  const NumericsHeadline h = t.headline();
  ASSERT_TRUE(h.measured);
  EXPECT_EQ(h.fast_accum, fast);
  EXPECT_EQ(h.promote_128, promoted);
  EXPECT_DOUBLE_EQ(h.ratio, fast / promoted);
  EXPECT_TRUE(h.ten_times_lower);
  // Exact accumulation with promotion is better still.
  EXPECT_LT(t.at("tc-full-accum", Distribution::kNormal, 4096).max_abs_err_over_mean_abs_ref, promoted);
}

TEST(NumericsReport, HeadlineNeedsBothRecipesAtK4096) {
  NumericsReportOptions o = small_options();
  o.ks = {128};
  o.recipes = {"fast-accum", "promote:128"};
  EXPECT_FALSE(compute_numerics_report(o).headline().measured);
}

TEST(NumericsReport, WritesEveryFile) {
  SKIP_WITHOUT_GNUPLOT();
  TempFolder dir;
  const fs::path out = dir.path() / "report";
  write_numerics_report(out, small_table());
  EXPECT_EQ(entries(out), numerics_report_files());
  EXPECT_EQ(numerics_report_files(),
            (std::vector<std::string>{"data.json", "error_vs_k_frobenius.svg", "error_vs_k_normal.svg",
                                      "error_vs_k_uniform.svg", "index.html", "report.md"}));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"report"});  // no staging left over

  const std::string md = read(out / "report.md");
  EXPECT_NE(md.find("codesim report numerics --out DIR"), std::string::npos);
  EXPECT_NE(md.find("## DeepSeek-V3's observation"), std::string::npos);
  EXPECT_NE(md.find("exact product of the dequantised quantised inputs"), std::string::npos);
  EXPECT_NE(md.find("(error_vs_k_normal.svg)"), std::string::npos);
  EXPECT_NE(md.find("(error_vs_k_uniform.svg)"), std::string::npos);
  EXPECT_NE(md.find("(error_vs_k_frobenius.svg)"), std::string::npos);
  EXPECT_NE(md.find("| `promote:128` |"), std::string::npos);
  EXPECT_NE(md.find("This reproduces \"about 2%\""), std::string::npos) << md;
  EXPECT_NE(md.find("at least 10×"), std::string::npos) << md;

  const std::string html = read(out / "index.html");
  EXPECT_EQ(count(html, "<svg"), 3U);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"deepseek-v3-s-observation\">DeepSeek-V3's observation</h2>"), std::string::npos);

  for (const auto& name : numerics_report_files()) {
    const std::string content = read(out / name);
    EXPECT_FALSE(content.empty()) << name;
    EXPECT_EQ(content.find(dir.path().string()), std::string::npos) << name << " names the output directory";
  }
  for (const char* svg : {"error_vs_k_normal.svg", "error_vs_k_uniform.svg", "error_vs_k_frobenius.svg"})
    EXPECT_NE(read(out / svg).find("promote:128"), std::string::npos) << svg;

  const std::string json = read(out / "data.json");
  EXPECT_NE(json.find("\"max_abs_err_over_mean_abs_ref\""), std::string::npos);
  EXPECT_NE(json.find("\"deepseek_v3_observation\""), std::string::npos);
}

TEST(NumericsReport, TwoRunsGiveIdenticalBytesWhateverTheThreadCount) {
  SKIP_WITHOUT_GNUPLOT();
  TempFolder dir;
  NumericsReportOptions one = small_options();
  one.threads = 1;
  NumericsReportOptions three = small_options();
  three.threads = 3;
  write_numerics_report(dir.path() / "a", one);
  write_numerics_report(dir.path() / "b", three);
  const auto names = entries(dir.path() / "a");
  ASSERT_EQ(names, numerics_report_files());
  ASSERT_EQ(entries(dir.path() / "b"), names);
  for (const auto& name : names)
    EXPECT_TRUE(read(dir.path() / "a" / name) == read(dir.path() / "b" / name)) << name << " differs";
}

TEST(NumericsReport, OutputPathThatIsARegularFileFailsAndLeavesNothing) {
  TempFolder dir;
  const fs::path out = dir.path() / "report";
  write_plain(out, "in the way");
  EXPECT_THROW(write_numerics_report(out, small_options()), std::runtime_error);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"report"});
  EXPECT_EQ(read(out), "in the way");
}

TEST(NumericsReport, BadOptionsWriteNothing) {
  TempFolder dir;
  NumericsReportOptions o = small_options();
  o.recipes = {"no-such-recipe"};
  EXPECT_THROW(write_numerics_report(dir.path() / "report", o), std::invalid_argument);
  EXPECT_TRUE(entries(dir.path()).empty());
}

}  // namespace
}  // namespace codesim::reports
