// The SystemC GPU model: bandwidth sharing, wave quantisation, L2 reuse and byte conservation,
// each against a hand computation.
#include <gtest/gtest.h>

#include <cmath>

#include "emulator/hw/bandwidth_calendar.hpp"
#include "emulator/hw/gpu.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/sim/gemm_simulation.hpp"

namespace hw = codesim::hw;
namespace k = codesim::kernels;

namespace {

/// H800 at its nominal clock with ideal memories and no fixed costs, so hand computations
/// are exact.
hw::DeviceConfig ideal_h800() {
  auto d = hw::load_device("h800");
  hw::CalibrationValues v;
  v.sm_clock_mhz = 1830.0;
  v.promotion_hidden_fraction = 0.0;
  v.hbm_read_efficiency = 1.0;
  v.hbm_write_efficiency = 1.0;
  v.l2_bandwidth_gbps = 10000.0;
  v.kernel_fixed_us = 0.0;
  v.tile_sync_cycles = 0.0;
  return d.with_calibration(v);
}

k::KernelPlan compute_only(int tiles, std::uint32_t iterations) {
  k::KernelPlan p;
  p.name = "compute";
  p.kind = "test";
  p.mma = k::MmaType::kFp8;
  p.ctas = 132;
  p.stages = 4;
  for (int i = 0; i < tiles; ++i) {
    k::TileProgram t;
    t.iterations = iterations;
    t.mma_flops = 2.0 * 128 * 128 * 128;
    p.tiles.push_back(t);
  }
  return p;
}

k::KernelPlan streaming(int tiles, std::uint32_t iterations, std::uint32_t bytes, bool shared_chunks) {
  k::KernelPlan p;
  p.name = "stream";
  p.kind = "test";
  p.ctas = 132;
  p.stages = 4;
  for (int i = 0; i < tiles; ++i) {
    k::TileProgram t;
    t.iterations = iterations;
    t.streams = 1;
    t.in[0] = {1, shared_chunks ? 0U : static_cast<std::uint32_t>(i), bytes, 1.0, 1.0};
    p.tiles.push_back(t);
  }
  return p;
}

}  // namespace

TEST(BandwidthCalendar, SharesBandwidthFirstComeAndFillsGaps) {
  hw::BandwidthCalendar c(10.0, 50.0);  // 10 B/ns
  EXPECT_DOUBLE_EQ(c.reserve(0.0, 1000.0), 100.0);
  EXPECT_DOUBLE_EQ(c.reserve(0.0, 1000.0), 200.0);  // queued behind the first
  EXPECT_DOUBLE_EQ(c.reserve(500.0, 100.0), 510.0);  // idle link: its own time only
  EXPECT_DOUBLE_EQ(c.bytes(), 2100.0);
  EXPECT_DOUBLE_EQ(c.busy_ns(), 210.0);
  // A late arrival for an earlier time uses the room left there (bins 300..500 are empty).
  EXPECT_DOUBLE_EQ(c.reserve(300.0, 500.0), 350.0);
}

// 132 tiles of 10 MMA steps on 132 SMs: one wave of 10 x 2*128^3 / (8192 FLOP/clk x 1.83 GHz).
// One more tile needs a second wave: twice the time.
TEST(GpuModel, WaveQuantisation) {
  const auto d = ideal_h800();
  auto& gpu = hw::Gpu::instance(d);
  const double step_ns = 2.0 * 128 * 128 * 128 / (8192 * 1.83);
  const auto one = gpu.run(compute_only(132, 10));
  const auto two = gpu.run(compute_only(133, 10));
  EXPECT_NEAR(one.time_us, 10 * step_ns * 1e-3, 1e-6);
  EXPECT_NEAR(two.time_us, 20 * step_ns * 1e-3, 1e-6);
  EXPECT_EQ(one.sms_used, 132);
  EXPECT_NEAR(one.tensor_utilisation(), 1.0, 1e-9);
}

