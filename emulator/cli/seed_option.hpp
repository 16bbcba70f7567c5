#pragma once
// A seed option: an unsigned 64-bit decimal number, checked as text before CLI11 converts it.
// CLI11 reads unsigned numbers through strtoull, which takes "-1" as 2^64 - 1 and clamps 2^64
// or a 23-digit number to the same value, so every one of those would silently run with the
// same seed; with this check each exits with status 2 naming the option and the value.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <string>

namespace codesim::cli {

[[nodiscard]] inline CLI::Validator unsigned_64_bit_decimal() {
  return CLI::Validator(
      [](const std::string& value) {
        std::uint64_t parsed = 0;
        const char* const end = value.data() + value.size();
        const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
        const auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
        if (digits && ec == std::errc() && ptr == end) return std::string();
        return std::string("must be a whole number from 0 to 18446744073709551615");
      },
      "UINT64");
}

/// `app`'s --seed option, read into `seed`, its default shown in the help.
inline CLI::Option* add_seed_option(CLI::App* app, std::uint64_t& seed, const std::string& description) {
  return app->add_option("--seed", seed, description)->check(unsigned_64_bit_decimal())->capture_default_str();
}

}  // namespace codesim::cli
