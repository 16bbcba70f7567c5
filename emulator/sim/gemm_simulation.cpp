#include "emulator/sim/gemm_simulation.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace codesim::sim {

int compute_sms(const hw::DeviceConfig& device, const kernels::LoweringFeatures& features, int sm_limit) {
  if (sm_limit < 0 || sm_limit > device.sms)
    throw std::invalid_argument(fmt::format("SM count {} is outside 1..{} (device {})", sm_limit, device.sms, device.name));
  if (features.reserved_sms < 0 || features.reserved_sms >= device.sms)
    throw std::invalid_argument(fmt::format("{} SMs reserved for communication leave none of the {} of device {}",
                                            features.reserved_sms, device.sms, device.name));
  const int available = device.sms - features.reserved_sms;
  return sm_limit == 0 ? available : std::min(available, sm_limit);
}

hw::KernelRun simulate_gemm(const hw::DeviceConfig& device, const kernels::GemmShape& shape,
                            const kernels::LoweringFeatures& features, int sm_limit, ChromeTrace* trace,
                            const GemmConditions& conditions) {
  const int sms = compute_sms(device, features, sm_limit);
  const auto tiling = kernels::choose_gemm_tiling(shape, sms, device.shared_memory_per_block, conditions.kernel);
  const auto plan = kernels::lower_fp8_gemm("fp8_gemm", shape, tiling, features);
  // A benchmark that has just written B leaves it in L2 among the data its last kernel read
  // (r - 1 bytes per byte of B): the L2's least-recently-used order keeps B's newest part.
  kernels::L2State l2;
  if (conditions.b_tail_stream_ratio > 0.0) {
    l2.chunks = kernels::gemm_b_tail_chunks(shape, tiling, kernels::gemm_last_b_bytes(shape, tiling));
    l2.other_bytes_per_byte = conditions.b_tail_stream_ratio - 1.0;
  }
  auto& gpu = hw::Gpu::instance(device);
  return gpu.run(plan, trace, 0, 0.0, l2);
}

}  // namespace codesim::sim
