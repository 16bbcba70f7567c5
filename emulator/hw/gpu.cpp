#include "emulator/hw/gpu.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace codesim::hw {

void check_plan_fits(const kernels::KernelPlan& plan, const DeviceConfig& device) {
  if (plan.ctas > device.sms)
    throw std::invalid_argument(
        fmt::format("{}: {} CTAs need more SMs than the device has ({})", plan.name, plan.ctas, device.sms));
  if (plan.smem_bytes_per_cta > static_cast<std::uint32_t>(device.shared_memory_per_block))
    throw std::invalid_argument(fmt::format("{}: {} B of shared memory per CTA, the device allows {}", plan.name,
                                            plan.smem_bytes_per_cta, device.shared_memory_per_block));
}

Gpu& Gpu::instance(const DeviceConfig& device) {
  static Gpu* gpu = [&] {
    // SystemC prints a banner on stdout when its kernel starts; it would corrupt --json output.
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    auto* model = new Gpu("gpu", device);  // lives as long as the SystemC kernel (the process)
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate; every SM thread now waits for a kernel
    return model;
  }();
  gpu->configure(device);
  return *gpu;
}

Gpu::Gpu(sc_core::sc_module_name name, const DeviceConfig& device)
    : sc_module(name), device_(device), hbm_("hbm", device), l2_("l2", device) {
  l2_.hbm_side.bind(hbm_.l2_side);
  launch_.activity.resize(static_cast<std::size_t>(device.sms));
  for (int i = 0; i < device.sms; ++i) {
    sms_.push_back(std::make_unique<Sm>(fmt::format("sm{}", i).c_str(), i, launch_));
    sms_.back()->tma_socket.bind(l2_.sm_side);
  }
}

void Gpu::configure(const DeviceConfig& device) {
  if (device.sms > static_cast<int>(sms_.size()))
    throw std::invalid_argument(fmt::format("device {} has {} SMs; this process's GPU model was built with {}",
                                            device.name, device.sms, sms_.size()));
  device_ = device;
  hbm_.configure(device_);
  l2_.configure(device_);
}

KernelRun Gpu::run(const kernels::KernelPlan& plan, sim::ChromeTrace* trace, int trace_process,
                   double trace_offset_us, const kernels::L2State& l2_at_start) {
  check_plan_fits(plan, device_);
  KernelRun run;
  run.name = plan.name;
  run.kind = plan.kind;
  run.config = plan.config;
  run.useful_flops = plan.useful_flops;
  run.nominal_bytes = plan.nominal_bytes;
  const auto& cal = device_.calibration.values;
  if (plan.roofline) {
    const double flops_per_us = device_.sms * device_.tensor_bf16_flops_per_clk * cal.sm_clock_mhz;
    const double bytes_per_us = device_.hbm_bandwidth_gbps * 1e3 * cal.hbm_read_efficiency;
    const double compute_us = plan.roofline_flops / flops_per_us;
    const double memory_us = plan.roofline_bytes / bytes_per_us;
    run.time_us = cal.kernel_fixed_us + std::max(compute_us, memory_us);
    run.sms_used = device_.sms;
    run.tensor_busy_us = compute_us * device_.sms;
    run.hbm_read_bytes = plan.roofline_bytes;
    run.hbm_busy_us = memory_us;
  } else {
    l2_.reset();
    l2_.preload(l2_at_start);
    hbm_.reset();
    std::fill(launch_.activity.begin(), launch_.activity.end(), SmActivity{});
    launch_.plan = &plan;
    launch_.device = &device_;
    launch_.start = sc_core::sc_time_stamp();
    launch_.trace = trace;
    launch_.trace_process = trace_process;
    launch_.trace_offset_us = trace_offset_us + cal.kernel_fixed_us;
    for (auto& sm : sms_) sm->kernel_start.notify(sc_core::SC_ZERO_TIME);  // in SM order
    sc_core::sc_start();  // returns when every SM waits for the next kernel
    launch_.plan = nullptr;
    double span_ns = 0.0;
    for (int i = 0; i < plan.ctas; ++i) {
      const auto& a = launch_.activity[static_cast<std::size_t>(i)];
      span_ns = std::max(span_ns, a.finish_ns);
      run.tensor_busy_us += a.tensor_busy_ns * 1e-3;
      run.cuda_busy_us += a.cuda_busy_ns * 1e-3;
      if (a.tiles > 0) ++run.sms_used;
    }
    run.time_us = cal.kernel_fixed_us + span_ns * 1e-3;
    run.l2_to_sm_bytes = l2_.bytes_to_sms();
    run.l2_hit_bytes = l2_.hit_bytes();
    run.hbm_read_bytes = hbm_.read_bytes();
    run.hbm_write_bytes = hbm_.write_bytes();
    run.hbm_busy_us = hbm_.busy_ns() * 1e-3;
    run.l2_busy_us = l2_.busy_ns() * 1e-3;
  }
  if (trace != nullptr) {
    trace->add({plan.name, "kernel", trace_process, 0, trace_offset_us, run.time_us,
                {{"kind", plan.kind},
                 {"config", plan.config},
                 {"tflops", fmt::format("{:.1f}", run.tflops())},
                 {"gbps", fmt::format("{:.0f}", run.gbps())}}});
  }
  return run;
}

}  // namespace codesim::hw

// libsystemc references sc_main from its own main(). codesim's programs have their own main
// and drive the kernel through sc_start(), so this entry point exists only to satisfy the
// link and is never called.
int sc_main(int /*argc*/, char* /*argv*/[]) { return 0; }
