#pragma once
// GEMM recipes: how an FP8 GEMM is quantised, accumulated on the tensor core, promoted and
// scaled (numerics.md §4). A recipe is a value; proposals build the ones they need.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/numerics/block_fma.hpp"

namespace codesim::numerics {

enum class GemmScaling {
  kPerTensor,  ///< one scale per tensor
  kBlockwise,  ///< DeepSeek-V3: 1x128 tiles for A (activations), 128x128 blocks for B (weights)
};

/// K elements per scale group for blockwise scaling, and the FP8 MMA instruction's K.
inline constexpr int kScaleGroup = 128;
inline constexpr int kMmaK = 32;

struct GemmRecipe {
  std::string name;     ///< canonical spelling, e.g. "promote:128"
  std::string summary;  ///< one line for tables and reports
  BlockFmaConfig mma;   ///< tensor-core arithmetic of one MMA instruction (K = 32)
  GemmScaling scaling = GemmScaling::kBlockwise;
  /// K elements accumulated on the tensor core before the partial sum is scaled and added
  /// into an FP32 register on the CUDA cores (one FFMA); 0: never (whole K on the tensor core).
  int promote_interval = 0;
  /// tc-group-scaling: the MMA takes the group scales and applies them inside the fused add.
  bool scales_in_mma = false;

  /// K must be a multiple of this: whole scale groups (blockwise), whole promotion intervals
  /// and whole MMAs, all powers of two that divide 128. A K that is not would be read past its end.
  [[nodiscard]] int k_multiple() const {
    return std::max(scaling == GemmScaling::kBlockwise ? kScaleGroup : kMmaK, promote_interval);
  }
};

/// fast-accum: per-tensor scales, the whole K chained through Hopper's FP22 accumulator.
GemmRecipe fast_accum_recipe();
/// promote:N: DeepGEMM's recipe, FP22 partial sums promoted into FP32 every N elements
/// (N in {32, 64, 128}) with the 1x128 / 128x128 scales applied on promotion.
GemmRecipe promote_recipe(int interval);
/// tc-full-accum: the tensor core sums 32 products and C exactly and rounds to nearest FP32;
/// promotion every 128 remains only to apply the blockwise scales.
GemmRecipe full_accum_recipe();
/// accum-bits:N: promote:128 with N fractional bits kept at alignment instead of 13 (the
/// result is truncated to min(N, 23) fraction bits).
GemmRecipe accum_bits_recipe(int bits);
/// tc-group-scaling[:N]: the MMA takes the 1x128 / 128x128 scales, multiplies each product
/// by sa*sb exactly (its alignment exponent grows by the scales' exponents) and fuses the
/// scaled products with C, so the whole K stays on the tensor core. The fused add is exact
/// then rounded to nearest FP32, or keeps N fractional bits and truncates each term (N = 13
/// is Hopper's datapath).
GemmRecipe group_scaling_recipe(int bits = kExactAlignment);

/// Parses fast-accum, promote:N, tc-full-accum, accum-bits:N, tc-group-scaling[:N].
/// Throws std::invalid_argument naming the bad part and listing the valid forms.
GemmRecipe parse_gemm_recipe(std::string_view text);
/// The forms parse_gemm_recipe accepts, for help texts.
std::vector<std::string> gemm_recipe_forms();

}  // namespace codesim::numerics
