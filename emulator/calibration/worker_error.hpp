#pragma once
// An exception crossing from a forked worker to its parent as bytes: one byte for its kind,
// then its message. Bad input (std::invalid_argument, which io::WorkLimitError is) stays bad
// input on the parent's side, so a work limit a worker meets exits 2 as it would in a serial
// run, instead of turning into an internal error.
#include <exception>
#include <stdexcept>
#include <string>

namespace codesim::calibration {

[[nodiscard]] inline std::string encode_worker_error(const std::exception& e) {
  const bool bad_input = dynamic_cast<const std::invalid_argument*>(&e) != nullptr;
  const std::string what = e.what();
  return (bad_input ? "i" : "r") + (what.empty() ? std::string("unknown error") : what);
}

/// Throws what encode_worker_error() encoded.
[[noreturn]] inline void throw_worker_error(const std::string& encoded) {
  const std::string message = encoded.size() > 1 ? encoded.substr(1) : std::string("unknown error");
  if (!encoded.empty() && encoded[0] == 'i') throw std::invalid_argument(message);
  throw std::runtime_error(message);
}

}  // namespace codesim::calibration
