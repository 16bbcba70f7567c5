#pragma once
// FP8 matrices decoded once into the forms the GEMM inner loops need, so that a tensor-core
// step costs a few arithmetic instructions per product instead of a decode.
#include <cstdint>
#include <vector>

#include "emulator/numerics/float_format.hpp"

namespace codesim::numerics {

/// Alignment exponent given to zeros: low enough that a zero product never sets the block
/// maximum, even against the smallest FP32 accumulator exponent (-126).
inline constexpr std::int16_t kZeroAlignment = -2000;

/// A row-major rows x cols matrix of FP8 codes with, per element: its exact value as a
/// float, its alignment exponent (numerics.md §2.2), and its signed integer significand
/// and lowest-bit exponent (value = significand * 2^lsb).
struct DecodedFp8 {
  int rows = 0;
  int cols = 0;
  FloatFormat format;
  std::vector<std::uint8_t> bits;
  std::vector<float> value;
  std::vector<std::int16_t> alignment;
  std::vector<std::int16_t> significand;
  std::vector<std::int8_t> lsb;
  /// Lowest possible lowest-bit exponent of a product of two codes of this format.
  int product_lsb_min = 0;

  DecodedFp8() = default;
  DecodedFp8(int rows_, int cols_, const FloatFormat& fmt, std::vector<std::uint8_t> codes);
};

}  // namespace codesim::numerics
