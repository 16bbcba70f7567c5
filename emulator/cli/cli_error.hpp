#pragma once
// Errors the command line reports to the user: a message naming the file, line, field or
// option and the bad value, and exit status 2.
#include <stdexcept>
#include <string>

namespace codesim::cli {

inline constexpr int kExitBadInput = 2;

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A comparison that ran and found mismatches (exit status 1, after its results are printed).
inline constexpr int kExitMismatch = 1;

class ComparisonMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace codesim::cli
