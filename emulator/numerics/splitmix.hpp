#pragma once
// splitmix64 (Steele, Lea and Flood, 2014): the one small generator every seeded draw in the
// project uses, so that a seed gives the same numbers on every platform and in every program.
// Header-only and constexpr: the CUDA programs in reference_gpu call it from device code too
// (they build with --expt-relaxed-constexpr).
#include <cstdint>

namespace codesim::numerics {

inline constexpr std::uint64_t kSplitmixGamma = 0x9E3779B97F4A7C15ULL;

/// The output function: a bijective mix of 64 bits.
constexpr std::uint64_t splitmix_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The next word of the sequence whose state is `state` (advances it).
constexpr std::uint64_t splitmix_next(std::uint64_t& state) { return splitmix_mix(state += kSplitmixGamma); }

/// Uniform in [0, 1) with 53 random bits.
constexpr double splitmix_unit(std::uint64_t& state) {
  return static_cast<double>(splitmix_next(state) >> 11) * 0x1p-53;
}

}  // namespace codesim::numerics
