#include "fuzz/support/input_errors.hpp"

#include <cstdio>
#include <cstdlib>

namespace codesim::fuzz {

void report_finding(std::string_view why, std::string_view message) {
  std::fprintf(stderr, "codesim fuzz finding: %.*s\n", static_cast<int>(why.size()), why.data());
  const std::size_t shown = message.size() < kMaxMessageBytes ? message.size() : kMaxMessageBytes;
  std::fprintf(stderr, "message (%zu bytes): %.*s\n", message.size(), static_cast<int>(shown), message.data());
  std::abort();
}

void check_message(std::string_view message) {
  // CODESIM_FUZZ_VERBOSE=1 prints every refusal: to see which seeds a parser accepts.
  static const bool verbose = std::getenv("CODESIM_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %.*s\n", static_cast<int>(message.size()), message.data());
  if (message.size() > kMaxMessageBytes)
    report_finding("a bad-input message longer than codesim::fuzz::kMaxMessageBytes (unbounded quote of the input?)",
                   message);
}

}  // namespace codesim::fuzz
