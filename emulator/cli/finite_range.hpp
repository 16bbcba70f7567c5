#pragma once
// The range check for floating-point options. CLI11's CLI::Range tests `x < lo || x > hi`,
// which every comparison with NaN fails, so "--skew nan" passed a [0, 16] check and reached
// the model. This one accepts only a finite number inside [lo, hi]; the option and the value
// (at most io::kMaxQuotedChars of it) are named in the error, and the command exits with 2.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "emulator/io/json_fields.hpp"

namespace codesim::cli {

[[nodiscard]] inline CLI::Validator finite_range(double lo, double hi) {
  const std::string range = fmt::format("[{}, {}]", lo, hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        double x = 0.0;
        const bool parsed = CLI::detail::lexical_cast(text, x);
        if (parsed && std::isfinite(x) && x >= lo && x <= hi) return {};
        return fmt::format("'{}' is not a finite number in {}", io::bounded_quote(text), range);
      },
      "FINITE in " + range);
}

}  // namespace codesim::cli
