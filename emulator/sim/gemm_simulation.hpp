#pragma once
#include <string>

// One FP8 GEMM on the modelled GPU: choose the tiling for the SMs left to compute, lower,
// run on the SystemC model.
#include "emulator/hw/device_config.hpp"
#include "emulator/hw/gpu.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/sim/gemm_conditions.hpp"

namespace codesim::sim {

/// SMs a compute kernel may use: the device's, less those reserved, capped by `sm_limit` (0: no cap).
/// Throws std::invalid_argument naming the value when none are left or the cap is out of range.
[[nodiscard]] int compute_sms(const hw::DeviceConfig& device, const kernels::LoweringFeatures& features, int sm_limit);

[[nodiscard]] hw::KernelRun simulate_gemm(const hw::DeviceConfig& device, const kernels::GemmShape& shape,
                                          const kernels::LoweringFeatures& features, int sm_limit = 0,
                                          ChromeTrace* trace = nullptr, const GemmConditions& conditions = {});

}  // namespace codesim::sim
