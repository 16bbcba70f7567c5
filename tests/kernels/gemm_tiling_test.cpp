// Tile and wave arithmetic of the FP8 GEMM lowering, against cases computed by hand.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "emulator/kernels/elementwise_kernels.hpp"
#include "emulator/kernels/gemm_kernel.hpp"

namespace k = codesim::kernels;

namespace {
constexpr int kSms = 132;
constexpr int kSmem = 232448;  // H800 opt-in shared memory per block

k::GemmShape dense(std::int64_t m, std::int64_t n, std::int64_t kk) { return {{m}, n, kk, k::GemmLayout::kDense}; }
}  // namespace

TEST(GemmTiling, TileCountsAreBlocksOfMTimesBlocksOfN) {
  EXPECT_EQ(k::gemm_tile_count(dense(4096, 7168, 16384), 128, 160), 32 * 45);  // 7168/160 = 44.8 -> 45
  EXPECT_EQ(k::gemm_tile_count(dense(64, 2112, 7168), 64, 16), 132);
  // Grouped: each group's rows are blocked separately.
  const k::GemmShape g{{256, 100, 0, 129}, 4096, 7168, k::GemmLayout::kMasked};
  EXPECT_EQ(k::gemm_tile_count(g, 128, 128), (2 + 1 + 0 + 2) * 32);
}

// M=4096, N=2112: BLOCK_M=128 with BLOCK_N=144 gives 32 x 15 = 480 tiles, 4 waves with 84 CTAs in
// the last; BLOCK_N=160 also needs 4 waves but fills only 52; no candidate reaches 3 waves
// (that needs at most 12 column blocks, BLOCK_N >= 176). Stages: per stage 128*128 + 144*128 +
// 128*4 + 16 = 35,344 B, fixed 128*144*2 + 56*4*2 = 37,312 B: 5 stages use 214,032 B, 6 would
// need 249,376 B. Multicast: 2112 is not a multiple of 2*144, 4096 is of 2*128: B is shared.
TEST(GemmTiling, DenseM4096N2112ByHand) {
  const auto t = k::choose_gemm_tiling(dense(4096, 2112, 7168), kSms, kSmem);
  EXPECT_EQ(t.block_m, 128);
  EXPECT_EQ(t.block_n, 144);
  EXPECT_EQ(t.tiles, 480);
  EXPECT_EQ(t.waves, 4);
  EXPECT_EQ(t.stages, 5);
  EXPECT_EQ(t.smem_bytes, 214032U);
  EXPECT_EQ(t.multicast, 2);
  EXPECT_FALSE(t.multicast_on_a);
  EXPECT_EQ(t.ctas, 120);  // 480 tiles in 4 waves need only 120 CTAs
}

// M=4096, N=7168: BLOCK_N=160 gives 45 column blocks, 1440 tiles, 11 waves (10.9).
TEST(GemmTiling, DenseM4096N7168ByHand) {
  const auto t = k::choose_gemm_tiling(dense(4096, 7168, 16384), kSms, kSmem);
  EXPECT_EQ(t.block_m, 128);
  EXPECT_EQ(t.block_n, 160);
  EXPECT_EQ(t.tiles, 1440);
  EXPECT_EQ(t.waves, 11);
  EXPECT_EQ(t.ctas, 132);
}

// M=64 never uses 128-row blocks; N=2112 in 16-column blocks is exactly one wave of 132.
TEST(GemmTiling, SmallMOneFullWave) {
  const auto t = k::choose_gemm_tiling(dense(64, 2112, 7168), kSms, kSmem);
  EXPECT_EQ(t.block_m, 64);
  EXPECT_EQ(t.block_n, 16);
  EXPECT_EQ(t.waves, 1);
  EXPECT_EQ(t.ctas, 132);
  EXPECT_EQ(t.stages, 8);
  EXPECT_EQ(t.multicast, 1);  // M < 512
}

