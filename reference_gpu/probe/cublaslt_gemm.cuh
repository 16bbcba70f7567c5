#pragma once
// cuBLASLt FP8 GEMMs for the numerics runs (cublaslt_numerics_gemm.cu).
//
// Our case: D = A * B^T, A (M x K) activations and B (N x K) weights, FP8 codes row-major, D M x N
// FP32 row-major. cuBLASLt is column-major, so it computes the same memory as D^T = B * A^T (N x M
// column-major): cuBLAS's "A" is our B (a K x N column-major array, ld K, used transposed: TRANSA = T)
// and cuBLAS's "B" is our A (K x M column-major, ld K, TRANSB = N); m = N, n = M, k = K. This is the
// TN layout Hopper's FP8 kernels require (numerics.md §6.1). Scale modes and scale layouts are
// therefore given for cuBLAS's A = our weights and cuBLAS's B = our activations.
#include <cublasLt.h>

#include <cstdint>
#include <string>
#include <vector>

#include "reference_gpu/common/gemm_case_files.hpp"
#include "reference_gpu/probe/device_buffer.cuh"

namespace codesim::reference::probe {

enum class GemmMode {
  fast_accum,     ///< per-tensor scales, CUBLASLT_MATMUL_DESC_FAST_ACCUM = 1
  split_accum,    ///< per-tensor scales, FAST_ACCUM = 0 (periodic promotion)
  vec128_blk128,  ///< activations VEC128_32F (1 x 128), weights BLK128x128_32F, FAST_ACCUM = 0
  vec128_vec128,  ///< both VEC128_32F, the weights' block scales repeated for each of their rows
};

const char* mode_name(GemmMode m);
/// fast_accum and split_accum for per-tensor cases; vec128_blk128 and vec128_vec128 for blockwise.
std::vector<GemmMode> modes_for(const GemmCase& c);

// Scale arrays in cuBLASLt's layouts (numerics.md §6.3; PyTorch's _scaled_mm checks the same shapes),
// from our row-major ones. L = K / 128 blocks along K.
/// VEC128 for our A (cuBLAS B, n = M rows): M-major, element (row m, block l) at l * M + m.
std::vector<float> activation_scales_vec128(const GemmCase& c);
/// BLK128x128 for our B (cuBLAS A): K-major with the leading dimension L rounded up to a multiple
/// of 4, element (block row r, block l) at r * L4 + l; the padding is 0.
std::vector<float> weight_scales_blk128(const GemmCase& c);
/// VEC128 for our B (cuBLAS A, m = N rows): N-major, element (row n, block l) at l * N + n, each row
/// taking its 128 x 128 block's scale.
std::vector<float> weight_scales_vec128(const GemmCase& c);

struct GemmModeResult {
  bool ok = false;
  std::string reason;   ///< why cuBLASLt refused the configuration (when !ok)
  std::vector<float> d; ///< M x N row-major (when ok)
};

/// Owns the cuBLASLt handle and a 32 MiB workspace for a series of runs.
class LtGemmRunner {
 public:
  LtGemmRunner();
  ~LtGemmRunner();
  LtGemmRunner(const LtGemmRunner&) = delete;
  LtGemmRunner& operator=(const LtGemmRunner&) = delete;

  /// Runs one case in one mode. A configuration cuBLASLt has no kernel for (or refuses) comes back
  /// as !ok with the reason; a failure while running throws std::runtime_error.
  GemmModeResult run(const GemmCase& c, GemmMode mode);

 private:
  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer<std::uint8_t> workspace_;
};

/// cublasLtGetVersion() as "major.minor.patch".
std::string cublaslt_version_string();

}  // namespace codesim::reference::probe
