#pragma once
// One GPU as SystemC modules: `sms` Sm modules whose TMA sockets share the L2's SM-side
// socket, the L2 in front of the HBM controller. Kernels run one after another, each on its
// own timeline from 0 and by default with a flushed L2 (as the published benchmarks do).
// The Gpu itself resumes the SMs' programs in the order SystemC's kernel would resume SM
// threads (see run_sms), so SystemC's scheduler is not entered while a kernel runs.
//
// SystemC allows one elaboration per process, so the modules are built once (the first
// device's SM count is the most any later device may use); a later device with the same
// or fewer SMs only re-configures rates and sizes.
#include <cstdint>
#include <memory>
#include <stdexcept>
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
/// shared memory per CTA than `device` has. (Checked before any SM runs, so that a refused
/// plan leaves no kernel half run.)
void check_plan_fits(const kernels::KernelPlan& plan, const DeviceConfig& device);

/// An SM waiting for the shared timeline to reach `at` (SystemC time units since the kernel
/// started).
struct SmWake {
  sc_core::sc_time::value_type at = 0;
  std::size_t sm = 0;
};

/// The two SystemC time conversions a waiting thread goes through, sc_time(ns, SC_NS).value()
/// and sc_time::from_value(v).to_seconds() * 1e9, with the library's arithmetic written out
/// inline (a call each cost 5% of the simulation) where it gives the library's results on a
/// set of probe values, and through the library otherwise.
class SystemcTime {
 public:
  SystemcTime();
  [[nodiscard]] sc_core::sc_time::value_type from_ns(double ns) const {
    if (!inline_) return sc_core::sc_time(ns, sc_core::SC_NS).value();
    if (ns == 0.0) return 0;
    const double scaled = ns * units_per_ns_ + 0.5;
    return static_cast<sc_core::sc_time::value_type>(static_cast<std::int64_t>(scaled));
  }
  [[nodiscard]] double to_ns(sc_core::sc_time::value_type v) const {
    if (!inline_) return sc_core::sc_time::from_value(v).to_seconds() * 1e9;
    if (v == 0) return 0.0;
    return static_cast<double>(v) * resolution_fs_ * 1e-15 * 1e9;
  }

 private:
  bool inline_ = false;
  double units_per_ns_ = 0.0;  ///< time units per ns (1000 at SystemC's default 1 ps)
  double resolution_fs_ = 0.0; ///< one time unit in fs
};

/// SystemC's timed-event queue, for the SMs' wake-ups only. SystemC 2.3's kernel keeps its
/// timed events in a binary heap (sc_ppq, after Cormen-Leiserson-Rivest) that releases equal
/// times in an order set by its history; this is the same kind of heap with the same rules, so
/// that SMs waking at the same time resume in the same order as SystemC threads would: an
/// inserted wake-up rises past strictly later parents only, and a sinking one swaps with a
/// strictly earlier child, the left one unless the right is strictly earlier still. Kept inline
/// on plain integers because the queue sees one insertion and one removal per SM quantum.
class WakeQueue {
 public:
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] sc_core::sc_time::value_type top_at() const { return heap_[1] >> kSmBits; }
  void clear() { size_ = 0; }
  void insert(SmWake w) {
    if (w.at >= (std::uint64_t{1} << (64 - kSmBits)) || w.sm >= (std::size_t{1} << kSmBits))
      throw std::overflow_error("WakeQueue: wake-up time or SM index out of range");
    const std::uint64_t entry = (w.at << kSmBits) | w.sm;
    if (++size_ >= heap_.size()) heap_.resize(2 * size_ + 2);
    std::size_t i = size_;
    while (i > 1 && earlier(entry, heap_[i / 2])) {
      heap_[i] = heap_[i / 2];
      i /= 2;
    }
    heap_[i] = entry;
  }
  SmWake extract_top() {
    const std::uint64_t top = heap_[1];
    const std::uint64_t moved = heap_[size_--];
    std::size_t i = 1;
    for (std::size_t child = 2; child <= size_; child = 2 * i) {
      // The earlier child, the left one on a tie; it takes the place of `moved` only if
      // strictly earlier. (The same choice as comparing `moved` with the left child first.)
      if (child < size_ && earlier(heap_[child + 1], heap_[child])) ++child;
      if (!earlier(heap_[child], moved)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = moved;
    return SmWake{top >> kSmBits, static_cast<std::size_t>(top & kSmMask)};
  }

 private:
  // An entry is the time above the SM index, so that it fits a word; only the times compare.
  static constexpr unsigned kSmBits = 16;
  static constexpr std::uint64_t kSmMask = (std::uint64_t{1} << kSmBits) - 1;
  static bool earlier(std::uint64_t a, std::uint64_t b) { return (a >> kSmBits) < (b >> kSmBits); }

  std::vector<std::uint64_t> heap_ = std::vector<std::uint64_t>(2);  // 1-based
  std::size_t size_ = 0;
};

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
  /// Runs every SM's part of the kernel in `launch_` to its end.
  void run_sms();

  DeviceConfig device_;
  KernelLaunch launch_;
  HbmController hbm_;
  L2Cache l2_;
  std::vector<std::unique_ptr<Sm>> sms_;
  std::vector<SmProgram> programs_;    // one per SM, for the kernel running
  WakeQueue wakes_;
  SystemcTime time_;
  std::vector<std::size_t> runnable_;  // SMs to resume now, in order
};

}  // namespace codesim::hw
