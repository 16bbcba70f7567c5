#pragma once
// A kernel lowered to what the timing model executes: a grid of persistent CTAs that take
// tiles in schedule order. Each tile is a tile program: a pipelined main loop whose every
// iteration loads chunks through the TMA (into one of `stages` shared-memory buffers), runs
// MMAs on the tensor-core pipe and work on the CUDA-core pipe, then an epilogue that stores
// the output tile. Chunks are named (tensor, row block, column block) so that the L2 model can
// recognise a chunk another CTA already brought in.
#include <cstdint>
#include <string>
#include <vector>

namespace codesim::kernels {

enum class MmaType { kNone, kFp8, kBf16 };

/// One chunk of an operand as the L2 model names it: iteration `column_block` of the load
/// stream (tensor, row_block); `bytes` as it lands in shared memory.
struct ChunkRef {
  std::uint32_t tensor = 0;
  std::uint32_t row_block = 0;
  std::uint32_t column_block = 0;
  double bytes = 0.0;
};

/// What L2 holds when a kernel starts, as the work before it left it: `chunks` (in the order
/// they were last touched, oldest first), each touched together with `other_bytes_per_byte`
/// bytes of data the kernel never reads (a temporary read beside an output written), and
/// older such data filling the rest: a used L2 is full. Least-recently-used order then keeps
/// only the newest capacity's worth. Empty: a flushed L2.
struct L2State {
  std::vector<ChunkRef> chunks;
  double other_bytes_per_byte = 0.0;
};

/// When the epilogue waits for the TMA store of the output tile to leave shared memory.
enum class StoreWait {
  kNone,                ///< never (element kernels: their output leaves through its own buffer)
  kBeforeNextEpilogue,  ///< before the next tile's epilogue reuses the staging buffer
  kImmediately,         ///< right after issuing it, before the next tile starts
};

/// One operand stream of a main loop: iteration j loads chunk (tensor, row_block, j).
struct LoadStream {
  std::uint32_t tensor = 0;
  std::uint32_t row_block = 0;
  std::uint32_t bytes = 0;          ///< bytes per chunk as they land in shared memory
  double hbm_bytes_factor = 1.0;    ///< bytes crossing HBM per byte landed (2: BF16 cast to FP8 in the TMA)
  double l2_bytes_factor = 1.0;     ///< share of the L2->SM transfer this CTA pays (0.5: TMA multicast to 2 CTAs)
};

struct TileProgram {
  std::uint32_t iterations = 0;            ///< main-loop iterations (K blocks, or column chunks); iteration j loads column block j
  LoadStream in[2];
  int streams = 0;
  double mma_flops = 0.0;                  ///< per iteration
  double mma_smem_bytes = 0.0;             ///< shared-memory bytes the MMAs read per iteration
  double cuda_ops = 0.0;                   ///< FP32 lane operations per iteration (promotion, casts)
  bool cuda_overlaps_mma = false;          ///< two math warpgroups ping-pong: CUDA-core work hides behind MMAs
  double epilogue_cuda_ops = 0.0;          ///< per tile
  /// Dependent global-memory round trips the math warps wait for before the first MMA of the
  /// tile (DeepGEMM loads the tile's B scales with __ldg; they are L2 hits after the first).
  int global_round_trips_at_start = 0;
  /// Bytes the epilogue writes into shared memory (stmatrix) before the TMA store, and the
  /// bank-conflict factor of that write (1: conflict-free).
  double epilogue_smem_bytes = 0.0;
  double epilogue_smem_conflict = 1.0;
  /// When the output staging buffer is known free again (DeepGEMM's tma_store_wait).
  StoreWait store_wait = StoreWait::kNone;
  std::uint64_t store_bytes = 0;           ///< output bytes written per tile
};

struct KernelPlan {
  std::string name;        ///< operator name, e.g. "routed.gate_up.fprop"
  std::string kind;        ///< "fp8_gemm", "grouped_fp8_gemm_contiguous", "quantize", ...
  std::string config;      ///< human-readable tiling, e.g. "BM=128 BN=160 stages=5 mc=2"
  MmaType mma = MmaType::kNone;
  int ctas = 0;            ///< persistent CTAs (at most one per SM)
  int stages = 1;          ///< shared-memory pipeline depth
  std::uint32_t smem_bytes_per_cta = 0;
  std::vector<TileProgram> tiles;  ///< in schedule order: CTA c takes tiles c, c+ctas, ...
  // Counted the way the published benchmarks count them (DeepGEMM: 2*M*N*K; A, B once, D once).
  double useful_flops = 0.0;
  double nominal_bytes = 0.0;
  /// Roofline operators (no tile program): time = max(flops/rate, bytes/bandwidth).
  bool roofline = false;
  double roofline_flops = 0.0;
  double roofline_bytes = 0.0;
};

/// A 64-bit fingerprint of everything in a plan that affects its timing (not its name), so
/// that a run can reuse the result of an identical kernel.
[[nodiscard]] std::uint64_t timing_fingerprint(const KernelPlan& plan);

}  // namespace codesim::kernels
