#include "emulator/hw/gpu.hpp"

#include <algorithm>
#include <cmath>
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
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate (binds and checks the sockets)
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

SystemcTime::SystemcTime() {
  // The library's sc_time(v, unit) takes v * (unit / resolution) + 0.5 to an integer, and
  // to_seconds() multiplies the value by the resolution in fs and by 1e-15. The factors are
  // read back from the library, and the inline forms used only if they agree with it on
  // every probe: values across the range a kernel uses, and halfway cases.
  units_per_ns_ = static_cast<double>(sc_core::sc_time(1.0, sc_core::SC_NS).value());
  const double resolution_ps = sc_core::sc_time::from_value(1).to_seconds() * 1e12;
  for (const double candidate : {1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6}) {
    if (std::abs(resolution_ps * 1e3 - candidate) <= 1e-6 * candidate) resolution_fs_ = candidate;
  }
  if (!(units_per_ns_ > 0.0) || !(resolution_fs_ > 0.0)) return;
  inline_ = true;
  bool agree = true;
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;  // splitmix64: reproducible probes
  const auto next = [&state] {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  for (int i = 0; i < 4096 && agree; ++i) {
    const std::uint64_t r = next();
    const double ns = static_cast<double>(r >> 11) * 0x1p-53 * std::ldexp(1.0, static_cast<int>(r % 40) - 10);
    const double half = (std::floor(ns) + 0.5) / units_per_ns_;
    for (const double v : {ns, half, 250.0 + ns}) {
      agree = agree && from_ns(v) == sc_core::sc_time(v, sc_core::SC_NS).value();
    }
    const auto value = static_cast<sc_core::sc_time::value_type>(r >> (r % 40 + 4));
    agree = agree && to_ns(value) == sc_core::sc_time::from_value(value).to_seconds() * 1e9;
  }
  inline_ = agree;
}

void Gpu::run_sms() {
  // The SMs' programs run here as SystemC's kernel ran them as SC_THREADs (each waiting on
  // its own kernel_start event, then on timed waits), without its per-wait event objects and
  // coroutine switches, which took over half of the simulation time. The order is SystemC's,
  // so that the SMs reserve the shared L2 and HBM bandwidth in the same sequence and every
  // result is the same to the bit:
  // - all SMs start in the launch's delta cycle, in descending index order (SystemC triggers
  //   a delta cycle's notifications last first, and they were notified in SM order);
  // - each runs until it is a quantum ahead, then waits until now + sc_time(its lead, SC_NS);
  // - once every SM waiting to run has run, time moves to the earliest wake-up, and every SM
  //   waking then resumes in the order the timed-event queue releases them (WakeQueue, which
  //   sees the same insertions and removals as SystemC's and breaks ties the same way).
  const std::size_t n = sms_.size();
  programs_.resize(n);
  wakes_.clear();
  runnable_.clear();
  for (std::size_t i = 0; i < n; ++i) programs_[i] = sms_[i]->start_kernel();
  for (std::size_t i = n; i-- > 0;)
    if (!programs_[i].empty()) runnable_.push_back(i);
  sc_core::sc_time::value_type now = 0;  // since the kernel started, in SystemC time units
  for (;;) {
    const double now_ns = time_.to_ns(now);
    for (const std::size_t i : runnable_) {
      sms_[i]->set_now(now_ns);
      if (!programs_[i].resume()) continue;
      wakes_.insert(SmWake{now + time_.from_ns(programs_[i].wait_ns()), i});
    }
    runnable_.clear();
    if (wakes_.empty()) break;
    now = wakes_.top_at();
    do {
      runnable_.push_back(wakes_.extract_top().sm);
    } while (!wakes_.empty() && wakes_.top_at() == now);
  }
  for (auto& p : programs_) p = SmProgram{};
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
    launch_.trace = trace;
    launch_.trace_process = trace_process;
    launch_.trace_offset_us = trace_offset_us + cal.kernel_fixed_us;
    run_sms();
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
// and elaborate through sc_start(), so this entry point exists only to satisfy the link and
// is never called.
int sc_main(int /*argc*/, char* /*argv*/[]) { return 0; }
