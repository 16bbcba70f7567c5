#pragma once
// What a fuzz target accepts from the parser it feeds: a result, or one of the exception types
// the project documents for bad input (the command line turns them into exit status 2) with a
// message of bounded size. Anything else is a finding: another exception type escapes to the
// fuzzer (std::terminate, a crash with its type and message), and an over-long message aborts.
#include <cstddef>
#include <exception>
#include <string_view>

namespace codesim::fuzz {

/// The longest bad-input message accepted. Messages quote at most 80 characters of a value
/// (README, exit status), plus a file name, a field path and a sentence or a list of the
/// names allowed; a message that repeats the input in full is well past this.
inline constexpr std::size_t kMaxMessageBytes = 1024;

/// Prints `why` and `message` (at most kMaxMessageBytes of it) and aborts: a finding.
[[noreturn]] void report_finding(std::string_view why, std::string_view message);

/// Aborts unless `message` is at most kMaxMessageBytes long.
void check_message(std::string_view message);

/// Runs `parse`. An exception of one of the types `Expected` (or derived from one) is the
/// parser's documented answer to bad input: its message is checked and the input accepted.
/// Any other exception propagates.
template <typename... Expected, typename Parse>
void expect_input_errors(Parse&& parse) {
  try {
    parse();
  } catch (const std::exception& e) {
    if (!(... || (dynamic_cast<const Expected*>(&e) != nullptr))) throw;
    check_message(e.what());
  }
}

}  // namespace codesim::fuzz
