#pragma once
#include <string>

// One FP8 GEMM on the modelled GPU: choose the tiling for the SMs left to compute, lower,
// run on the SystemC model.
#include "emulator/hw/device_config.hpp"
#include "emulator/hw/gpu.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::sim {

/// SMs a compute kernel may use: the device's, less those reserved, capped by `sm_limit` (0: no cap).
/// Throws std::invalid_argument naming the value when none are left or the cap is out of range.
[[nodiscard]] int compute_sms(const hw::DeviceConfig& device, const kernels::LoweringFeatures& features, int sm_limit);

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

[[nodiscard]] hw::KernelRun simulate_gemm(const hw::DeviceConfig& device, const kernels::GemmShape& shape,
                                          const kernels::LoweringFeatures& features, int sm_limit = 0,
                                          ChromeTrace* trace = nullptr, const GemmConditions& conditions = {});

}  // namespace codesim::sim
