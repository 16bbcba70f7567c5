#pragma once
// One streaming multiprocessor running persistent CTAs of a kernel plan. Inside the SM:
// - the TMA engine (producer) issues each main-loop iteration's chunk loads through
//   `tma_socket` as soon as one of the `stages` shared-memory buffers is free;
// - at each tile's start the math warps pay the tile's synchronisation (calibrated cycles) and
//   its dependent global loads (one L2 round trip each: DeepGEMM's B scales);
// - the tensor-core pipe runs the iteration's MMAs once its chunks have landed, and the
//   CUDA-core pipe its promotion or element work: in series with one math warpgroup, and
//   overlapped (the calibrated promotion_hidden_fraction of the shorter one hidden) when two
//   warpgroups share the tensor cores;
// - the epilogue waits for the previous tile's TMA store to leave shared memory, converts the
//   tile, writes it into shared memory and stores it through the TMA without waiting for HBM.
// Every rate and cycle count is taken at the calibrated sustained clock.
// The SM keeps its own time ahead of the shared timeline and synchronises every quantum
// (TLM-2.0 loosely-timed temporal decoupling), so SMs share L2 and HBM bandwidth in time order
// to within a quantum while simulating millions of tile steps per second. The SM's part of a
// kernel is a coroutine (`SmProgram`) that suspends where a SystemC thread would wait; the Gpu
// resumes the SMs in the order SystemC's kernel would resume such threads (see gpu.cpp).
#include <coroutine>
#include <cstdint>
#include <exception>
#include <utility>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "emulator/hw/kernel_launch.hpp"
#include "emulator/hw/memory_request.hpp"

namespace codesim::hw {

/// An SM's run through one kernel. Each resume runs it until it is a quantum ahead of the
/// shared timeline; it then suspends, saying how long (ns) it waits.
class SmProgram {
 public:
  struct promise_type {
    double wait = 0.0;
    std::exception_ptr error;
    SmProgram get_return_object() { return SmProgram(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(double w) noexcept {
      wait = w;
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  SmProgram() = default;
  SmProgram(SmProgram&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  SmProgram& operator=(SmProgram&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  SmProgram(const SmProgram&) = delete;
  SmProgram& operator=(const SmProgram&) = delete;
  ~SmProgram() { destroy(); }

  /// Runs to the next wait; false once the SM has finished its part of the kernel.
  bool resume() {
    handle_.resume();
    if (handle_.promise().error) std::rethrow_exception(std::exchange(handle_.promise().error, {}));
    return !handle_.done();
  }
  /// How long the SM waits (ns) after `resume` returned true.
  [[nodiscard]] double wait_ns() const { return handle_.promise().wait; }
  [[nodiscard]] bool empty() const { return !handle_; }

 private:
  explicit SmProgram(std::coroutine_handle<promise_type> h) : handle_(h) {}
  void destroy() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  std::coroutine_handle<promise_type> handle_;
};

class Sm : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Sm> tma_socket;

  Sm(sc_core::sc_module_name name, int index, KernelLaunch& launch);

  /// The SM's part of the kernel in the launch; empty if it runs no CTA of it.
  SmProgram start_kernel();
  /// The shared timeline's time (ns since the kernel started), set before each resume.
  void set_now(double now_ns) { now_ns_ = now_ns; }

 private:
  SmProgram execute(const kernels::KernelPlan& plan, const DeviceConfig& device, SmActivity& activity);
  /// Issues a TMA load or store; returns when its last byte has arrived (load) or reached L2
  /// (store). `sent_ns` is set to when a store's last byte has left the SM.
  double transfer(const kernels::LoadStream& stream, std::uint32_t column_block, double issue_ns, bool write,
                  double bytes, double* sent_ns = nullptr);

  int index_;
  KernelLaunch& launch_;
  double now_ns_ = 0.0;
  tlm::tlm_generic_payload payload_;
  ChunkRequest request_;
};

}  // namespace codesim::hw