// M=128, N=2112: (64, 32) and (128, 16) both give 132 tiles; the wider BLOCK_N wins.
TEST(GemmTiling, TieBrokenTowardWiderBlockN) {
  const auto t = k::choose_gemm_tiling(dense(128, 2112, 7168), kSms, kSmem);
  EXPECT_EQ(t.block_m, 64);
  EXPECT_EQ(t.block_n, 32);
}

TEST(GemmTiling, FewerSmsMeanMoreWaves) {
  const auto all = k::choose_gemm_tiling(dense(4096, 7168, 2048), kSms, kSmem);
  const auto fewer = k::choose_gemm_tiling(dense(4096, 7168, 2048), 112, kSmem);  // 20 SMs for communication
  EXPECT_EQ(all.waves, 11);
  EXPECT_EQ(fewer.block_n, 160);
  EXPECT_EQ(fewer.waves, 13);  // 1440 / 112 = 12.9
  EXPECT_LE(fewer.ctas, 112);
}

TEST(GemmLowering, PlanCarriesEveryTileAndCountsLikeDeepGemm) {
  const auto s = dense(4096, 7168, 16384);
  const auto t = k::choose_gemm_tiling(s, kSms, kSmem);
  const auto plan = k::lower_fp8_gemm("g", s, t, {});
  ASSERT_EQ(plan.tiles.size(), 1440U);
  EXPECT_DOUBLE_EQ(plan.useful_flops, 2.0 * 4096 * 7168 * 16384);
  EXPECT_DOUBLE_EQ(plan.nominal_bytes, 4096.0 * 16384 + 16384.0 * 7168 + 2.0 * 4096 * 7168);
  // Every output element is stored exactly once, in BF16.
  std::uint64_t stored = 0;
  for (const auto& tile : plan.tiles) stored += tile.store_bytes;
  EXPECT_EQ(stored, 2ULL * 4096 * 7168);
  // 128 iterations of K; the last column block holds 7168 - 44*160 = 128 columns.
  EXPECT_EQ(plan.tiles[0].iterations, 128U);
  std::uint32_t narrow = 0;
  for (const auto& tile : plan.tiles)
    if (tile.in[1].bytes == 128U * 128 + 4) ++narrow;
  EXPECT_EQ(narrow, 32U);
  // Promotion: one FFMA per accumulator element per K block; none with the scales in the MMA.
  EXPECT_DOUBLE_EQ(plan.tiles[0].cuda_ops, 128.0 * 160);
  k::LoweringFeatures no_promotion;
  no_promotion.promotion_on_cuda_cores = false;
  EXPECT_DOUBLE_EQ(k::lower_fp8_gemm("g", s, t, no_promotion).tiles[0].cuda_ops, 0.0);
}

TEST(GemmLowering, MaskedGroupsComputeOnlyTheirRows) {
  const k::GemmShape s{{256, 0, 1}, 4096, 7168, k::GemmLayout::kMasked};
  const auto t = k::choose_gemm_tiling(s, kSms, kSmem);
  const auto plan = k::lower_fp8_gemm("masked", s, t, {});
  std::uint64_t stored = 0;
  for (const auto& tile : plan.tiles) stored += tile.store_bytes;
  EXPECT_EQ(stored, 2ULL * 257 * 4096);
  EXPECT_DOUBLE_EQ(plan.useful_flops, 2.0 * 257 * 4096 * 7168);
}

