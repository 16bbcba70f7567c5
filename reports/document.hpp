#pragma once
// A small document model rendered both as Markdown and as a self-contained HTML page, so that
// a report writes its text once and the two forms cannot drift apart. Inline text may use
// `code`, **bold** and [text](link); everything else is literal.
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace codesim::reports::document {

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
/// The first column is text, the others numbers (right-aligned in HTML).
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
struct Figure {
  std::string file;  ///< the SVG's file name
  std::string caption;
};
using Block = std::variant<Heading, Paragraph, CodeBlock, BulletList, Table, Figure>;

/// The document as Markdown; figures link their SVG files.
std::string render_markdown(const std::vector<Block>& doc);

/// The document as one HTML page titled `title`, with every figure's SVG inlined from `svgs`
/// (file name -> SVG text; throws std::out_of_range if a figure's file is missing).
std::string render_html(const std::vector<Block>& doc, std::string_view title,
                        const std::map<std::string, std::string>& svgs);

}  // namespace codesim::reports::document
