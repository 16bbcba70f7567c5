#pragma once
// What the GPU hands its SMs for one kernel: the plan, the device parameters in force, and
// where each SM reports back. Shared by the Gpu (writer) and its Sm modules (readers).
#include <vector>

#include <systemc>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::hw {

/// Per-SM outcome of one kernel.
struct SmActivity {
  double finish_ns = 0.0;      ///< last MMA/CUDA-core work or store completion
  double tensor_busy_ns = 0.0;
  double cuda_busy_ns = 0.0;
  double loaded_bytes = 0.0;   ///< bytes landed in shared memory through the TMA
  double stored_bytes = 0.0;
  int tiles = 0;
};

struct KernelLaunch {
  const kernels::KernelPlan* plan = nullptr;
  const DeviceConfig* device = nullptr;
  std::vector<SmActivity> activity;  ///< one per SM
  sim::ChromeTrace* trace = nullptr; ///< tile events when set
  int trace_process = 0;
  double trace_offset_us = 0.0;      ///< the kernel's start on the trace's timeline
};

}  // namespace codesim::hw
