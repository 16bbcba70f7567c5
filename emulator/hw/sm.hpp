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
// The SM keeps its own time ahead of SystemC's and synchronises every quantum (TLM-2.0
// loosely-timed temporal decoupling), so SMs share L2 and HBM bandwidth in time order to
// within a quantum while simulating millions of tile steps per second.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "emulator/hw/kernel_launch.hpp"
#include "emulator/hw/memory_request.hpp"

namespace codesim::hw {

class Sm : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Sm> tma_socket;

  Sm(sc_core::sc_module_name name, int index, KernelLaunch& launch);

  /// Notified by the Gpu to start a kernel. One event per SM, notified in SM order, so that
  /// the SMs always resume in index order: with one shared event they would resume in the
  /// order they finished the previous kernel, and a kernel's timing would depend on history.
  sc_core::sc_event kernel_start;

 private:
  void run();
  void execute(const kernels::KernelPlan& plan, const DeviceConfig& device, SmActivity& activity);
  /// Issues a TMA load or store; returns when its last byte has arrived (load) or reached L2
  /// (store). `sent_ns` is set to when a store's last byte has left the SM.
  double transfer(const kernels::LoadStream& stream, std::uint32_t column_block, double issue_ns, bool write,
                  double bytes, double* sent_ns = nullptr);
  void catch_up(double local_ns);

  int index_;
  KernelLaunch& launch_;
  tlm::tlm_generic_payload payload_;
  ChunkRequest request_;
};

}  // namespace codesim::hw
