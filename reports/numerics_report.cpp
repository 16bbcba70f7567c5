#include "reports/numerics_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <utility>
#include <variant>

#include "emulator/io/atomic_file.hpp"
#include "reports/gnuplot.hpp"

namespace codesim::reports {
namespace {

using numerics::Distribution;
using numerics::GemmErrorStats;
using numerics::GemmRecipe;

constexpr std::string_view kRegenerateCommand = "codesim report numerics --out DIR";
constexpr std::string_view kTitle = "FP8 GEMM accumulation error by recipe";
constexpr std::string_view kFastAccum = "fast-accum";
constexpr std::string_view kPromote128 = "promote:128";

constexpr std::string_view kPlotNormal = "error_vs_k_normal.svg";
constexpr std::string_view kPlotUniform = "error_vs_k_uniform.svg";
constexpr std::string_view kPlotFrobenius = "error_vs_k_frobenius.svg";
constexpr std::string_view kMarkdown = "report.md";
constexpr std::string_view kHtml = "index.html";
constexpr std::string_view kJson = "data.json";

// ---------------------------------------------------------------------------------------------
// Number formatting: fmt without the 'L' flag never consults the locale.

/// Three significant digits in scientific notation; "0" for an exact zero.
std::string sci(double v) {
  if (v == 0) return "0";
  if (!std::isfinite(v)) return "n/a";
  return fmt::format("{:.2e}", v);
}

std::string percent(double v) { return fmt::format("{:.2f}%", v * 100); }

std::string ratio_text(double r) {
  if (std::isinf(r)) return "infinitely";
  if (!std::isfinite(r)) return "n/a";
  return r >= 100 ? fmt::format("{:.0f}", r) : fmt::format("{:.3g}", r);
}

/// Exact, shortest round-trip representation for gnuplot's data.
std::string plot_number(double v) { return fmt::format("{}", v); }

std::string distribution_label(Distribution d) {
  return d == Distribution::kNormal ? "normal inputs, N(0, 1)" : "uniform inputs, U[0, 1)";
}

// ---------------------------------------------------------------------------------------------
// A small document model rendered both as Markdown and as HTML. Inline text may use `code`,
// **bold** and [text](link); everything else is literal.

struct Heading {
  int level = 2;
  std::string text;
};
struct Paragraph {
  std::string text;
};
struct CodeBlock {
  std::string text;
};
struct BulletList {
  std::vector<std::string> items;
};
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
struct Figure {
  std::string file;  ///< the SVG's file name
  std::string caption;
};
using Block = std::variant<Heading, Paragraph, CodeBlock, BulletList, Table, Figure>;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Inline markup to HTML: `code`, **bold**, [text](link).
std::string html_inline(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '`') {
      const std::size_t end = s.find('`', i + 1);
      if (end != std::string_view::npos) {
        out += "<code>" + html_escape(s.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    }
    if (s.substr(i, 2) == "**") {
      const std::size_t end = s.find("**", i + 2);
      if (end != std::string_view::npos) {
        out += "<strong>" + html_inline(s.substr(i + 2, end - i - 2)) + "</strong>";
        i = end + 2;
        continue;
      }
    }
    if (s[i] == '[') {
      const std::size_t close = s.find("](", i + 1);
      const std::size_t end = close == std::string_view::npos ? close : s.find(')', close + 2);
      if (end != std::string_view::npos) {
        out += "<a href=\"" + html_escape(s.substr(close + 2, end - close - 2)) + "\">" +
               html_inline(s.substr(i + 1, close - i - 1)) + "</a>";
        i = end + 1;
        continue;
      }
    }
    const std::size_t next = s.find_first_of("`*[", i + 1);
    const std::size_t stop = next == std::string_view::npos ? s.size() : next;
    out += html_escape(s.substr(i, stop - i));
    i = stop;
  }
  return out;
}

std::string slug(std::string_view text) {
  std::string s;
  for (const char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      s += c;
    } else if (c >= 'A' && c <= 'Z') {
      s += static_cast<char>(c - 'A' + 'a');
    } else if (!s.empty() && s.back() != '-') {
      s += '-';
    }
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s;
}

std::string render_markdown(const std::vector<Block>& doc) {
  std::string out;
  for (const auto& block : doc) {
    if (!out.empty()) out += '\n';
    if (const auto* h = std::get_if<Heading>(&block)) {
      out += std::string(static_cast<std::size_t>(h->level), '#') + " " + h->text + "\n";
    } else if (const auto* p = std::get_if<Paragraph>(&block)) {
      out += p->text + "\n";
    } else if (const auto* c = std::get_if<CodeBlock>(&block)) {
      out += "```\n" + c->text + "\n```\n";
    } else if (const auto* l = std::get_if<BulletList>(&block)) {
      for (const auto& item : l->items) out += "- " + item + "\n";
    } else if (const auto* t = std::get_if<Table>(&block)) {
      auto row = [&out](const std::vector<std::string>& cells) {
        out += "|";
        for (const auto& cell : cells) out += " " + cell + " |";
        out += "\n";
      };
      row(t->header);
      out += "|";
      for (std::size_t i = 0; i < t->header.size(); ++i) out += i == 0 ? " :--- |" : " ---: |";
      out += "\n";
      for (const auto& r : t->rows) row(r);
    } else if (const auto* f = std::get_if<Figure>(&block)) {
      // Alt text: the caption without code marks, brackets escaped (U[0, 1) would end the text).
      std::string alt;
      for (const char ch : f->caption) {
        if (ch == '`') continue;
        if (ch == '[' || ch == ']') alt += '\\';
        alt += ch;
      }
      out += "![" + alt + "](" + f->file + ")\n\n" + f->caption + "\n";
    }
  }
  return out;
}

constexpr std::string_view kCss = R"(body { font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; } h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
code, pre { font-family: Menlo, Consolas, monospace; font-size: 0.92em; background: #f4f4f4; }
code { padding: 0 0.2em; } pre { padding: 0.6em 0.8em; overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure svg { width: 100%; height: auto; } figcaption { font-size: 0.92em; color: #555; }
)";

std::string render_html(const std::vector<Block>& doc, const std::map<std::string, std::string>& svgs) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    html_escape(kTitle) + "</title>\n<style>\n" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  for (const auto& block : doc) {
    if (const auto* h = std::get_if<Heading>(&block)) {
      const std::string tag = "h" + std::to_string(h->level);
      out += "<" + tag + " id=\"" + slug(h->text) + "\">" + html_inline(h->text) + "</" + tag + ">\n";
    } else if (const auto* p = std::get_if<Paragraph>(&block)) {
      out += "<p>" + html_inline(p->text) + "</p>\n";
    } else if (const auto* c = std::get_if<CodeBlock>(&block)) {
      out += "<pre><code>" + html_escape(c->text) + "</code></pre>\n";
    } else if (const auto* l = std::get_if<BulletList>(&block)) {
      out += "<ul>\n";
      for (const auto& item : l->items) out += "<li>" + html_inline(item) + "</li>\n";
      out += "</ul>\n";
    } else if (const auto* t = std::get_if<Table>(&block)) {
      out += "<table>\n<thead><tr>";
      for (std::size_t i = 0; i < t->header.size(); ++i)
        out += (i == 0 ? "<th>" : "<th class=\"num\">") + html_inline(t->header[i]) + "</th>";
      out += "</tr></thead>\n<tbody>\n";
      for (const auto& r : t->rows) {
        out += "<tr>";
        for (std::size_t i = 0; i < r.size(); ++i)
          out += (i == 0 ? "<td>" : "<td class=\"num\">") + html_inline(r[i]) + "</td>";
        out += "</tr>\n";
      }
      out += "</tbody>\n</table>\n";
    } else if (const auto* f = std::get_if<Figure>(&block)) {
      const std::string stem = f->file.substr(0, f->file.find('.'));
      out += "<figure id=\"" + slug(stem) + "\">\n";
      out += svg_for_inline_html(svgs.at(f->file), slug(stem) + "-");
      if (!out.ends_with('\n')) out += '\n';
      out += "<figcaption>" + html_inline(f->caption) + "</figcaption>\n</figure>\n";
    }
  }
  out += "</body>\n</html>\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plots.

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
    s += (i == 0 ? " " : ", \\\n     ") + std::string("$data index ") + std::to_string(i) +
         " using 1:2 with linespoints lw 2 ps 0.9 lc rgb " +
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

// ---------------------------------------------------------------------------------------------
// The report's content.

bool is_default(const NumericsReportOptions& o) {
  const NumericsReportOptions d = normalise_options(NumericsReportOptions{});
  return o.ks == d.ks && o.m == d.m && o.n == d.n && o.seed == d.seed && o.recipes == d.recipes;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : std::string(sep)) + items[i];
  return out;
}

std::string ks_text(const std::vector<int>& ks) {
  std::vector<std::string> parts;
  parts.reserve(ks.size());
  for (const int k : ks) parts.push_back(std::to_string(k));
  return join(parts, ", ");
}

/// The K of the second table: 4096 when measured, else the largest K.
int detail_k(const NumericsReportOptions& o) {
  return std::find(o.ks.begin(), o.ks.end(), kHeadlineK) != o.ks.end() ? kHeadlineK : o.ks.back();
}

std::string undrawable_note(const std::vector<Series>& series) {
  const auto names = undrawable(series);
  if (names.empty()) return "";
  return " Not drawn (zero error at every K, which a log axis cannot show): " + join(names, ", ") + ".";
}

std::vector<Block> build_document(const NumericsReportTable& t) {
  const NumericsReportOptions& o = t.options;
  std::vector<Block> doc;
  doc.emplace_back(Heading{1, std::string(kTitle)});
  doc.emplace_back(Paragraph{
      "How much error each FP8 GEMM recipe adds while it accumulates, as K grows, and whether codesim's "
      "bit-exact tensor-core model reproduces DeepSeek-V3's observation that Hopper's FP8 accumulation loses "
      "about 2% at K = 4096 and that promoting partial sums to FP32 every 128 elements fixes it. Generated by "
      "codesim; the same options give the same bytes."});

  doc.emplace_back(Heading{2, "What was measured"});
  doc.emplace_back(BulletList{{
      fmt::format("For each recipe, input distribution and K in {{{}}}: A (M × K activations) and B (N × K "
                  "weights) are drawn from one seeded generator (seed {}), quantised to **E4M3** as the recipe "
                  "requires (per-tensor scales for `fast-accum`, 1×128 activation tiles and 128×128 weight "
                  "blocks otherwise; each group's amax maps to 448, rounded to nearest even), and D = A·Bᵀ is "
                  "emulated bit-exactly: **M × N = {} × {}** FP32 outputs per point.",
                  ks_text(o.ks), o.seed, o.m, o.n),
      "The error is measured against the **exact product of the dequantised quantised inputs** (every sum "
      "exact, no rounding), so it is the error of accumulation, promotion and scaling alone; quantisation "
      "error is not counted. Every recipe sees the same draws at a given distribution and K.",
      "Inputs: normal N(0, 1) (zero mean) and uniform U[0, 1) (all positive, where truncation toward zero "
      "becomes a bias instead of averaging out).",
      "Metrics, with R the reference and D the emulated output: `max_abs_err_over_mean_abs_ref` = "
      "`max |D − R| / mean |R|`; `frobenius_rel_err` = `‖D − R‖_F / ‖R‖_F`; `max_elementwise_rel_err` = "
      "`max |D − R| / |R|` over R ≠ 0 (dominated by outputs near zero).",
      "Figures have 3 significant digits; [data.json](data.json) holds them all at full precision.",
  }});

  doc.emplace_back(Heading{2, "Regenerate"});
  doc.emplace_back(CodeBlock{std::string(kRegenerateCommand)});
  if (!is_default(o))
    doc.emplace_back(Paragraph{fmt::format(
        "This report used non-default options (K = {}; M = {}, N = {}; seed {}; recipes {}); the command above "
        "writes the default report.",
        ks_text(o.ks), o.m, o.n, o.seed, join(o.recipes, ", "))});

  doc.emplace_back(Heading{2, "DeepSeek-V3's observation"});
  doc.emplace_back(Paragraph{
      "DeepSeek-V3's technical report (§3.3.2) says that FP8 GEMM accumulation on H800 tensor cores retains "
      "\"around 14 bits\", that for two random matrices with K = 4096 the maximum relative error is \"nearly "
      "2%\", and that copying the tensor core's partial sums to FP32 registers on the CUDA cores every 128 "
      "elements fixes it. It does not say how the error was measured; here it is read as "
      "`max_abs_err_over_mean_abs_ref` with normal inputs, `fast-accum` (the whole K on the tensor core) is "
      "the limited accumulation and `promote:128` the fix."});
  const NumericsHeadline h = t.headline();
  if (h.measured) {
    doc.emplace_back(Paragraph{fmt::format(
        "Measured at K = {}, normal inputs: `fast-accum` **{}** ({}), `promote:128` **{}**; `fast-accum`'s "
        "error is **{}×** that of `promote:128`.",
        kHeadlineK, sci(h.fast_accum), percent(h.fast_accum), sci(h.promote_128), ratio_text(h.ratio))});
    const std::string first =
        h.about_two_percent
            ? fmt::format("This reproduces \"about 2%\" ({} lies within {} to {}, which this report counts as about "
                          "2%)",
                          percent(h.fast_accum), percent(kAboutTwoPercentLow), percent(kAboutTwoPercentHigh))
            : fmt::format("This does not reproduce \"about 2%\" ({} lies outside {} to {}, which this report "
                          "counts as about 2%)",
                          percent(h.fast_accum), percent(kAboutTwoPercentLow), percent(kAboutTwoPercentHigh));
    const std::string second =
        h.ten_times_lower
            ? fmt::format("and promotion every 128 brings the error down by at least 10× ({}×), consistent with "
                          "DeepSeek-V3's statement that promotion fixes it.",
                          ratio_text(h.ratio))
            : fmt::format("and promotion every 128 does not bring the error down by 10× (only {}×).",
                          ratio_text(h.ratio));
    doc.emplace_back(Paragraph{first + ", " + second});
    doc.emplace_back(Paragraph{fmt::format(
        "Both figures are maxima over the {} × {} outputs of one draw, so they move from draw to draw; the "
        "neighbouring K values in the tables below show how much.",
        o.m, o.n)});
  } else {
    doc.emplace_back(Paragraph{fmt::format(
        "Not measured: the check needs `fast-accum` and `promote:128` at K = {} among the options.", kHeadlineK)});
  }

  auto k_header = [&o](std::string first) {
    std::vector<std::string> header{std::move(first)};
    for (const int k : o.ks) header.push_back("K = " + std::to_string(k));
    return header;
  };
  const struct {
    Distribution d;
    std::string_view file;
  } per_distribution[] = {{Distribution::kNormal, kPlotNormal}, {Distribution::kUniform, kPlotUniform}};
  for (const auto& [d, file] : per_distribution) {
    const std::string label = distribution_label(d);
    doc.emplace_back(Heading{2, "Max error over mean reference, " + label});
    doc.emplace_back(Paragraph{"`max_abs_err_over_mean_abs_ref` by recipe and K, " + label + "."});
    Table table{k_header("Recipe"), {}};
    for (const auto& r : t.recipes) {
      std::vector<std::string> row{"`" + r.name + "`"};
      for (const int k : o.ks) row.push_back(sci(t.at(r.name, d, k).max_abs_err_over_mean_abs_ref));
      table.rows.push_back(std::move(row));
    }
    doc.emplace_back(std::move(table));
    doc.emplace_back(Figure{std::string(file), "`max_abs_err_over_mean_abs_ref` against K, " + label + "." +
                                                   undrawable_note(distribution_series(t, d))});
  }

  const int dk = detail_k(o);
  doc.emplace_back(Heading{2, fmt::format("Frobenius and element-wise relative error at K = {}", dk)});
  doc.emplace_back(Paragraph{fmt::format(
      "`frobenius_rel_err` and `max_elementwise_rel_err` at K = {}. The element-wise figure is dominated by "
      "the few outputs closest to zero, where any absolute error is a large relative one.",
      dk)});
  {
    Table table{{"Recipe", "Frobenius, normal", "Frobenius, uniform", "Max element-wise, normal",
                 "Max element-wise, uniform"},
                {}};
    for (const auto& r : t.recipes) {
      const GemmErrorStats& en = t.at(r.name, Distribution::kNormal, dk);
      const GemmErrorStats& eu = t.at(r.name, Distribution::kUniform, dk);
      table.rows.push_back({"`" + r.name + "`", sci(en.frobenius_rel_err), sci(eu.frobenius_rel_err),
                            sci(en.max_elementwise_rel_err), sci(eu.max_elementwise_rel_err)});
    }
    doc.emplace_back(std::move(table));
  }
  doc.emplace_back(Heading{2, "Frobenius relative error against K"});
  doc.emplace_back(Figure{std::string(kPlotFrobenius),
                          "`frobenius_rel_err` against K; solid lines and filled points: normal inputs, dashed "
                          "lines and open points: uniform inputs." +
                              undrawable_note(frobenius_series(t))});

  doc.emplace_back(Heading{2, "Recipes"});
  {
    BulletList list;
    for (const auto& r : t.recipes) list.items.push_back("`" + r.name + "`: " + r.summary + ".");
    doc.emplace_back(std::move(list));
  }

  doc.emplace_back(Heading{2, "Files"});
  doc.emplace_back(BulletList{{
      "[report.md](report.md): this report in Markdown; [index.html](index.html): the same page with the plots "
      "inlined.",
      "[data.json](data.json): every figure at full precision.",
      fmt::format("[{0}]({0}), [{1}]({1}), [{2}]({2}): the plots, drawn by gnuplot.", kPlotNormal, kPlotUniform,
                  kPlotFrobenius),
  }});
  return doc;
}

std::string build_json(const NumericsReportTable& t) {
  using Json = nlohmann::ordered_json;
  const NumericsReportOptions& o = t.options;
  Json j;
  j["report"] = "numerics";
  j["title"] = kTitle;
  j["regenerate"] = kRegenerateCommand;
  j["reference"] = "exact product of the dequantised quantised inputs";
  j["input_format"] = "e4m3";
  j["m"] = o.m;
  j["n"] = o.n;
  j["seed"] = o.seed;
  j["ks"] = o.ks;
  j["distributions"] = Json::array();
  for (const Distribution d : t.distributions) j["distributions"].push_back(numerics::to_string(d));
  j["metrics"] = {
      {"max_abs_err_over_mean_abs_ref", "max |D - R| / mean |R|"},
      {"frobenius_rel_err", "||D - R||_F / ||R||_F"},
      {"max_elementwise_rel_err", "max |D - R| / |R| over R != 0"},
      {"max_abs_err", "max |D - R|"},
      {"mean_abs_ref", "mean |R|"},
  };
  j["recipes"] = Json::array();
  for (const auto& r : t.recipes) {
    j["recipes"].push_back({{"name", r.name},
                            {"summary", r.summary},
                            {"scaling", r.scaling == numerics::GemmScaling::kBlockwise ? "blockwise" : "per-tensor"},
                            {"promote_interval", r.promote_interval},
                            {"scales_in_mma", r.scales_in_mma},
                            {"mma", r.mma.name}});
  }
  j["results"] = Json::array();
  for (const auto& p : t.points) {
    j["results"].push_back({{"recipe", p.recipe},
                            {"distribution", numerics::to_string(p.distribution)},
                            {"k", p.k},
                            {"max_abs_err_over_mean_abs_ref", p.error.max_abs_err_over_mean_abs_ref},
                            {"frobenius_rel_err", p.error.frobenius_rel_err},
                            {"max_elementwise_rel_err", p.error.max_elementwise_rel_err},
                            {"max_abs_err", p.error.max_abs_err},
                            {"mean_abs_ref", p.error.mean_abs_ref}});
  }
  const NumericsHeadline h = t.headline();
  if (h.measured) {
    j["deepseek_v3_observation"] = {{"k", kHeadlineK},
                                    {"distribution", "normal"},
                                    {"metric", "max_abs_err_over_mean_abs_ref"},
                                    {"fast_accum", h.fast_accum},
                                    {"promote_128", h.promote_128},
                                    {"ratio", h.ratio},
                                    {"about_two_percent", h.about_two_percent},
                                    {"about_two_percent_range", {kAboutTwoPercentLow, kAboutTwoPercentHigh}},
                                    {"ten_times_lower", h.ten_times_lower}};
  } else {
    j["deepseek_v3_observation"] = nullptr;
  }
  return j.dump(2) + "\n";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const GemmErrorStats* NumericsReportTable::find(std::string_view recipe, Distribution d, int k) const {
  for (const auto& p : points)
    if (p.recipe == recipe && p.distribution == d && p.k == k) return &p.error;
  return nullptr;
}

const GemmErrorStats& NumericsReportTable::at(std::string_view recipe, Distribution d, int k) const {
  if (const GemmErrorStats* e = find(recipe, d, k)) return *e;
  throw std::out_of_range(fmt::format("numerics report: no point for recipe '{}', {} inputs, K = {}", recipe,
                                      numerics::to_string(d), k));
}

NumericsHeadline NumericsReportTable::headline() const {
  NumericsHeadline h;
  const GemmErrorStats* fast = find(kFastAccum, Distribution::kNormal, kHeadlineK);
  const GemmErrorStats* promoted = find(kPromote128, Distribution::kNormal, kHeadlineK);
  if (fast == nullptr || promoted == nullptr) return h;
  h.measured = true;
  h.fast_accum = fast->max_abs_err_over_mean_abs_ref;
  h.promote_128 = promoted->max_abs_err_over_mean_abs_ref;
  h.ratio = h.promote_128 > 0 ? h.fast_accum / h.promote_128
                              : (h.fast_accum > 0 ? std::numeric_limits<double>::infinity() : 1.0);
  h.about_two_percent = h.fast_accum >= kAboutTwoPercentLow && h.fast_accum <= kAboutTwoPercentHigh;
  h.ten_times_lower = h.ratio >= 10;
  return h;
}

NumericsReportOptions normalise_options(const NumericsReportOptions& options) {
  NumericsReportOptions o = options;
  if (o.m <= 0 || o.n <= 0)
    throw std::invalid_argument(fmt::format("numerics report: M and N must be positive (got M = {}, N = {})", o.m, o.n));
  if (o.threads == 0) throw std::invalid_argument("numerics report: threads must be at least 1");
  if (o.ks.empty()) throw std::invalid_argument("numerics report: no K values");
  if (o.recipes.empty()) throw std::invalid_argument("numerics report: no recipes");
  std::sort(o.ks.begin(), o.ks.end());
  o.ks.erase(std::unique(o.ks.begin(), o.ks.end()), o.ks.end());
  if (o.ks.front() <= 0)
    throw std::invalid_argument(fmt::format("numerics report: K must be positive (got {})", o.ks.front()));
  std::vector<std::string> names;
  for (const auto& text : o.recipes) {
    GemmRecipe r;
    try {
      r = numerics::parse_gemm_recipe(text);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("numerics report: ") + e.what());
    }
    if (std::find(names.begin(), names.end(), r.name) != names.end())
      throw std::invalid_argument("numerics report: recipe '" + r.name + "' is listed twice");
    for (const int k : o.ks)
      if (k % r.k_multiple() != 0)
        throw std::invalid_argument(fmt::format("numerics report: K = {} is not a multiple of {}, as recipe '{}' needs",
                                                k, r.k_multiple(), r.name));
    names.push_back(r.name);
  }
  o.recipes = std::move(names);
  return o;
}

NumericsReportTable compute_numerics_report(const NumericsReportOptions& options) {
  NumericsReportTable t;
  t.options = normalise_options(options);
  t.distributions = {Distribution::kNormal, Distribution::kUniform};
  for (const auto& name : t.options.recipes) t.recipes.push_back(numerics::parse_gemm_recipe(name));
  for (const auto& recipe : t.recipes)
    for (const Distribution d : t.distributions)
      for (const int k : t.options.ks) t.points.push_back(NumericsReportPoint{recipe.name, d, k, {}});

  // The points are independent: workers take them largest K first (the costliest), each run
  // on the remaining threads. Every point's figures are the same whatever thread runs it.
  std::vector<std::size_t> order(t.points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&t](std::size_t a, std::size_t b) { return t.points[a].k > t.points[b].k; });
  const unsigned workers =
      static_cast<unsigned>(std::min<std::size_t>(t.options.threads, std::max<std::size_t>(order.size(), 1)));
  const unsigned inner_threads = std::max(1U, t.options.threads / workers);
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&]() {
    for (std::size_t j = next.fetch_add(1); j < order.size(); j = next.fetch_add(1)) {
      NumericsReportPoint& p = t.points[order[j]];
      const auto recipe_index = static_cast<std::size_t>(order[j] / (t.distributions.size() * t.options.ks.size()));
      try {
        const numerics::GemmProblem problem{t.options.m, t.options.n, p.k, numerics::FloatFormat::e4m3(),
                                            p.distribution, t.options.seed};
        p.error = numerics::run_gemm(problem, t.recipes[recipe_index], inner_threads).error;
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = order.size();  // stop the others early
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
  }
  if (error) std::rethrow_exception(error);
  return t;
}

std::vector<std::string> numerics_report_files() {
  std::vector<std::string> files{std::string(kMarkdown),  std::string(kHtml),         std::string(kJson),
                                 std::string(kPlotNormal), std::string(kPlotUniform), std::string(kPlotFrobenius)};
  std::sort(files.begin(), files.end());
  return files;
}

std::map<std::string, std::string> render_numerics_report(const NumericsReportTable& t) {
  std::map<std::string, std::string> files;
  const std::string ylabel = "max |D - R| / mean |R|";
  files[std::string(kPlotNormal)] =
      render_svg(plot_script("Max error over mean |reference|, normal inputs N(0, 1)", ylabel, t.options.ks,
                             distribution_series(t, Distribution::kNormal)));
  files[std::string(kPlotUniform)] =
      render_svg(plot_script("Max error over mean |reference|, uniform inputs U[0, 1)", ylabel, t.options.ks,
                             distribution_series(t, Distribution::kUniform)));
  files[std::string(kPlotFrobenius)] =
      render_svg(plot_script("Frobenius relative error (solid: normal, dashed: uniform)",
                             "||D - R||_F / ||R||_F", t.options.ks, frobenius_series(t)));
  const std::vector<Block> doc = build_document(t);
  files[std::string(kMarkdown)] = render_markdown(doc);
  files[std::string(kHtml)] = render_html(doc, files);
  files[std::string(kJson)] = build_json(t);
  return files;
}

namespace {
void publish(io::StagingDirectory& staging, const std::map<std::string, std::string>& files) {
  for (const auto& [name, content] : files) staging.write(name, content);
  staging.commit();
}
}  // namespace

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