// Streaming 132 x 64 chunks of 64 KiB from distinct addresses: HBM-bound, so the time is the
// bytes at the HBM rate plus at most a few latencies of pipeline fill.
TEST(GpuModel, StreamingIsBoundByHbmBandwidth) {
  const auto d = ideal_h800();
  auto& gpu = hw::Gpu::instance(d);
  const auto run = gpu.run(streaming(132, 64, 65536, false));
  const double bytes = 132.0 * 64 * 65536;
  const double bound_us = bytes / (d.hbm_bandwidth_gbps * 1e3);
  EXPECT_DOUBLE_EQ(run.hbm_read_bytes, bytes);  // every byte crosses HBM exactly once
  EXPECT_DOUBLE_EQ(run.l2_to_sm_bytes, bytes);
  EXPECT_GE(run.time_us, bound_us);
  EXPECT_LE(run.time_us, bound_us + 3 * (d.hbm_latency_ns + d.l2_latency_ns) * 1e-3);
}

// Every CTA reads the same chunks: HBM sees each chunk once, the L2 serves the other 131 reads.
TEST(GpuModel, L2ServesRepeatedChunksOnce) {
  const auto d = ideal_h800();
  auto& gpu = hw::Gpu::instance(d);
  const auto run = gpu.run(streaming(132, 16, 16384, true));
  EXPECT_DOUBLE_EQ(run.hbm_read_bytes, 16.0 * 16384);
  EXPECT_DOUBLE_EQ(run.l2_to_sm_bytes, 132.0 * 16 * 16384);
  EXPECT_DOUBLE_EQ(run.l2_hit_bytes, 131.0 * 16 * 16384);
}

// A real GEMM: A and B cross HBM at least once, D is written exactly once, and the time is at
// least the tensor-core bound of the padded tiles.
TEST(GpuModel, GemmConservesBytesAndRespectsTheComputeBound) {
  const auto d = ideal_h800();
  const k::GemmShape s{{4096}, 7168, 2048, k::GemmLayout::kDense};
  const auto run = codesim::sim::simulate_gemm(d, s, {});
  EXPECT_DOUBLE_EQ(run.hbm_write_bytes, 2.0 * 4096 * 7168);
  EXPECT_GE(run.hbm_read_bytes, 4096.0 * 2048 + 7168.0 * 2048);
  const double padded_flops = 2.0 * 4096 * (45 * 160) * 2048;
  EXPECT_GE(run.time_us, padded_flops / (132 * 8192 * 1.83e3));
  // Without promotion the CUDA cores do only the epilogue, and the kernel is no slower.
  k::LoweringFeatures group_scaling;
  group_scaling.promotion_on_cuda_cores = false;
  const auto gs = codesim::sim::simulate_gemm(d, s, group_scaling);
  EXPECT_LT(gs.cuda_busy_us, run.cuda_busy_us);
  EXPECT_LE(gs.time_us, run.time_us);
}

// A kernel's result must not depend on what ran before it in the process: the SMs finish a
// kernel in a data-dependent order, and that order must not leak into the next kernel (it
// did once, through one start event shared by all SMs: up to 0.14% on the published shapes).
TEST(GpuModel, ResultDoesNotDependOnTheKernelsBefore) {
  const auto d = hw::load_device("h800");
  const k::GemmShape s{{4096}, 24576, 1536, k::GemmLayout::kDense};
  const k::GemmShape other{{4096}, 32768, 512, k::GemmLayout::kDense};
  const auto a = codesim::sim::simulate_gemm(d, s, {});
  const auto b = codesim::sim::simulate_gemm(d, s, {});
  (void)codesim::sim::simulate_gemm(d, other, {});
  const auto c = codesim::sim::simulate_gemm(d, s, {});
  EXPECT_EQ(a.time_us, b.time_us);
  EXPECT_EQ(a.time_us, c.time_us);
  EXPECT_EQ(a.hbm_read_bytes, c.hbm_read_bytes);
  EXPECT_EQ(a.l2_hit_bytes, c.l2_hit_bytes);
}