// DeepGEMM's scheduler (scheduler.cuh, get_next_block): the dense and contiguous layouts
// swizzle all row blocks together, N in bands of 16 blocks and row blocks outermost in a band;
// the masked layout walks its groups in order and swizzles inside each group. Two groups of two
// row blocks, 32 column blocks (N = 4096 at BLOCK_N = 128), written out by hand.
TEST(GemmLowering, TileOrderFollowsDeepGemmsSchedulerPerLayout) {
  struct Tile {
    std::uint32_t b_tensor, a_row_block, n_block;
    bool operator==(const Tile&) const = default;
  };
  auto order = [](k::GemmLayout layout) {
    const k::GemmShape s{{256, 256}, 4096, 7168, layout};
    auto t = k::choose_gemm_tiling(s, kSms, kSmem);
    t.block_m = 128;
    t.block_n = 128;
    std::vector<Tile> out;
    for (const auto& tile : k::lower_fp8_gemm("order", s, t, {}).tiles)
      out.push_back({tile.in[1].tensor, tile.in[0].row_block, tile.in[1].row_block});
    return out;
  };
  // B of group g is tensor 2 + g; A's row blocks are numbered across groups (0, 1 | 2, 3).
  auto band = [](std::vector<Tile>& v, std::uint32_t group, std::uint32_t row_block, std::uint32_t first_n) {
    for (std::uint32_t n = first_n; n < first_n + 16; ++n) v.push_back({2 + group, row_block, n});
  };
  std::vector<Tile> masked;
  for (std::uint32_t g = 0; g < 2; ++g)
    for (std::uint32_t n0 : {0U, 16U})
      for (std::uint32_t r = 2 * g; r < 2 * g + 2; ++r) band(masked, g, r, n0);
  std::vector<Tile> contiguous;
  for (std::uint32_t n0 : {0U, 16U})
    for (std::uint32_t r = 0; r < 4; ++r) band(contiguous, r / 2, r, n0);
  EXPECT_TRUE(order(k::GemmLayout::kMasked) == masked);
  EXPECT_TRUE(order(k::GemmLayout::kContiguous) == contiguous);
}

// With B multicast the scheduler bands along M instead (kIsTMAMulticastOnA false): 16 row
// blocks, column blocks outermost inside the band, so the two CTAs of a pair (adjacent tiles)
// share their B block. 32 row blocks (M = 4096) and 3 column blocks, written out by hand.
TEST(GemmLowering, BMulticastBandsAlongM) {
  const auto s = dense(4096, 384, 7168);
  auto t = k::choose_gemm_tiling(s, kSms, kSmem);
  t.block_m = 128;
  t.block_n = 128;
  t.multicast = 2;
  t.multicast_on_a = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> want;
  for (std::uint32_t band : {0U, 16U})
    for (std::uint32_t n = 0; n < 3; ++n)
      for (std::uint32_t r = band; r < band + 16; ++r) want.emplace_back(r, n);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> got;
  for (const auto& tile : k::lower_fp8_gemm("m-bands", s, t, {}).tiles) {
    got.emplace_back(tile.in[0].row_block, tile.in[1].row_block);
    EXPECT_DOUBLE_EQ(tile.in[1].l2_bytes_factor, 0.5);  // B reaches two SMs in one transfer
  }
  EXPECT_TRUE(got == want);
  // A multicast keeps the N bands: row block 0 takes column blocks 0, 1, 2 first.
  t.multicast_on_a = true;
  const auto plan = k::lower_fp8_gemm("n-bands", s, t, {});
  ASSERT_GE(plan.tiles.size(), 3U);
  for (std::uint32_t n = 0; n < 3; ++n) {
    EXPECT_EQ(plan.tiles[n].in[0].row_block, 0U);
    EXPECT_EQ(plan.tiles[n].in[1].row_block, n);
  }
}

TEST(GemmLowering, ImpossibleShapesAreRejectedWithTheirValue) {
  auto message = [](const k::GemmShape& s) {
    try {
      (void)k::choose_gemm_tiling(s, kSms, kSmem);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dense(128, 4096, 100)).find("k = 100"), std::string::npos);
  EXPECT_NE(message(dense(0, 4096, 128)).find("m = 0"), std::string::npos);
  EXPECT_NE(message(dense(128, 100, 128)).find("n = 100"), std::string::npos);
  EXPECT_NE(message({{100}, 4096, 128, k::GemmLayout::kContiguous}).find("m = 100"), std::string::npos);
  EXPECT_NE(message({{0, 0}, 4096, 128, k::GemmLayout::kMasked}).find("every group is empty"), std::string::npos);
}

