#include "reports/document.hpp"

#include <fmt/format.h>

#include "reports/gnuplot.hpp"

namespace codesim::reports::document {
namespace {

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

/// An HTML id from heading or file text: lower-case letters and digits, every other run as one '-'.
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

/// Inlined in the page, so that the page is one self-contained file.
constexpr std::string_view kCss = R"(body { font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; } h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
code, pre { font-family: Menlo, Consolas, monospace; font-size: 0.92em; background: #f4f4f4; }
code { padding: 0 0.2em; } pre { padding: 0.6em 0.8em; overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure svg { width: 100%; height: auto; } figcaption { font-size: 0.92em; color: #555; }
)";

}  // namespace

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

std::string render_html(const std::vector<Block>& doc, std::string_view title,
                        const std::map<std::string, std::string>& svgs) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    html_escape(title) + "</title>\n<style>\n" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  for (const auto& block : doc) {
    if (const auto* h = std::get_if<Heading>(&block)) {
      const std::string tag = fmt::format("h{}", h->level);  // not "h" + std::string: GCC 12 bug 105329
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

}  // namespace codesim::reports::document
