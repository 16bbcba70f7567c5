#pragma once
// One FP8 tensor-core step (32 products + C) on decoded operands, choosing the fastest
// implementation that is bit-identical to BlockFmaModel::fused_block for the model:
//  - truncating models (frac_bits <= 44, RZ to an e8mX result): products and the scaled C
//    are formed in float/double, where every value involved is exact, and truncated by
//    the hardware conversion to integer, which rounds toward zero exactly as the model's
//    sign-magnitude truncation does;
//  - exact alignment rounded to nearest FP32: the exact product sum as an integer, combined
//    with C in 128-bit arithmetic and rounded once;
//  - everything else (exact alignment, other roundings, rare exponent ranges) goes through
//    BlockFmaModel itself.
#include <cstdint>

#include "emulator/numerics/block_fma.hpp"
#include "emulator/numerics/fp8_operand.hpp"

namespace codesim::numerics {

/// s * 2^s_lsb + c rounded once to nearest-even FP32 (exact: no intermediate rounding).
float exact_sum_rne(Int128 s, int s_lsb, float c);

class Fp8MmaStep {
 public:
  explicit Fp8MmaStep(const BlockFmaModel& model);

  /// c + sum over k < n of a[k]*b[k], as the model computes it. `a` and `b` point at the
  /// same element index of two DecodedFp8 matrices of the model's input format.
  [[nodiscard]] float operator()(const DecodedFp8& a, std::size_t a_index, const DecodedFp8& b,
                                 std::size_t b_index, int n, float c) const;

  /// The exact sum of n products as an integer multiple of 2^product_lsb_min.
  [[nodiscard]] static Int128 exact_product_sum(const DecodedFp8& a, std::size_t a_index, const DecodedFp8& b,
                                                std::size_t b_index, int n);

  [[nodiscard]] const BlockFmaModel& model() const { return model_; }

 private:
  enum class Path { kFloat, kDouble, kExactRne, kModel };
  [[nodiscard]] float one_block(const DecodedFp8& a, std::size_t a_index, const DecodedFp8& b,
                                std::size_t b_index, int n, float c) const;
  [[nodiscard]] float via_model(const DecodedFp8& a, std::size_t a_index, const DecodedFp8& b,
                                std::size_t b_index, int n, float c) const;

  const BlockFmaModel& model_;
  Path path_;
  int frac_bits_;
  int keep_bits_;
};

}  // namespace codesim::numerics
