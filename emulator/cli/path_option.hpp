#pragma once
// A path option given as an empty string ("--out ''"): a script's unset variable, never a
// choice. Without this check an empty --out would write into the current folder and an empty
// --trace would be taken as "no trace", both silently; with it, exit status 2 names the option.
#include <CLI/CLI.hpp>

#include <string>

namespace codesim::cli {

[[nodiscard]] inline CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](const std::string& value) {
        return value.empty() ? std::string("an empty path names no file or folder: give one") : std::string();
      },
      "PATH");
}

}  // namespace codesim::cli