TEST(ElementwiseLowering, QuantizeMovesTheBytesOfItsFormats) {
  const auto plan = k::lower_elementwise("q", k::ElementwiseOp::kQuantize, {4096, 7168}, kSms, {});
  // BF16 in (2 B), E4M3 out (1 B) plus one FP32 scale per 128 elements.
  EXPECT_DOUBLE_EQ(plan.nominal_bytes, 4096.0 * 7168 * (2 + 1 + 4.0 / 128));
  double loaded = 0;
  std::uint64_t stored = 0;
  for (const auto& t : plan.tiles) {
    loaded += double(t.in[0].bytes) * t.iterations;
    stored += t.store_bytes;
  }
  EXPECT_DOUBLE_EQ(loaded, 4096.0 * 7168 * 2);
  EXPECT_EQ(stored, static_cast<std::uint64_t>(4096.0 * 7168 * (1 + 4.0 / 128)));
  k::LoweringFeatures near_memory;
  near_memory.bf16_crosses_hbm_for_cast = false;
  EXPECT_DOUBLE_EQ(k::lower_elementwise("q", k::ElementwiseOp::kQuantize, {4096, 7168}, kSms, near_memory)
                       .tiles[0]
                       .in[0]
                       .hbm_bytes_factor,
                   0.5);
  EXPECT_THROW((void)k::lower_elementwise("q", k::ElementwiseOp::kQuantize, {4096, 100}, kSms, {}),
               std::invalid_argument);
}

TEST(KernelPlan, FingerprintSeesTimingChangesNotNames) {
  const auto s = dense(256, 4096, 7168);
  const auto t = k::choose_gemm_tiling(s, kSms, kSmem);
  const auto a = k::lower_fp8_gemm("a", s, t, {});
  const auto b = k::lower_fp8_gemm("b", s, t, {});
  k::LoweringFeatures f;
  f.promotion_on_cuda_cores = false;
  EXPECT_EQ(k::timing_fingerprint(a), k::timing_fingerprint(b));
  EXPECT_NE(k::timing_fingerprint(a), k::timing_fingerprint(k::lower_fp8_gemm("a", s, t, f)));
}

// DeepGEMM's first release (a6d97a1) for the first published table: one BLOCK_M per shape
// (64 only for M <= 64), BLOCK_N at most 128, every SM, multicast of A only from M = 1024.
// M=128, N=2112: BLOCK_M=128; 1 x ceil(2112/16) = 132 tiles is one full wave with BLOCK_N=16
// (the April rule prefers BLOCK_M=64 with BLOCK_N=32 for the same wave).
TEST(GemmTilingFebruary, OneBlockMPerShapeAndAllSms) {
  const auto feb = k::choose_gemm_tiling(dense(128, 2112, 7168), kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb);
  EXPECT_EQ(feb.generation, k::GemmKernelGeneration::kDeepGemm2025Feb);
  EXPECT_EQ(feb.block_m, 128);
  EXPECT_EQ(feb.block_n, 16);
  EXPECT_EQ(feb.tiles, 132);
  EXPECT_EQ(feb.ctas, kSms);
  EXPECT_EQ(feb.multicast, 1);
  const auto apr = k::choose_gemm_tiling(dense(128, 2112, 7168), kSms, kSmem);
  EXPECT_EQ(apr.block_m, 64);
  EXPECT_EQ(apr.block_n, 32);
  // M=4096, N=7168: BLOCK_N=128 (56 column blocks, 1792 tiles, 14 waves) instead of 160, and
  // A multicast because 7168 is a multiple of 2 x 128; all 132 SMs although 128 would do.
  const auto big = k::choose_gemm_tiling(dense(4096, 7168, 16384), kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb);
  EXPECT_EQ(big.block_n, 128);
  EXPECT_EQ(big.tiles, 1792);
  EXPECT_EQ(big.waves, 14);
  EXPECT_EQ(big.multicast, 2);
  EXPECT_TRUE(big.multicast_on_a);
  EXPECT_EQ(big.ctas, kSms);
  // No multicast below M = 1024 in February, from M = 512 in April.
  const auto m512 = k::choose_gemm_tiling(dense(512, 7168, 2048), kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb);
  EXPECT_EQ(m512.multicast, 1);
  EXPECT_EQ(k::choose_gemm_tiling(dense(512, 7168, 2048), kSms, kSmem).multicast, 2);
}

