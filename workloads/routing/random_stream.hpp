#pragma once
// A counter-based random stream: splitmix64 started from a hash of (seed, stream index), so
// token t's numbers never depend on how many numbers other tokens used. Word i of a stream is
// mix(state + (i + 1) * gamma), so words can also be computed out of order (and vectorised).
#include <cmath>
#include <cstdint>

#include "emulator/numerics/splitmix.hpp"

namespace codesim::workloads {

class RandomStream {
 public:
  static constexpr std::uint64_t kGamma = numerics::kSplitmixGamma;

  RandomStream(std::uint64_t seed, std::uint64_t stream) : state_(mix(seed ^ mix(stream + 0x632BE59BD9B4E019ULL))) {}

  std::uint64_t next_u64() { return mix(state_ += kGamma); }
  /// Uniform in (0, 1): never 0, so logarithms are finite.
  double next_open_unit() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1p-53; }
  /// Standard Gumbel: -ln(-ln U).
  double next_gumbel() { return -std::log(-std::log(next_open_unit())); }

  /// The state: next_u64() returns word_at(state(), 0), then word_at(state(), 1), ...
  [[nodiscard]] std::uint64_t state() const { return state_; }
  /// Advances the stream by `n` words, as n calls of next_u64() would.
  void skip(std::uint64_t n) { state_ += n * kGamma; }
  /// Word i (from 0) of the stream whose state is `state`.
  static std::uint64_t word_at(std::uint64_t state, std::uint64_t i) { return mix(state + (i + 1) * kGamma); }

  /// splitmix64's output function.
  static constexpr std::uint64_t mix(std::uint64_t z) { return numerics::splitmix_mix(z); }

 private:
  std::uint64_t state_;
};

}  // namespace codesim::workloads
