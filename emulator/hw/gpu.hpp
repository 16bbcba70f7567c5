#pragma once
// One GPU as SystemC modules: `sms` Sm modules whose TMA sockets share the L2's SM-side
// socket, the L2 in front of the HBM controller. Kernels run one after another on one
// simulated timeline; each starts with a flushed L2 (as the published benchmarks do).
//
// SystemC allows one elaboration per process, so the modules are built once (the first
// device's SM count is the most any later device may use); a later device with the same
// or fewer SMs only re-configures rates and sizes.
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "emulator/hw/device_config.hpp"
#include "emulator/hw/hbm_controller.hpp"
#include "emulator/hw/kernel_launch.hpp"
#include "emulator/hw/l2_cache.hpp"
#include "emulator/hw/sm.hpp"
#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::hw {

/// What one kernel did: its time and where the time and bytes went.
struct KernelRun {
  std::string name;
  std::string kind;
  std::string config;
  double time_us = 0.0;           ///< launch overhead + simulated span
  double useful_flops = 0.0;      ///< as the published benchmarks count them
  double nominal_bytes = 0.0;
  int sms_used = 0;
  double tensor_busy_us = 0.0;    ///< summed over SMs
  double cuda_busy_us = 0.0;
  double l2_to_sm_bytes = 0.0;
  double l2_hit_bytes = 0.0;
  double hbm_read_bytes = 0.0;
  double hbm_write_bytes = 0.0;
  double hbm_busy_us = 0.0;
  double l2_busy_us = 0.0;

  [[nodiscard]] double tflops() const { return time_us > 0 ? useful_flops / (time_us * 1e6) : 0.0; }
  [[nodiscard]] double gbps() const { return time_us > 0 ? nominal_bytes / (time_us * 1e3) : 0.0; }
  /// Tensor-pipe busy time over (time x SMs used).
  [[nodiscard]] double tensor_utilisation() const {
    return time_us > 0 && sms_used > 0 ? tensor_busy_us / (time_us * sms_used) : 0.0;
  }
};

/// Throws std::invalid_argument naming the kernel and the value if `plan` needs more SMs or
/// shared memory per CTA than `device` has. (Checked before any SystemC process runs: an
/// exception thrown after SystemC has switched coroutine stacks confuses AddressSanitizer.)
void check_plan_fits(const kernels::KernelPlan& plan, const DeviceConfig& device);

class Gpu : public sc_core::sc_module {
 public:
  /// The process's GPU model, configured for `device`. Throws std::invalid_argument if the
  /// device has more SMs than the model was built with.
  static Gpu& instance(const DeviceConfig& device);

  /// Runs one kernel to completion. Tile events go to `trace` (process `trace_process`) when given;
  /// the kernel starts at `trace_offset_us` on the trace's timeline. The L2 starts as
  /// `l2_at_start` says (default: flushed).
  KernelRun run(const kernels::KernelPlan& plan, sim::ChromeTrace* trace = nullptr, int trace_process = 0,
                double trace_offset_us = 0.0, const kernels::L2State& l2_at_start = {});

  [[nodiscard]] const DeviceConfig& device() const { return device_; }

 private:
  Gpu(sc_core::sc_module_name name, const DeviceConfig& device);
  void configure(const DeviceConfig& device);

  DeviceConfig device_;
  KernelLaunch launch_;
  HbmController hbm_;
  L2Cache l2_;
  std::vector<std::unique_ptr<Sm>> sms_;
};

}  // namespace codesim::hw
