#pragma once
// Inputs for parsers that only take a path (a file in a library this folder must not change,
// or a format that is a folder of files): the fuzz input written to a temporary folder that
// belongs to the process, emptied before each input and removed at exit.
//
// A bundle is one fuzz input holding several files, each started by a line "--- NAME"; the
// bytes up to the next such line (without the line break before it) are the file's content.
// NAME is a plain file name ([A-Za-z0-9_.-], at most 64 characters, not "." or ".."); a
// section with any other name, and bytes before the first section, are dropped.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace codesim::fuzz {

/// The process's scratch folder (created under $TMPDIR or /tmp on first use), emptied.
[[nodiscard]] const std::filesystem::path& fresh_scratch_folder();

/// Writes `bytes` to a regular file `name` in `folder`; returns its path.
std::filesystem::path write_file(const std::filesystem::path& folder, const std::string& name, std::string_view bytes);

/// The files of a bundle, in input order (a repeated name: the last one wins when written).
[[nodiscard]] std::vector<std::pair<std::string, std::string_view>> split_bundle(std::string_view input);

/// The bundle's files written to fresh_scratch_folder(); returns that folder.
const std::filesystem::path& write_bundle(std::string_view input);

/// The fuzz input as text.
[[nodiscard]] inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A target whose input's first line holds the command's options: that line as a stream of
/// words, and the rest as the command's text input; nothing when there is no line break.
struct OptionsAndText {
  std::istringstream options;
  std::istringstream text;
};
[[nodiscard]] inline std::optional<OptionsAndText> options_and_text(std::string_view input) {
  const auto nl = input.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  return OptionsAndText{std::istringstream{std::string(input.substr(0, nl))},
                        std::istringstream{std::string(input.substr(nl + 1))}};
}

}  // namespace codesim::fuzz