/// One CTA, `tiles` tiles of one MMA step each, every tile storing `bytes`.
k::KernelPlan storing(int tiles, std::uint64_t bytes, k::StoreWait wait) {
  auto p = compute_only(tiles, 1);
  p.ctas = 1;
  for (auto& t : p.tiles) {
    t.store_bytes = bytes;
    t.store_wait = wait;
  }
  return p;
}

// The epilogue's wait for the TMA store, by hand. An MMA step takes c = 2*128^3 / (8192 x 1.83)
// = 279.78 ns; a 6 MB store crosses the idle 10 TB/s crossbar in 600 ns; the kernel ends
// when the last store has reached L2 (+ 270 ns latency).
// - February (wait at once): each tile costs c + 600 ns: 4 x 879.78 + 270 = 3789.1 ns.
// - April (wait before the next epilogue): the stores drain under the next tile's MMA; from
//   the second tile on each epilogue waits for the previous store: c + 4 x 600 + 270 = 2949.8.
TEST(GpuModel, StoreWaitOfEachEpilogueByHand) {
  const auto d = ideal_h800();
  auto& gpu = hw::Gpu::instance(d);
  const double c = 2.0 * 128 * 128 * 128 / (8192 * 1.83);
  const auto at_once = gpu.run(storing(4, 6'000'000, k::StoreWait::kImmediately));
  const auto overlapped = gpu.run(storing(4, 6'000'000, k::StoreWait::kBeforeNextEpilogue));
  const auto never = gpu.run(storing(4, 6'000'000, k::StoreWait::kNone));
  EXPECT_NEAR(at_once.time_us, (4 * (c + 600.0) + 270.0) * 1e-3, 1e-6);
  EXPECT_NEAR(overlapped.time_us, (c + 4 * 600.0 + 270.0) * 1e-3, 1e-6);
  // Without any wait the crossbar is the only limit: the stores queue behind each other.
  EXPECT_NEAR(never.time_us, (c + 4 * 600.0 + 270.0) * 1e-3, 1e-6);
  EXPECT_DOUBLE_EQ(at_once.hbm_write_bytes, 4 * 6e6);
}

// Chunks a benchmark left in L2 are hits: nothing crosses HBM for them.
TEST(GpuModel, ResidentChunksAreHits) {
  const auto d = ideal_h800();
  auto& gpu = hw::Gpu::instance(d);
  const auto plan = streaming(132, 4, 8192, false);
  std::vector<k::ChunkRef> resident;
  for (std::uint32_t row = 0; row < 66; ++row)  // half the CTAs' streams, all their chunks
    for (std::uint32_t j = 0; j < 4; ++j) resident.push_back({1, row, j, 8192.0});
  const auto cold = gpu.run(plan);
  const auto warm = gpu.run(plan, nullptr, 0, 0.0, k::L2State{resident, 0.0});
  EXPECT_DOUBLE_EQ(cold.hbm_read_bytes, 132.0 * 4 * 8192);
  EXPECT_DOUBLE_EQ(warm.hbm_read_bytes, 66.0 * 4 * 8192);
  EXPECT_DOUBLE_EQ(warm.l2_hit_bytes, 66.0 * 4 * 8192);
  EXPECT_LE(warm.time_us, cold.time_us);
  // A flushed L2 again on the next run: residency does not leak into later kernels.
  EXPECT_DOUBLE_EQ(gpu.run(plan).hbm_read_bytes, cold.hbm_read_bytes);
}

