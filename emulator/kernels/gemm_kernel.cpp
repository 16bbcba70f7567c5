#include "emulator/kernels/gemm_kernel.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "emulator/io/json_fields.hpp"
#include "emulator/io/work_limit.hpp"

namespace codesim::kernels {
namespace {

constexpr int kBlockK = 128;
constexpr std::uint32_t kTensorA = 1;
constexpr std::uint32_t kTensorB = 2;  // group g's weights are kTensorB + g

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

/// Row blocks of each group under BLOCK_M (contiguous groups are concatenated, so a block
/// never spans two groups because every group is padded to 128 rows).
std::int64_t row_blocks(const GemmShape& s, int block_m) {
  std::int64_t blocks = 0;
  for (const auto m : s.m) blocks += ceil_div(m, block_m);
  return blocks;
}

std::uint32_t smem_bytes(int block_m, int block_n, int stages, std::int64_t k) {
  const std::int64_t per_stage = std::int64_t{block_m} * kBlockK + std::int64_t{block_n} * kBlockK +
                                 std::int64_t{block_m} * 4 + 16;  // A, B, A's scales, barrier
  const std::int64_t fixed = std::int64_t{block_m} * block_n * 2 + ceil_div(k, kBlockK) * 4 * 2;  // D staging, B scales
  return static_cast<std::uint32_t>(per_stage * stages + fixed);
}

}  // namespace

void check_gemm_shape(const GemmShape& s) {
  if (s.m.empty()) throw std::invalid_argument("GEMM: no groups (m is empty)");
  for (std::size_t g = 0; g < s.m.size(); ++g) {
    if (s.m[g] < 0 || (s.m[g] == 0 && s.layout == GemmLayout::kDense))
      throw std::invalid_argument(fmt::format("GEMM: m = {} (group {}) must be positive", s.m[g], g));
    if (s.layout == GemmLayout::kContiguous && s.m[g] % kBlockK != 0)
      throw std::invalid_argument(fmt::format(
          "GEMM: m = {} (group {}): the contiguous layout pads every group to a multiple of 128 rows", s.m[g], g));
  }
  if (s.n <= 0) throw std::invalid_argument(fmt::format("GEMM: n = {} must be positive", s.n));
  if (s.k <= 0 || s.k % kBlockK != 0)
    throw std::invalid_argument(
        fmt::format("GEMM: k = {} must be a positive multiple of 128 (one 1x128 / 128x128 scale block per K step)", s.k));
  if (s.n % 8 != 0) throw std::invalid_argument(fmt::format("GEMM: n = {} must be a multiple of 8 (BF16 output rows are 16-byte aligned)", s.n));
  if (s.layout == GemmLayout::kDense && s.m.size() != 1)
    throw std::invalid_argument(fmt::format("GEMM: a dense GEMM has one group, got {}", s.m.size()));
  if (std::accumulate(s.m.begin(), s.m.end(), std::int64_t{0}) == 0)
    throw std::invalid_argument("GEMM: every group is empty (m = 0)");
}

std::int64_t gemm_tile_count(const GemmShape& s, int block_m, int block_n) {
  return row_blocks(s, block_m) * ceil_div(s.n, block_n);
}

GemmKernelGeneration parse_gemm_kernel_generation(std::string_view name) {
  if (name == "deepgemm-2025-02") return GemmKernelGeneration::kDeepGemm2025Feb;
  if (name == "deepgemm-2025-04") return GemmKernelGeneration::kDeepGemm2025Apr;
  throw std::invalid_argument(
      fmt::format("unknown GEMM kernel generation '{}' (known: deepgemm-2025-02, deepgemm-2025-04)",
                  io::bounded_quote(name)));
}

std::string_view gemm_kernel_generation_name(GemmKernelGeneration g) {
  return g == GemmKernelGeneration::kDeepGemm2025Feb ? "deepgemm-2025-02" : "deepgemm-2025-04";
}

double stmatrix_conflict_factor(int block_n) {
  // stmatrix.x4: 32 lanes each write one 16-byte row; lanes 0-15 rows 0-15 of the warp's
  // slice at column c, lanes 16-31 the same rows at column c + 8 (DeepGEMM's address
  // pattern). A wavefront carries one row per 16-byte bank group (8 per 128 bytes).
  const std::int64_t row_bytes = std::int64_t{block_n} * 2;
  int per_group[8] = {};
  for (int lane = 0; lane < 32; ++lane) {
    const std::int64_t address = (lane % 16) * row_bytes + (lane / 16) * 16;
    ++per_group[(address / 16) % 8];
  }
  const int worst = *std::max_element(per_group, per_group + 8);
  return static_cast<double>(worst) / 4.0;  // 32 rows need at least 4 wavefronts
}

namespace {

/// The release's configuration rule without the multicast and CTA decisions.
struct TilingRule {
  std::vector<int> block_ms;
  std::vector<int> block_ns;
  /// Equal waves and last-wave fill: does (bm, bn) beat (best_m, best_n)?
  bool (*tie_break)(int bm, int bn, int best_m, int best_n);
};

TilingRule rule_of(GemmKernelGeneration g, const GemmShape& s, std::int64_t max_m) {
  TilingRule r;
  for (int bn = 16; bn <= 128; bn += 8) r.block_ns.push_back(bn);
  if (g == GemmKernelGeneration::kDeepGemm2025Feb) {
    // "TODO: for some cases, smaller M block is better": one BLOCK_M per shape.
    r.block_ms = {s.layout == GemmLayout::kContiguous ? 128 : max_m <= 64 ? 64 : 128};
    r.tie_break = [](int bm, int bn, int best_m, int best_n) { return bm > best_m || (bm == best_m && bn < best_n); };
    return r;
  }
  // A 128-row block for at most 64 rows would compute half padding.
  r.block_ms = s.layout == GemmLayout::kContiguous ? std::vector<int>{128}
               : max_m <= 64                       ? std::vector<int>{64}
                                                   : std::vector<int>{64, 128};
  r.block_ns.push_back(144);
  r.block_ns.push_back(160);
  // Equal last waves: less padding wins (the smaller block when the other size is equal),
  // otherwise the wider BLOCK_N (fewer re-reads of A).
  r.tie_break = [](int bm, int bn, int best_m, int best_n) {
    return (bm == best_m && bn < best_n) || (bn == best_n && bm < best_m) || (bm != best_m && bn > best_n);
  };
  return r;
}

// Tile order of DeepGEMM's persistent scheduler with L2 swizzling: one side in bands of 16
// blocks, the other side outermost inside a band, so the CTAs of one wave share a few blocks
// of one operand and a band of the other. The band runs along N (row blocks outermost), or,
// when B is multicast, along M (column blocks outermost): the two CTAs of a multicast pair
// are adjacent in the order and must share their B block. The dense and contiguous layouts
// swizzle over all row blocks at once; the masked layout's scheduler walks its groups in
// order (each group's row count is read on the device) and swizzles inside each, so a wave
// holds a few groups whole rather than a band of every group.
// Returns (row block, column block) pairs; `group_of_row` gives each row block's group and
// `per_group` asks for the masked layout's walk.
std::vector<std::pair<std::size_t, std::int64_t>> scheduler_tile_order(const std::vector<std::uint32_t>& group_of_row,
                                                                    std::int64_t n_blocks, bool per_group,
                                                                    bool band_along_m) {
  constexpr std::size_t kSwizzle = 16;
  std::vector<std::pair<std::size_t, std::int64_t>> order;  // (row block, column block)
  order.reserve(group_of_row.size() * static_cast<std::size_t>(n_blocks));
  // Row blocks [first, last) are swizzled together: all of them, or one masked group's.
  for (std::size_t first = 0; first < group_of_row.size();) {
    std::size_t last = group_of_row.size();
    if (per_group) {
      last = first;
      while (last < group_of_row.size() && group_of_row[last] == group_of_row[first]) ++last;
    }
    if (band_along_m) {
      for (std::size_t band = first; band < last; band += kSwizzle)
        for (std::int64_t nb = 0; nb < n_blocks; ++nb)
          for (std::size_t r = band; r < std::min(last, band + kSwizzle); ++r) order.emplace_back(r, nb);
    } else {
      const auto n_swizzle = static_cast<std::int64_t>(kSwizzle);
      for (std::int64_t band = 0; band < n_blocks; band += n_swizzle)
        for (std::size_t r = first; r < last; ++r)
          for (std::int64_t nb = band; nb < std::min(n_blocks, band + n_swizzle); ++nb) order.emplace_back(r, nb);
    }
    first = last;
  }
  return order;
}

}  // namespace

GemmTiling choose_gemm_tiling(const GemmShape& s, int sms, int shared_memory_per_block,
                              GemmKernelGeneration generation) {
  check_gemm_shape(s);
  if (sms <= 0) throw std::invalid_argument(fmt::format("GEMM: {} SMs available", sms));
  const bool feb = generation == GemmKernelGeneration::kDeepGemm2025Feb;
  const std::int64_t max_m = *std::max_element(s.m.begin(), s.m.end());
  const auto rule = rule_of(generation, s, max_m);

  GemmTiling best;
  best.generation = generation;
  auto waves_of = [&](std::int64_t tiles) { return static_cast<int>(ceil_div(tiles, sms)); };
  auto last_util = [&](std::int64_t tiles) { return tiles % sms == 0 ? sms : static_cast<int>(tiles % sms); };
  for (const int bm : rule.block_ms) {
    for (const int bn : rule.block_ns) {
      const std::int64_t tiles = gemm_tile_count(s, bm, bn);
      bool better = best.block_m == 0;
      if (!better) {
        const int w = waves_of(tiles);
        const int bw = waves_of(best.tiles);
        if (w != bw) {
          better = w < bw;
        } else {
          const int u = last_util(tiles);
          const int bu = last_util(best.tiles);
          better = u > bu || (u == bu && rule.tie_break(bm, bn, best.block_m, best.block_n));
        }
      }
      if (better) {
        best.block_m = bm;
        best.block_n = bn;
        best.tiles = tiles;
      }
    }
  }
  best.waves = waves_of(best.tiles);
  // The February release never went below 4 stages, and below 6 when 128 is not a multiple
  // of BLOCK_N (two B scales per K block).
  const int max_stages = feb && 128 % best.block_n != 0 ? 6 : 8;
  const int min_stages = feb ? 4 : 3;
  for (int stages = max_stages; stages >= min_stages; --stages) {
    if (smem_bytes(best.block_m, best.block_n, stages, s.k) <= static_cast<std::uint32_t>(shared_memory_per_block)) {
      best.stages = stages;
      break;
    }
  }
  if (best.stages == 0)
    throw std::invalid_argument(fmt::format("GEMM: no pipeline of {} or more stages fits {} B of shared memory",
                                            min_stages, shared_memory_per_block));
  best.smem_bytes = smem_bytes(best.block_m, best.block_n, best.stages, s.k);
  // Multicast pairs two CTAs that share an operand block: A when N splits into pairs of
  // blocks, B when M does (dense only: grouped tiles of one pair must share a group).
  // DeepGEMM decides on the M it chose the tiling for: the whole M for dense and contiguous
  // GEMMs (the contiguous groups are one tall matrix), the expected rows per group for the
  // masked layout, whose groups are separate matrices.
  const std::int64_t total_m = s.layout == GemmLayout::kMasked ? max_m
                                                               : std::accumulate(s.m.begin(), s.m.end(), std::int64_t{0});
  const bool a_legal = s.n % (2 * best.block_n) == 0 && sms % 2 == 0;
  const bool b_legal = s.layout == GemmLayout::kDense && s.m[0] % (2 * best.block_m) == 0 && sms % 2 == 0;
  if (feb) {
    if (total_m >= 1024 && s.layout != GemmLayout::kMasked && a_legal) best.multicast = 2;
  } else if (total_m >= 512) {
    // The larger block's side first: the operand of the other one is multicast.
    const bool a_first = best.block_m > best.block_n;
    if (a_first ? a_legal : !b_legal && a_legal) {
      best.multicast = 2;
      best.multicast_on_a = true;
    } else if (b_legal) {
      best.multicast = 2;
      best.multicast_on_a = false;
    }
  }
  if (feb) {
    best.ctas = sms;  // one persistent CTA per SM
  } else {
    // As few CTAs as keep the wave count (fewer SMs contend for L2 and HBM for the same time).
    std::int64_t ctas = ceil_div(best.tiles, best.waves);
    ctas = ceil_div(ctas, best.multicast) * best.multicast;
    best.ctas = static_cast<int>(std::min<std::int64_t>(ctas, sms));
  }
  return best;
}

std::vector<ChunkRef> gemm_b_tail_chunks(const GemmShape& s, const GemmTiling& t, double bytes) {
  std::vector<ChunkRef> out;
  if (!(bytes > 0.0)) return out;
  const auto group = static_cast<std::uint32_t>(s.m.size() - 1);
  const std::int64_t n_blocks = ceil_div(s.n, t.block_n);
  const auto k_blocks = static_cast<std::uint32_t>(ceil_div(s.k, kBlockK));
  // Whole row blocks from the end of B (its rows are contiguous in memory), then reversed so
  // that the chunks come in address order.
  double left = bytes;
  for (std::int64_t nb = n_blocks - 1; nb >= 0 && left > 0.0; --nb) {
    const std::int64_t cols = std::min<std::int64_t>(t.block_n, s.n - nb * t.block_n);
    const double chunk = static_cast<double>(cols * kBlockK + 4);
    if (chunk * k_blocks > left) break;
    for (std::uint32_t j = k_blocks; j-- > 0;) out.push_back({kTensorB + group, static_cast<std::uint32_t>(nb), j, chunk});
    left -= chunk * k_blocks;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

double gemm_last_b_bytes(const GemmShape& s, const GemmTiling& t) {
  double bytes = 0.0;
  for (std::int64_t nb = 0; nb * t.block_n < s.n; ++nb) {
    const std::int64_t cols = std::min<std::int64_t>(t.block_n, s.n - nb * t.block_n);
    bytes += static_cast<double>(cols * kBlockK + 4) * static_cast<double>(ceil_div(s.k, kBlockK));
  }
  return bytes;
}

double gemm_useful_flops(const GemmShape& s) {
  double f = 0.0;
  for (const auto m : s.m) f += 2.0 * static_cast<double>(m) * static_cast<double>(s.n) * static_cast<double>(s.k);
  return f;
}

double gemm_nominal_bytes(const GemmShape& s) {
  const auto total_m = static_cast<double>(std::accumulate(s.m.begin(), s.m.end(), std::int64_t{0}));
  const auto n = static_cast<double>(s.n);
  const auto k = static_cast<double>(s.k);
  return total_m * k + static_cast<double>(s.m.size()) * n * k + 2.0 * total_m * n;
}

KernelPlan lower_fp8_gemm(const std::string& name, const GemmShape& s, const GemmTiling& t,
                          const LoweringFeatures& features) {
  check_gemm_shape(s);
  KernelPlan plan;
  plan.name = name;
  plan.kind = s.layout == GemmLayout::kDense        ? "fp8_gemm"
              : s.layout == GemmLayout::kContiguous ? "grouped_fp8_gemm_contiguous"
                                                    : "grouped_fp8_gemm_masked";
  plan.config = fmt::format("BM={} BN={} stages={} multicast={}{} ctas={} waves={}{}", t.block_m, t.block_n, t.stages,
                            t.multicast, t.multicast == 2 ? (t.multicast_on_a ? "(A)" : "(B)") : "", t.ctas, t.waves,
                            t.generation == GemmKernelGeneration::kDeepGemm2025Feb ? " (DeepGEMM 2025-02)" : "");
  plan.mma = MmaType::kFp8;
  plan.ctas = t.ctas;
  plan.stages = t.stages;
  plan.smem_bytes_per_cta = t.smem_bytes;
  plan.useful_flops = gemm_useful_flops(s);
  plan.nominal_bytes = gemm_nominal_bytes(s);

  const std::int64_t n_blocks = ceil_div(s.n, t.block_n);
  const auto k_blocks = static_cast<std::uint32_t>(ceil_div(s.k, kBlockK));
  // The plan holds every tile, and the model runs every iteration: refuse a request beyond
  // the limits before anything is allocated for it.
  double row_blocks = 0.0;
  for (const auto m : s.m) row_blocks += static_cast<double>(ceil_div(m, t.block_m));
  const double tiles = row_blocks * static_cast<double>(n_blocks);
  io::kMaxTilesPerKernel.check(name, tiles);
  io::kMaxTileIterations.check(name, tiles * k_blocks);
  // Row blocks in order, each with its group and real row count.
  struct RowBlock {
    std::uint32_t group;
    std::uint32_t index;  // global row-block index (names A's chunks)
    std::int64_t rows;
  };
  std::vector<RowBlock> rows;
  std::uint32_t index = 0;
  for (std::size_t g = 0; g < s.m.size(); ++g) {
    for (std::int64_t r = 0; r < s.m[g]; r += t.block_m)
      rows.push_back({static_cast<std::uint32_t>(g), index++, std::min<std::int64_t>(t.block_m, s.m[g] - r)});
  }
  const double promotion_ops = features.promotion_on_cuda_cores ? double(t.block_m) * t.block_n : 0.0;
  const double a_l2 = t.multicast == 2 && t.multicast_on_a ? 0.5 : 1.0;
  // Before its first MMA a tile's math warps load its B scales (__ldg, one round trip); a
  // grouped tile first looks its group up (the contiguous layout's group index, the masked
  // layout's row count): another round trip, which the scale address depends on.
  const int round_trips = s.layout == GemmLayout::kDense ? 1 : 2;
  const bool feb = t.generation == GemmKernelGeneration::kDeepGemm2025Feb;
  // February: the tile is written unswizzled and thread 0 waits for its TMA store at once;
  // April: swizzled, and the store drains while the next tile's main loop runs.
  const double conflict = feb ? stmatrix_conflict_factor(t.block_n) : 1.0;
  const StoreWait store_wait = feb ? StoreWait::kImmediately : StoreWait::kBeforeNextEpilogue;
  const double b_l2 = t.multicast == 2 && !t.multicast_on_a ? 0.5 : 1.0;
  plan.tiles.reserve(rows.size() * static_cast<std::size_t>(n_blocks));
  std::vector<std::uint32_t> group_of_row;
  for (const auto& rb : rows) group_of_row.push_back(rb.group);
  const auto order = scheduler_tile_order(group_of_row, n_blocks, s.layout == GemmLayout::kMasked,
                                          t.multicast == 2 && !t.multicast_on_a);
  for (const auto& [r, nb] : order) {
    const auto& rb = rows[r];
    const std::int64_t cols = std::min<std::int64_t>(t.block_n, s.n - nb * t.block_n);
    TileProgram tile;
    tile.iterations = k_blocks;
    tile.streams = 2;
    // Chunk bytes: the real rows and columns (TMA does not fetch out-of-bounds rows), with
    // one FP32 scale per row per 128 of K for A and one per 128x128 block for B.
    tile.in[0] = {kTensorA, rb.index, static_cast<std::uint32_t>(rb.rows * kBlockK + rb.rows * 4), 1.0, a_l2};
    tile.in[1] = {kTensorB + rb.group, static_cast<std::uint32_t>(nb),
                  static_cast<std::uint32_t>(cols * kBlockK + 4), 1.0, b_l2};
    tile.mma_flops = 2.0 * t.block_m * t.block_n * kBlockK;  // the MMA computes the padded tile
    // Each math warpgroup (64 rows) reads its A rows and all of B's tile per K block.
    tile.mma_smem_bytes = double(t.block_m) * kBlockK + double(t.block_m / 64) * t.block_n * kBlockK;
    tile.cuda_ops = promotion_ops;
    tile.cuda_overlaps_mma = t.block_m >= 128;  // two math warpgroups ping-pong
    tile.global_round_trips_at_start = round_trips;
    tile.epilogue_cuda_ops = double(t.block_m) * t.block_n;     // FP32 -> BF16
    tile.epilogue_smem_bytes = double(t.block_m) * t.block_n * 2;  // stmatrix into the staging buffer
    tile.epilogue_smem_conflict = conflict;
    tile.store_wait = store_wait;
    tile.store_bytes = static_cast<std::uint64_t>(rb.rows * cols * 2);
    plan.tiles.push_back(tile);
  }
  return plan;
}

}  // namespace codesim::kernels
