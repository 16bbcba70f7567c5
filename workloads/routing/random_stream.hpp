#pragma once
// A counter-based random stream: splitmix64 started from a hash of (seed, stream index), so
// token t's numbers never depend on how many numbers other tokens used.
#include <cmath>
#include <cstdint>

namespace codesim::workloads {

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t stream) : state_(mix(seed ^ mix(stream + 0x632BE59BD9B4E019ULL))) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in (0, 1): never 0, so logarithms are finite.
  double next_open_unit() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1p-53; }
  /// Standard Gumbel: -ln(-ln U).
  double next_gumbel() { return -std::log(-std::log(next_open_unit())); }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace codesim::workloads