// Stages: February never below 4, and at most 6 when 128 is not a multiple of BLOCK_N.
TEST(GemmTilingFebruary, StageRule) {
  // M=64, N=7168: BLOCK_N=56 (128 col blocks, one wave); 8 stages would fit, February takes 6.
  const auto feb = k::choose_gemm_tiling(dense(64, 7168, 16384), kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb);
  EXPECT_EQ(feb.block_n, 56);
  EXPECT_EQ(feb.stages, 6);
  EXPECT_EQ(k::choose_gemm_tiling(dense(64, 7168, 16384), kSms, kSmem).stages, 8);
}

// The masked layout decides multicast on the rows of one group (DeepGEMM passes expected_m):
// 4 groups of 256 rows are no multicast in either release, 1024 rows in one group are.
TEST(GemmTiling, MaskedMulticastCountsOneGroup) {
  const k::GemmShape four{{256, 256, 256, 256}, 4096, 7168, k::GemmLayout::kMasked};
  EXPECT_EQ(k::choose_gemm_tiling(four, kSms, kSmem).multicast, 1);
  EXPECT_EQ(k::choose_gemm_tiling(four, kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb).multicast, 1);
  const k::GemmShape one{{1024}, 4096, 7168, k::GemmLayout::kMasked};
  EXPECT_EQ(k::choose_gemm_tiling(one, kSms, kSmem).multicast, 2);
}

// April: the operand of the smaller block's side is multicast first. BLOCK_M=128 > BLOCK_N=64
// tries A (pairs along N), otherwise B.
TEST(GemmTiling, AprilMulticastTriesTheLargerBlocksSideFirst) {
  // M=1024, N=1536: BLOCK_N=96 gives 8 x 16 = 128 tiles in one wave; both pairings divide
  // (1536 = 8 x 2 x 96, 1024 = 4 x 2 x 128) and BLOCK_M > BLOCK_N: A is multicast.
  const auto a = k::choose_gemm_tiling(dense(1024, 1536, 2048), kSms, kSmem);
  ASSERT_EQ(a.block_n, 96);
  ASSERT_EQ(a.multicast, 2);
  EXPECT_TRUE(a.multicast_on_a);
  // M=1024, N=2048: BLOCK_N=128 = BLOCK_M, both divide: B first.
  const auto b = k::choose_gemm_tiling(dense(1024, 2048, 2048), kSms, kSmem);
  ASSERT_EQ(b.block_n, 128);
  ASSERT_EQ(b.multicast, 2);
  EXPECT_FALSE(b.multicast_on_a);
}

// stmatrix.x4 of an unswizzled BF16 tile: rows BLOCK_N * 2 bytes apart. 256-byte rows (BLOCK_N
// 128 or 64) put all 16 rows of a column in one 16-byte bank group: 16 wavefronts instead of 4.
// 224-byte rows (112) cycle through 4 groups, 240-byte rows (120) through all 8: conflict-free.
// 192-byte rows (96) use 2 groups: twice the minimum.
TEST(GemmEpilogue, StmatrixConflictFactorByHand) {
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(128), 4.0);
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(64), 4.0);
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(96), 2.0);
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(112), 1.0);
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(120), 1.0);
  EXPECT_DOUBLE_EQ(k::stmatrix_conflict_factor(16), 1.0);
}

