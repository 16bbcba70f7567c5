#include "emulator/kernels/gemm_kernel.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

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

GemmTiling choose_gemm_tiling(const GemmShape& s, int sms, int shared_memory_per_block) {
  check_gemm_shape(s);
  if (sms <= 0) throw std::invalid_argument(fmt::format("GEMM: {} SMs available", sms));
  // A 128-row block for at most 64 rows would compute half padding.
  const std::int64_t max_m = *std::max_element(s.m.begin(), s.m.end());
  std::vector<int> block_ms = s.layout == GemmLayout::kContiguous ? std::vector<int>{128}
                              : max_m <= 64                       ? std::vector<int>{64}
                                                                  : std::vector<int>{64, 128};
  std::vector<int> block_ns;
  for (int bn = 16; bn <= 128; bn += 8) block_ns.push_back(bn);
  block_ns.push_back(144);
  block_ns.push_back(160);

  GemmTiling best;
  auto waves_of = [&](std::int64_t tiles) { return static_cast<int>(ceil_div(tiles, sms)); };
  auto last_util = [&](std::int64_t tiles) { return tiles % sms == 0 ? sms : static_cast<int>(tiles % sms); };
  for (const int bm : block_ms) {
    for (const int bn : block_ns) {
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
          // Equal last waves: less padding wins (the smaller block when the other size is
          // equal), otherwise the wider BLOCK_N (fewer re-reads of A).
          better = u > bu || (u == bu && ((bm == best.block_m && bn < best.block_n) ||
                                          (bn == best.block_n && bm < best.block_m) ||
                                          (bm != best.block_m && bn > best.block_n)));
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
  for (int stages = 8; stages >= 3; --stages) {
    if (smem_bytes(best.block_m, best.block_n, stages, s.k) <= static_cast<std::uint32_t>(shared_memory_per_block)) {
      best.stages = stages;
      break;
    }
  }
  if (best.stages == 0)
    throw std::invalid_argument(fmt::format("GEMM: no pipeline of 3 or more stages fits {} B of shared memory",
                                            shared_memory_per_block));
  best.smem_bytes = smem_bytes(best.block_m, best.block_n, best.stages, s.k);
  // Multicast pairs two CTAs that share an operand block: A when N splits into pairs of
  // blocks, else B when M does (dense only: grouped tiles of one pair must share a group).
  const std::int64_t total_m = std::accumulate(s.m.begin(), s.m.end(), std::int64_t{0});
  if (total_m >= 512 && sms % 2 == 0) {
    if (s.n % (2 * best.block_n) == 0) {
      best.multicast = 2;
      best.multicast_on_a = true;
    } else if (s.layout == GemmLayout::kDense && s.m[0] % (2 * best.block_m) == 0) {
      best.multicast = 2;
      best.multicast_on_a = false;
    }
  }
  // As few CTAs as keep the wave count (fewer SMs contend for L2 and HBM for the same time).
  std::int64_t ctas = ceil_div(best.tiles, best.waves);
  ctas = ceil_div(ctas, best.multicast) * best.multicast;
  best.ctas = static_cast<int>(std::min<std::int64_t>(ctas, sms));
  return best;
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
  plan.config = fmt::format("BM={} BN={} stages={} multicast={}{} ctas={} waves={}", t.block_m, t.block_n, t.stages,
                            t.multicast, t.multicast == 2 ? (t.multicast_on_a ? "(A)" : "(B)") : "", t.ctas, t.waves);
  plan.mma = MmaType::kFp8;
  plan.ctas = t.ctas;
  plan.stages = t.stages;
  plan.smem_bytes_per_cta = t.smem_bytes;
  plan.useful_flops = gemm_useful_flops(s);
  plan.nominal_bytes = gemm_nominal_bytes(s);

  const std::int64_t n_blocks = ceil_div(s.n, t.block_n);
  const auto k_blocks = static_cast<std::uint32_t>(ceil_div(s.k, kBlockK));
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
  // Tile order of a persistent scheduler with L2 swizzling: N in groups of 16 blocks; inside a
  // group, row blocks outermost, so the CTAs of one wave share A blocks and a band of B blocks.
  constexpr std::int64_t kSwizzle = 16;
  const double promotion_ops = features.promotion_on_cuda_cores ? double(t.block_m) * t.block_n : 0.0;
  const double a_l2 = t.multicast == 2 && t.multicast_on_a ? 0.5 : 1.0;
  const double b_l2 = t.multicast == 2 && !t.multicast_on_a ? 0.5 : 1.0;
  plan.tiles.reserve(rows.size() * static_cast<std::size_t>(n_blocks));
  for (std::int64_t ng = 0; ng < n_blocks; ng += kSwizzle) {
    const std::int64_t n_end = std::min(n_blocks, ng + kSwizzle);
    for (const auto& rb : rows) {
      for (std::int64_t nb = ng; nb < n_end; ++nb) {
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
        tile.epilogue_cuda_ops = double(t.block_m) * t.block_n;  // FP32 -> BF16 and the shared-memory write
        tile.store_bytes = static_cast<std::uint64_t>(rb.rows * cols * 2);
        plan.tiles.push_back(tile);
      }
    }
  }
  return plan;
}

}  // namespace codesim::kernels
