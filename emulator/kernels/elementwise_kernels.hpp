#pragma once
// Memory-bound kernels around the FP8 GEMMs, lowered as streaming tile programs: each CTA
// walks a block of rows in column chunks, double-buffered through shared memory, with a
// per-element CUDA-core cost from the instruction count of the operation.
#include <cstdint>
#include <string>

#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/kernels/lowering_features.hpp"

namespace codesim::kernels {

enum class ElementwiseOp {
  kQuantize,         ///< BF16 rows -> E4M3 with one FP32 scale per 1x128 tile
  kSwigluQuantize,   ///< BF16 [gate | up] (2*cols) -> silu(gate)*up as E4M3 + 1x128 scales
  kSwigluBackward,   ///< BF16 grad (cols/2) and saved [gate | up] -> BF16-to-E4M3 grads of both (cols)
  kCastTranspose,    ///< E4M3 1x128 tiles -> dequantised, transposed, re-quantised as 128x1 tiles
};

struct ElementwiseShape {
  std::int64_t rows = 0;
  std::int64_t cols = 0;  ///< output columns
};

/// Throws std::invalid_argument for non-positive sizes or columns not a multiple of 128.
[[nodiscard]] KernelPlan lower_elementwise(const std::string& name, ElementwiseOp op, const ElementwiseShape& shape,
                                           int sms, const LoweringFeatures& features);

/// Attention (or any operator modelled only by its totals): time is the larger of its FLOP at
/// the BF16 tensor rate and its bytes at the HBM bandwidth.
[[nodiscard]] KernelPlan lower_roofline(const std::string& name, double flops, double bytes);

}  // namespace codesim::kernels
