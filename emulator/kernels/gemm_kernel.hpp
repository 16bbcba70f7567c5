#pragma once
// FP8 GEMM with DeepSeek-V3's fine-grained scaling, lowered the way DeepGEMM runs it on
// Hopper: D (BF16) = A (M x K, E4M3, 1x128 scales) * B^T (N x K, E4M3, 128x128 scales);
// BLOCK_K = 128; TMA loads into a multi-stage shared-memory ring; WGMMA on one or two math
// warpgroups; the tensor-core partial sum promoted into FP32 registers on CUDA cores every
// 128 of K; persistent CTAs, one per SM; optional TMA multicast of one operand to a pair of
// CTAs. Dense, grouped with contiguous layout (groups concatenated along M, each padded to
// BLOCK_M) and grouped with masked layout (a fixed slot per group, only its rows computed).
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/kernels/lowering_features.hpp"

namespace codesim::kernels {

enum class GemmLayout { kDense, kContiguous, kMasked };

struct GemmShape {
  std::vector<std::int64_t> m;  ///< rows per group (one entry for a dense GEMM)
  std::int64_t n = 0;
  std::int64_t k = 0;
  GemmLayout layout = GemmLayout::kDense;
};

struct GemmTiling {
  int block_m = 0;
  int block_n = 0;
  int stages = 0;
  int multicast = 1;          ///< CTAs sharing one TMA load (1 or 2)
  bool multicast_on_a = true; ///< which operand is multicast
  std::int64_t tiles = 0;     ///< output tiles
  int waves = 0;              ///< ceil(tiles / SMs)
  int ctas = 0;               ///< persistent CTAs launched
  std::uint32_t smem_bytes = 0;
};

/// Throws std::invalid_argument naming the field for shapes that cannot run (non-positive
/// sizes, no groups, K not a multiple of 128, N not a multiple of 8, contiguous groups not
/// padded to 128 rows).
void check_gemm_shape(const GemmShape& shape);

/// DeepGEMM's configuration rule, restated: among BLOCK_M in {64, 128} (contiguous: 128) and
/// BLOCK_N in {16, 24, ..., 128, 144, 160}, the fewest waves over the SMs; then the fullest
/// last wave; then less padding (the smaller block when the other is equal), else the wider
/// BLOCK_N. The deepest pipeline (8 down
/// to 3 stages) that fits shared memory; multicast of 2 when M >= 512 and the pairing divides.
[[nodiscard]] GemmTiling choose_gemm_tiling(const GemmShape& shape, int sms, int shared_memory_per_block);

/// Output tiles of a shape under a tiling's block sizes (the grid before persistence).
[[nodiscard]] std::int64_t gemm_tile_count(const GemmShape& shape, int block_m, int block_n);

[[nodiscard]] KernelPlan lower_fp8_gemm(const std::string& name, const GemmShape& shape, const GemmTiling& tiling,
                                        const LoweringFeatures& features);

/// FLOP and bytes as DeepGEMM's benchmark counts them: 2*M*N*K per group; A and B in FP8
/// once (B once per group) and D in BF16 once; scales not counted.
[[nodiscard]] double gemm_useful_flops(const GemmShape& shape);
[[nodiscard]] double gemm_nominal_bytes(const GemmShape& shape);

}  // namespace codesim::kernels
