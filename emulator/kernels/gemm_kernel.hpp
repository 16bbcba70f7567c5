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
#include <string_view>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/kernels/lowering_features.hpp"

namespace codesim::kernels {

enum class GemmLayout { kDense, kContiguous, kMasked };

/// Which DeepGEMM release the lowering reproduces. Its configuration rule and its epilogue
/// changed between the first release, which produced the first published tables (M=64 and
/// M=128 dense rows, the grouped rows), and the April 2025 update, which produced the
/// re-measured M=4096 dense rows (../shared/reference/README.md section 2.1).
enum class GemmKernelGeneration {
  /// DeepGEMM a6d97a1 (2025-02-25): BLOCK_M 64 only for M <= 64, else 128; BLOCK_N 16..128;
  /// ties to the larger BLOCK_M, then the smaller BLOCK_N; 8..4 stages (6..4 when 128 is not
  /// a multiple of BLOCK_N); multicast of A to 2 CTAs when M >= 1024 for one group; all SMs;
  /// the epilogue writes the tile unswizzled (stmatrix bank conflicts) and waits for its TMA
  /// store at once.
  kDeepGemm2025Feb,
  /// DeepGEMM a9967bc (2025-04-09): BLOCK_M {64, 128} for M > 64; BLOCK_N up to 160; ties to
  /// less padding, else the wider BLOCK_N; multicast of A or B (the larger block's side
  /// first) when M >= 512; the fewest SMs that keep the waves; swizzled epilogue whose TMA
  /// store drains under the next tile's main loop.
  kDeepGemm2025Apr,
};

/// "deepgemm-2025-02" or "deepgemm-2025-04"; throws std::invalid_argument naming the value.
[[nodiscard]] GemmKernelGeneration parse_gemm_kernel_generation(std::string_view name);
[[nodiscard]] std::string_view gemm_kernel_generation_name(GemmKernelGeneration g);

struct GemmShape {
  std::vector<std::int64_t> m;  ///< rows per group (one entry for a dense GEMM)
  std::int64_t n = 0;
  std::int64_t k = 0;
  GemmLayout layout = GemmLayout::kDense;
};

struct GemmTiling {
  GemmKernelGeneration generation = GemmKernelGeneration::kDeepGemm2025Apr;
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

/// DeepGEMM's configuration rule of the given release, restated (see GemmKernelGeneration):
/// the fewest waves over the SMs, then the fullest last wave, then the release's tie rule;
/// the deepest pipeline that fits shared memory; its multicast rule.
[[nodiscard]] GemmTiling choose_gemm_tiling(const GemmShape& shape, int sms, int shared_memory_per_block,
                                            GemmKernelGeneration generation = GemmKernelGeneration::kDeepGemm2025Apr);

/// Bank-conflict factor of writing a BLOCK_N-wide BF16 tile into shared memory with
/// unswizzled stmatrix.x4 (rows BLOCK_N * 2 bytes apart): the wavefronts a write needs over
/// the conflict-free minimum. 1 for a swizzled layout.
[[nodiscard]] double stmatrix_conflict_factor(int block_n);

/// Output tiles of a shape under a tiling's block sizes (the grid before persistence).
[[nodiscard]] std::int64_t gemm_tile_count(const GemmShape& shape, int block_m, int block_n);

[[nodiscard]] KernelPlan lower_fp8_gemm(const std::string& name, const GemmShape& shape, const GemmTiling& tiling,
                                        const LoweringFeatures& features);

/// The chunks of the last group's B nearest its end, at most `bytes` of them, in address order
/// (the newest last): what a benchmark that has just written B leaves in L2.
[[nodiscard]] std::vector<ChunkRef> gemm_b_tail_chunks(const GemmShape& shape, const GemmTiling& tiling, double bytes);

/// The bytes of the last group's B as its chunks carry them (scales included).
[[nodiscard]] double gemm_last_b_bytes(const GemmShape& shape, const GemmTiling& tiling);

/// FLOP and bytes as DeepGEMM's benchmark counts them: 2*M*N*K per group; A and B in FP8
/// once (B once per group) and D in BF16 once; scales not counted.
[[nodiscard]] double gemm_useful_flops(const GemmShape& shape);
[[nodiscard]] double gemm_nominal_bytes(const GemmShape& shape);

}  // namespace codesim::kernels
