#pragma once
// Drawing plots with gnuplot (found on PATH) into SVG text.
//
// gnuplot runs with -d (no init files, so a user's ~/.gnuplot cannot change the plots) and
// LC_ALL=C; its SVG output carries no date, so the same script gives the same bytes.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace codesim::reports {

/// The terminal every report plot uses (prepended by render_svg).
inline constexpr std::string_view kSvgTerminal = "set terminal svg size 900,560 dynamic enhanced font 'Helvetica,13'";

/// The gnuplot executable: `program` itself if it contains a '/', otherwise the first
/// executable file of that name on PATH. nullopt when there is none.
std::optional<std::filesystem::path> find_gnuplot(std::string_view program = "gnuplot");

/// Runs gnuplot on kSvgTerminal followed by `script` (which must not `set output`: the SVG is
/// read from gnuplot's standard output) and returns the SVG. Throws std::runtime_error when
/// gnuplot is not found (saying how to install it), when it fails (with its stderr), or when
/// it writes no SVG.
std::string render_svg(std::string_view script, std::string_view program = "gnuplot");

/// Quotes `text` as a gnuplot double-quoted string literal.
std::string gnuplot_quote(std::string_view text);

/// Prepares a gnuplot SVG for inlining in an HTML page: drops the XML declaration and prefixes
/// every id (and every reference to one: href='#..', url(#..)) with `id_prefix`, so that
/// several plots on one page do not share ids.
std::string svg_for_inline_html(std::string_view svg, std::string_view id_prefix);

}  // namespace codesim::reports
