#pragma once
// 128-bit integers for exact fixed-point sums. GCC's __int128 is an extension; the
// typedefs keep -Wpedantic quiet in one place.
#include <bit>
#include <cstdint>

namespace codesim::numerics {

__extension__ typedef unsigned __int128 UInt128;
__extension__ typedef __int128 Int128;

/// Index of the highest set bit (0-based); x must be non-zero.
inline int highest_bit(UInt128 x) {
  const auto hi = static_cast<std::uint64_t>(x >> 64);
  if (hi != 0) return 127 - std::countl_zero(hi);
  return 63 - std::countl_zero(static_cast<std::uint64_t>(x));
}

}  // namespace codesim::numerics
