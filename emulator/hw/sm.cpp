#include "emulator/hw/sm.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace codesim::hw {

namespace {
constexpr double kQuantumNs = 250.0;
}

Sm::Sm(sc_core::sc_module_name name, int index, KernelLaunch& launch)
    : sc_module(name), tma_socket("tma_socket"), index_(index), launch_(launch) {
  payload_.set_extension(&request_);
  payload_.set_data_ptr(nullptr);
}

SmProgram Sm::start_kernel() {
  const auto* plan = launch_.plan;
  if (plan == nullptr || plan->roofline || index_ >= plan->ctas) return {};
  now_ns_ = 0.0;
  return execute(*plan, *launch_.device, launch_.activity[static_cast<std::size_t>(index_)]);
}

double Sm::transfer(const kernels::LoadStream& stream, std::uint32_t column_block, double issue_ns, bool write,
                    double bytes, double* sent_ns) {
  request_.key = write ? 0 : chunk_key(stream.tensor, stream.row_block, column_block);
  request_.bytes = bytes;
  request_.hbm_bytes_factor = stream.hbm_bytes_factor;
  request_.l2_bytes_factor = stream.l2_bytes_factor;
  request_.issue_ns = issue_ns;
  payload_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  payload_.set_data_length(static_cast<unsigned>(std::max(1.0, bytes)));
  payload_.set_streaming_width(payload_.get_data_length());
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  tma_socket->b_transport(payload_, delay);
  if (sent_ns != nullptr) *sent_ns = request_.sent_ns;
  return request_.done_ns;
}

SmProgram Sm::execute(const kernels::KernelPlan& plan, const DeviceConfig& device, SmActivity& activity) {
  const auto& cal = device.calibration.values;
  const double clock_ghz = cal.sm_clock_mhz * 1e-3;  // cycles per ns
  const double mma_per_clk = plan.mma == kernels::MmaType::kBf16 ? device.tensor_bf16_flops_per_clk
                                                                  : device.tensor_fp8_flops_per_clk;
  const double mma_flops_per_ns = mma_per_clk * clock_ghz;
  const double cuda_ops_per_ns = device.cuda_core_fp32_lanes * clock_ghz;
  const double smem_bytes_per_ns = device.shared_memory_bytes_per_clk * clock_ghz;
  const double tile_sync_ns = cal.tile_sync_cycles / clock_ghz;
  const double exposed = 1.0 - cal.promotion_hidden_fraction;
  const auto stages = static_cast<std::size_t>(std::max(1, plan.stages));
  std::vector<double> buffer_free(stages, 0.0);  // when each shared-memory stage may be refilled
  std::size_t slot = 0;
  double producer = 0.0;  // the TMA engine's next issue time
  double consumer = 0.0;  // when the math warpgroups are next free
  double last_store = 0.0;
  double store_left_smem = 0.0;  // when the previous tile's TMA store has left shared memory
  for (std::size_t t = static_cast<std::size_t>(index_); t < plan.tiles.size(); t += static_cast<std::size_t>(plan.ctas)) {
    const auto& tile = plan.tiles[t];
    const double tile_start = consumer;
    if (tile.mma_flops > 0.0) consumer += tile_sync_ns;
    consumer += tile.global_round_trips_at_start * device.l2_latency_ns;
    // MMAs are bound by the tensor-core rate or by reading their operands from shared memory
    // (A is re-read for every WGMMA, which dominates for narrow BLOCK_N).
    const double mma_ns = std::max(tile.mma_flops / mma_flops_per_ns, tile.mma_smem_bytes / smem_bytes_per_ns);
    const double cuda_ns = tile.cuda_ops / cuda_ops_per_ns;
    const double step_ns = tile.cuda_overlaps_mma ? std::max(mma_ns, cuda_ns) + exposed * std::min(mma_ns, cuda_ns)
                                                  : mma_ns + cuda_ns;
    for (std::uint32_t j = 0; j < tile.iterations; ++j) {
      const double issue = std::max(producer, buffer_free[slot]);
      if (issue > now_ns_ + kQuantumNs) co_yield issue - now_ns_;
      double arrived = issue;
      for (int s = 0; s < tile.streams; ++s) {
        const auto& stream = tile.in[s];
        arrived = std::max(arrived, transfer(stream, j, issue, false, stream.bytes));
        activity.loaded_bytes += stream.bytes;
      }
      producer = issue;
      const double start = std::max(consumer, arrived);
      consumer = start + step_ns;
      // A stage is free once the MMAs have read it (element kernels: once processed).
      buffer_free[slot] = tile.mma_flops > 0.0 ? start + mma_ns : consumer;
      slot = (slot + 1) % stages;
      activity.tensor_busy_ns += mma_ns;
      activity.cuda_busy_ns += cuda_ns;
    }
    if (tile.store_wait == kernels::StoreWait::kBeforeNextEpilogue) consumer = std::max(consumer, store_left_smem);
    const double epilogue_ns = tile.epilogue_cuda_ops / cuda_ops_per_ns;
    consumer += epilogue_ns + tile.epilogue_smem_bytes * tile.epilogue_smem_conflict / smem_bytes_per_ns;
    activity.cuda_busy_ns += epilogue_ns;
    if (tile.store_bytes > 0) {
      if (consumer > now_ns_ + kQuantumNs) co_yield consumer - now_ns_;
      last_store = std::max(last_store, transfer(kernels::LoadStream{}, 0, consumer, true,
                                                 static_cast<double>(tile.store_bytes), &store_left_smem));
      activity.stored_bytes += static_cast<double>(tile.store_bytes);
      if (tile.store_wait == kernels::StoreWait::kImmediately) consumer = std::max(consumer, store_left_smem);
    }
    ++activity.tiles;
    if (launch_.trace != nullptr) {
      launch_.trace->add({fmt::format("tile {}", t), "tile", launch_.trace_process, index_ + 1,
                          launch_.trace_offset_us + tile_start * 1e-3, (consumer - tile_start) * 1e-3,
                          {{"kernel", plan.name}, {"iterations", std::to_string(tile.iterations)}}});
    }
  }
  activity.finish_ns = std::max(consumer, last_store);
}

}  // namespace codesim::hw