// The epilogue of each release: February writes unswizzled and waits for its own store; April
// writes swizzled (conflict-free) and lets the store drain under the next tile.
TEST(GemmEpilogue, GenerationsDifferInTheEpilogue) {
  const auto s = dense(4096, 7168, 2048);
  const auto feb_t = k::choose_gemm_tiling(s, kSms, kSmem, k::GemmKernelGeneration::kDeepGemm2025Feb);
  const auto feb = k::lower_fp8_gemm("g", s, feb_t, {});
  const auto apr = k::lower_fp8_gemm("g", s, k::choose_gemm_tiling(s, kSms, kSmem), {});
  EXPECT_EQ(feb.tiles.front().store_wait, k::StoreWait::kImmediately);
  EXPECT_DOUBLE_EQ(feb.tiles.front().epilogue_smem_conflict, 4.0);  // BLOCK_N 128
  EXPECT_EQ(apr.tiles.front().store_wait, k::StoreWait::kBeforeNextEpilogue);
  EXPECT_DOUBLE_EQ(apr.tiles.front().epilogue_smem_conflict, 1.0);
  EXPECT_DOUBLE_EQ(apr.tiles.front().epilogue_smem_bytes, 128.0 * 160 * 2);
  EXPECT_EQ(apr.tiles.front().global_round_trips_at_start, 1);  // the B scales
  EXPECT_NE(k::timing_fingerprint(feb), k::timing_fingerprint(apr));
  // A grouped tile first looks its group up: two dependent round trips.
  for (const auto layout : {k::GemmLayout::kContiguous, k::GemmLayout::kMasked}) {
    const k::GemmShape grouped{{256, 256}, 4096, 2048, layout};
    const auto g = k::lower_fp8_gemm("g", grouped, k::choose_gemm_tiling(grouped, kSms, kSmem), {});
    EXPECT_EQ(g.tiles.front().global_round_trips_at_start, 2);
  }
}

// What a benchmark that has just written B leaves in L2: whole row blocks from B's end, in
// address order, at most the given bytes; the last group's B for grouped shapes.
TEST(GemmOperands, BTailChunks) {
  const auto s = dense(64, 256, 512);  // BLOCK_N 16 -> 16 row blocks of B, 4 K blocks each
  const auto t = k::choose_gemm_tiling(s, kSms, kSmem);
  ASSERT_EQ(t.block_n, 16);
  const double chunk = 16.0 * 128 + 4;  // rows x 128 FP8 + one scale
  EXPECT_TRUE(k::gemm_b_tail_chunks(s, t, 0.0).empty());
  EXPECT_TRUE(k::gemm_b_tail_chunks(s, t, 4 * chunk - 1).empty());  // less than one row block
  const auto two = k::gemm_b_tail_chunks(s, t, 2 * 4 * chunk + 10);
  ASSERT_EQ(two.size(), 8U);
  EXPECT_EQ(two.front().row_block, 14U);
  EXPECT_EQ(two.front().column_block, 0U);
  EXPECT_EQ(two.back().row_block, 15U);
  EXPECT_EQ(two.back().column_block, 3U);
  EXPECT_DOUBLE_EQ(two.front().bytes, chunk);
  // Everything when the budget exceeds B.
  EXPECT_EQ(k::gemm_b_tail_chunks(s, t, 1e12).size(), 16U * 4);
  const k::GemmShape g{{64, 64}, 256, 512, k::GemmLayout::kMasked};
  const auto gt = k::choose_gemm_tiling(g, kSms, kSmem);
  const auto last = k::gemm_b_tail_chunks(g, gt, 1e12);
  ASSERT_FALSE(last.empty());
  for (const auto& c : last) EXPECT_EQ(c.tensor, last.front().tensor);  // one group's B only
}

TEST(GemmKernelGeneration, NamesRoundTrip) {
  for (const auto g : {k::GemmKernelGeneration::kDeepGemm2025Feb, k::GemmKernelGeneration::kDeepGemm2025Apr})
    EXPECT_EQ(k::parse_gemm_kernel_generation(k::gemm_kernel_generation_name(g)), g);
  EXPECT_THROW((void)k::parse_gemm_kernel_generation("deepgemm-2026"), std::invalid_argument);
}
