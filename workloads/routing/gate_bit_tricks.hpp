#pragma once
// Bit helpers shared by the DeepSeek-V3 gate's implementations, written so that the baseline
// x86-64 target (no BMI1, no POPCNT) needs neither a branch nor a library call.
#include <bit>
#include <cstdint>

namespace codesim::workloads {

/// The lowest set bit of `mask`, or 31 if there is none. std::countr_zero must return 32
/// for zero, which without BMI1 (not in baseline x86-64) costs a branch on the data; with
/// bit 31 set the instruction is never asked about zero.
inline int first_bit(std::uint32_t mask) { return std::countr_zero(mask | 0x80000000U); }

/// std::popcount without the POPCNT instruction (not in baseline x86-64, where GCC calls a
/// library function for it): the classic parallel bit count.
inline int bit_count(std::uint32_t x) {
  x = x - ((x >> 1) & 0x55555555U);
  x = (x & 0x33333333U) + ((x >> 2) & 0x33333333U);
  x = (x + (x >> 4)) & 0x0F0F0F0FU;
  return static_cast<int>((x * 0x01010101U) >> 24);
}

}  // namespace codesim::workloads
