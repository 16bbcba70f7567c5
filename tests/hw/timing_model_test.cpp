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
