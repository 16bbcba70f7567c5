#pragma once
// Emulated FP8 GEMM D = A * B^T (A: M x K activations, B: N x K weights, as DeepGEMM's NT
// layout) under a recipe, with its error measured against the exact product of the
// dequantised quantised inputs.
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/numerics/float_format.hpp"
#include "emulator/numerics/fp8_operand.hpp"
#include "emulator/numerics/gemm_recipe.hpp"

namespace codesim::numerics {

enum class Distribution {
  kNormal,   ///< N(0, 1)
  kUniform,  ///< U[0, 1): all positive, where truncation toward zero becomes a bias
};
std::string to_string(Distribution d);

struct GemmProblem {
  int m = 64;
  int n = 64;
  int k = 4096;
  FloatFormat input = FloatFormat::e4m3();
  Distribution distribution = Distribution::kNormal;
  std::uint64_t seed = 1;
};

/// An FP8 matrix with its scale factors. scales[(r / group_rows) * scale_cols + c / group_cols]
/// dequantises element (r, c): value = code * scale.
struct QuantisedMatrix {
  DecodedFp8 data;
  int group_rows = 0;
  int group_cols = 0;
  int scale_cols = 0;
  std::vector<float> scales;
  [[nodiscard]] float scale(int r, int c) const {
    return scales[static_cast<std::size_t>(r / group_rows) * static_cast<std::size_t>(scale_cols) +
                  static_cast<std::size_t>(c / group_cols)];
  }
};

/// Quantises a row-major matrix in groups of group_rows x group_cols: each group's amax
/// (at least 1e-4, as DeepGEMM clamps it) maps to the format's largest finite value;
/// codes are x * (max / amax) rounded to nearest even with saturation.
QuantisedMatrix quantise(const std::vector<float>& x, int rows, int cols, int group_rows, int group_cols,
                         const FloatFormat& fmt);

/// Deterministic draw of a row-major matrix (the same seed gives the same values on every
/// platform: the generator and the transforms are written out here).
std::vector<float> draw_matrix(int rows, int cols, Distribution d, std::uint64_t& state);

struct GemmErrorStats {
  double max_abs_err_over_mean_abs_ref = 0;  ///< max |D - R| / mean |R|
  double frobenius_rel_err = 0;              ///< ||D - R||_F / ||R||_F
  double max_elementwise_rel_err = 0;        ///< max |D - R| / |R| over R != 0
  double max_abs_err = 0;
  double mean_abs_ref = 0;
};

struct GemmResult {
  GemmErrorStats error;
  std::vector<float> output;      ///< D, FP32, row-major M x N
  std::vector<double> reference;  ///< R rounded to double (the error itself is computed exactly)
};

/// Draws A and B (A first, from one generator), quantises them as the recipe requires,
/// emulates the recipe and measures the error. Uses up to `threads` threads; the result does
/// not depend on the thread count. Throws std::invalid_argument for impossible shapes.
GemmResult run_gemm(const GemmProblem& problem, const GemmRecipe& recipe, unsigned threads = 1);

/// The recipe's output alone on already quantised operands (A: M x K, B: N x K). Throws
/// std::invalid_argument when A and B differ in K or K is not a multiple of recipe.k_multiple().
std::vector<float> emulate_gemm(const QuantisedMatrix& a, const QuantisedMatrix& b, const GemmRecipe& recipe,
                                unsigned threads = 1);

}  // namespace codesim::numerics
