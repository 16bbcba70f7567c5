#pragma once
// Host interface of the wgmma dot-product kernel (wgmma_probe_kernel.cu).
//
// Each dot product is one test. A CTA (one warpgroup) takes T = min(64, N) consecutive tests and
// places them on the diagonal of one m64nNk instruction: row i of A is test i's a, row i of B (N x K,
// K-major) is test i's b, so D[i][i] is test i's result; every other row of A and B is zero. K longer
// than one instruction (32 for FP8, 16 for BF16) chains instructions in K order on the same
// accumulator registers, as the emulator's BlockFmaModel::dot does. With c, D[i][i] starts at c[i]
// (all other accumulators at 0) and every instruction uses scale-d = 1; without c, the accumulators
// start as NaN and the first instruction uses scale-d = 0 (C ignored), the later ones scale-d = 1.
#include <cstdint>
#include <string>
#include <vector>

#include "reference_gpu/probe/exact_formats.cuh"

namespace codesim::reference::probe {

/// The instruction N values the probe can issue.
inline constexpr int kWgmmaNs[] = {8, 16, 32, 64, 128, 256};

/// K of one instruction: 32 for FP8, 16 for BF16 (both 32 bytes per row).
inline int instruction_k(OperandFormat f) { return f == OperandFormat::bf16 ? 16 : 32; }

struct DotProductBatch {
  OperandFormat format = OperandFormat::e4m3;
  int k = 0;                      ///< values per test, a multiple of instruction_k(format)
  int rows = 0;                   ///< number of tests
  std::vector<std::uint8_t> a;    ///< rows x k operand codes (little-endian half-words for BF16), row-major
  std::vector<std::uint8_t> b;
  std::vector<float> c;           ///< rows accumulator inputs, or empty (scale-d 0 on the first instruction)
};

struct DotProductResult {
  std::vector<std::uint32_t> d;   ///< rows FP32 results, as bit patterns
  std::vector<float> first_tile;  ///< CTA 0's whole 64 x N accumulator, row-major (when asked for)
};

/// Runs every test of `batch` on the GPU with m64nNk instructions. Throws std::invalid_argument for
/// an N that is not in kWgmmaNs or sizes that do not match, std::runtime_error on a CUDA failure.
DotProductResult run_wgmma_dot_products(const DotProductBatch& batch, int n, bool capture_first_tile);

/// The PTX instruction the probe issues for a format and N, for reports.
std::string wgmma_instruction_name(OperandFormat f, int n);

}  // namespace codesim::reference::probe