// A used L2 is full: 100 chunks of 1 MiB, each written beside 4 MiB of other data, leave only
// the newest 50 MiB: chunks 90..99 with their share of the rest. A kernel reading chunks
// 88..99 misses the two older ones (their 2 MiB push out only other data) and hits ten.
TEST(GpuModel, AUsedL2IsFullAndKeepsTheNewestData) {
  const auto d = ideal_h800();
  ASSERT_DOUBLE_EQ(d.l2_bytes, 50.0 * (1 << 20));
  auto& gpu = hw::Gpu::instance(d);
  k::L2State l2;
  for (std::uint32_t c = 0; c < 100; ++c) l2.chunks.push_back({1, c, 0, double(1 << 20)});
  l2.other_bytes_per_byte = 4.0;
  k::KernelPlan plan = streaming(12, 1, 1 << 20, false);
  for (std::uint32_t t = 0; t < 12; ++t) plan.tiles[t].in[0].row_block = 88 + t;
  const auto run = gpu.run(plan, nullptr, 0, 0.0, l2);
  EXPECT_DOUBLE_EQ(run.l2_hit_bytes, 10.0 * (1 << 20));
  EXPECT_DOUBLE_EQ(run.hbm_read_bytes, 2.0 * (1 << 20));
  // Without the other data the same chunks would all fit: 50 of them resident.
  l2.other_bytes_per_byte = 0.0;
  EXPECT_DOUBLE_EQ(gpu.run(plan, nullptr, 0, 0.0, l2).l2_hit_bytes, 12.0 * (1 << 20));
}

// Writes cost read_efficiency / write_efficiency read bytes of the HBM port, and the L2 holds at
// most its capacity of data not yet written back: 132 CTAs storing 4 x 1 MiB each (528 MiB,
// ten times the L2) run at the HBM write rate, not at the crossbar's.
TEST(GpuModel, StoreBoundKernelRunsAtTheHbmWriteRate) {
  auto d = ideal_h800();
  auto v = d.calibration.values;
  v.hbm_write_efficiency = 0.5;
  d = d.with_calibration(v);
  auto& gpu = hw::Gpu::instance(d);
  k::KernelPlan p = compute_only(132 * 4, 1);
  for (auto& t : p.tiles) {
    t.mma_flops = 0.0;
    t.store_bytes = 1 << 20;
    t.store_wait = k::StoreWait::kBeforeNextEpilogue;
  }
  const auto run = gpu.run(p);
  const double bytes = 132.0 * 4 * (1 << 20);
  const double write_rate = d.hbm_bandwidth_gbps * 0.5;  // B/ns
  EXPECT_NEAR(run.hbm_busy_us, bytes / write_rate * 1e-3, 1e-6);
  // The last store is taken once all but an L2's worth has been written back.
  const double bound_us = (bytes - d.l2_bytes) / write_rate * 1e-3;
  EXPECT_GE(run.time_us, bound_us);
  EXPECT_LE(run.time_us, bound_us * 1.05 + 1.0);
}

TEST(GpuModel, RejectsPlansTheDeviceCannotRun) {
  // No Gpu here: see check_plan_fits on exceptions after SystemC has run under ASan.
  const auto d = hw::load_device("h800");
  auto p = compute_only(1, 1);
  EXPECT_NO_THROW(hw::check_plan_fits(p, d));
  p.smem_bytes_per_cta = 300000;
  EXPECT_THROW(hw::check_plan_fits(p, d), std::invalid_argument);
  p.smem_bytes_per_cta = 0;
  p.ctas = 133;
  EXPECT_THROW(hw::check_plan_fits(p, d), std::invalid_argument);
  k::LoweringFeatures f;
  f.reserved_sms = 132;
  EXPECT_THROW((void)codesim::sim::compute_sms(d, f, 0), std::invalid_argument);
  EXPECT_THROW((void)codesim::sim::compute_sms(d, {}, 500), std::invalid_argument);
  EXPECT_EQ(codesim::sim::compute_sms(d, {}, 0), 132);
  f.reserved_sms = 20;
  EXPECT_EQ(codesim::sim::compute_sms(d, f, 0), 112);
}
