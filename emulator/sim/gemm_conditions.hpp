#pragma once
// What a GEMM measurement ran under besides its shape. Pure C++ (no SystemC), so that the
// readers of the published tables (published_gemms.hpp) and their fuzz target build without
// the timing model.
#include <string>

#include "emulator/kernels/gemm_kernel.hpp"

namespace codesim::sim {

/// How a GEMM runs besides its shape: which DeepGEMM release, and what the work just before it
/// left in L2 (a benchmark that has just written B leaves B's tail resident).
struct GemmConditions {
  kernels::GemmKernelGeneration kernel = kernels::GemmKernelGeneration::kDeepGemm2025Apr;
  /// 0: L2 flushed. r >= 1: the last kernel before the GEMM streamed r bytes through L2 per
  /// byte of the last group's B it wrote (the other r - 1 are data the GEMM never reads), so
  /// about the newest L2 capacity / r bytes of that B are resident, in a full L2.
  double b_tail_stream_ratio = 0.0;
};

/// "flushed" or "b-tail/<r>" (see GemmConditions); throws std::invalid_argument.
[[nodiscard]] double parse_l2_at_start(const std::string& text);

}  // namespace codesim::sim
