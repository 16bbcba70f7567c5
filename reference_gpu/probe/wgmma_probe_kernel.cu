// The wgmma dot-product kernel: see wgmma_probe_kernel.cuh for the mapping of tests onto the
// instruction, and wgmma_instructions.cuh for the descriptor and fragment layouts.
#include <stdexcept>
#include <string>

#include "reference_gpu/probe/device_buffer.cuh"
#include "reference_gpu/probe/wgmma_instructions.cuh"
#include "reference_gpu/probe/wgmma_probe_kernel.cuh"

namespace codesim::reference::probe {
namespace {

constexpr int kThreads = 128;  // one warpgroup: wgmma is issued by 4 warps together
constexpr int kTileRowsA = 64;  // M of every wgmma

/// K steps per stage: as many as fit in 32 KB, between 1 and 8.
constexpr int steps_per_stage(std::uint32_t step_bytes) {
  const int fit = static_cast<int>(32768 / step_bytes);
  return fit > 8 ? 8 : fit < 1 ? 1 : fit;
}

/// Shared-memory plan for instruction width N. One stage holds several K steps of A (64 rows) and
/// B (N rows), 32 bytes of K per row per step; the stage count keeps the static footprint under
/// 48 KB for every N (no opt-in needed), and a K longer than a stage refills the same memory.
template <int N>
struct StagePlan {
  static constexpr int kTests = N < 64 ? N : 64;  // tests per CTA: the diagonal of the 64 x N tile
  static constexpr std::uint32_t kABytes = kTileRowsA * kStepBytesPerRow;
  static constexpr std::uint32_t kBBytes = N * kStepBytesPerRow;
  static constexpr int kSteps = steps_per_stage(kABytes + kBBytes);
  static constexpr std::uint32_t kBytes = kSteps * (kABytes + kBBytes);
  static constexpr std::uint32_t kAStart = 0;  // the stage's A tiles, then its B tiles
  static constexpr std::uint32_t kBStart = kSteps * kABytes;
};

/// Accumulators before the first instruction: with c, test i's c[i] on D[i][i] and 0 elsewhere; without
/// c, NaN everywhere, which the first instruction's scale-d = 0 must discard (a NaN result shows it
/// did not).
template <int N>
__device__ __forceinline__ void init_accumulators(float (&acc)[N / 2], int warp, int lane, int tests,
                                                  const float* c) {
#pragma unroll
  for (int j = 0; j < N / 2; ++j) {
    const int row = fragment_row(warp, lane, j);
    const bool diagonal = row == fragment_col(lane, j) && row < tests;
    if (c != nullptr)
      acc[j] = diagonal ? c[row] : 0.0f;
    else
      acc[j] = __int_as_float(0x7FC00000);
  }
}

/// Copies `rows_used` operand rows (the other rows of the tile_rows-row tiles are zero) for steps
/// [step0, step0 + steps) into consecutive tiles of tile_bytes starting at `tiles`, 16 bytes per
/// thread per iteration.
__device__ __forceinline__ void stage_matrix(std::uint8_t* tiles, std::uint32_t tile_bytes, int tile_rows,
                                             const std::uint8_t* rows_base, std::size_t row_bytes, int rows_used,
                                             int step0, int steps) {
  const int chunks = steps * tile_rows * 2;
  for (int i = static_cast<int>(threadIdx.x); i < chunks; i += kThreads) {
    const int step = i / (2 * tile_rows);
    const int row = (i / 2) % tile_rows;
    const int half = i % 2;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row < rows_used)
      v = *reinterpret_cast<const uint4*>(rows_base + row * row_bytes +
                                          static_cast<std::size_t>(step0 + step) * kStepBytesPerRow + half * 16);
    *reinterpret_cast<uint4*>(tiles + step * tile_bytes + tile_offset(row, half)) = v;
  }
}

/// Issues one instruction: fence, wgmma, commit, wait. One instruction per commit group is the same
/// chain as several in flight (each takes the previous result as C), and ptxas accepts it as written,
/// while a run-time-length loop of uncommitted wgmmas makes it inject fences of its own.
template <OperandFormat F, int N>
__device__ __forceinline__ void issue_one(float (&acc)[N / 2], std::uint64_t desc_a, std::uint64_t desc_b,
                                          int scale_d) {
#pragma unroll
  for (int j = 0; j < N / 2; ++j) fence_operand(acc[j]);
  wgmma_fence();
  Wgmma<F, N>::mma(acc, desc_a, desc_b, scale_d);
  wgmma_commit();
  wgmma_wait_all();
#pragma unroll
  for (int j = 0; j < N / 2; ++j) fence_operand(acc[j]);
}

/// Issues the stage's instructions in K order on the same accumulators. scale-d is 0 only for the
/// very first instruction of a test without c.
template <OperandFormat F, int N>
__device__ __forceinline__ void issue_stage(float (&acc)[N / 2], const std::uint8_t* smem, int step0, int steps,
                                            bool has_c) {
  using Plan = StagePlan<N>;
  const auto base = static_cast<std::uint32_t>(__cvta_generic_to_shared(smem));
  for (int step = 0; step < steps; ++step)
    issue_one<F, N>(acc, make_smem_descriptor(base + Plan::kAStart + step * Plan::kABytes),
                    make_smem_descriptor(base + Plan::kBStart + step * Plan::kBBytes),
                    (has_c || step0 + step > 0) ? 1 : 0);
}

/// Writes each test's D[i][i]; CTA 0 also writes its whole tile when asked (the self-test checks
/// every element, which exercises every register of the fragment mapping).
template <int N>
__device__ __forceinline__ void store_results(const float (&acc)[N / 2], int warp, int lane, int tests,
                                              std::uint32_t* d, float* tile) {
#pragma unroll
  for (int j = 0; j < N / 2; ++j) {
    const int row = fragment_row(warp, lane, j);
    const int col = fragment_col(lane, j);
    if (row == col && row < tests) d[row] = __float_as_uint(acc[j]);  // bits, NaN payload kept
    if (tile != nullptr) tile[row * N + col] = acc[j];
  }
}

template <OperandFormat F, int N>
__global__ void __launch_bounds__(kThreads) dot_product_kernel(const std::uint8_t* a, const std::uint8_t* b,
                                                               const float* c, int rows, int steps,
                                                               std::uint32_t* d, float* first_tile) {
  using Plan = StagePlan<N>;
  __shared__ __align__(128) std::uint8_t smem[Plan::kBytes];
  const int first_test = static_cast<int>(blockIdx.x) * Plan::kTests;
  const int tests = rows - first_test < Plan::kTests ? rows - first_test : Plan::kTests;
  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const std::size_t row_bytes = static_cast<std::size_t>(steps) * kStepBytesPerRow;
  const std::uint8_t* a_rows = a + static_cast<std::size_t>(first_test) * row_bytes;
  const std::uint8_t* b_rows = b + static_cast<std::size_t>(first_test) * row_bytes;

  float acc[N / 2];
  init_accumulators<N>(acc, warp, lane, tests, c != nullptr ? c + first_test : nullptr);
  for (int step0 = 0; step0 < steps; step0 += Plan::kSteps) {
    const int stage_steps = steps - step0 < Plan::kSteps ? steps - step0 : Plan::kSteps;
    __syncthreads();  // every warp has waited for the previous stage's wgmmas: the tiles may be rewritten
    stage_matrix(smem + Plan::kAStart, Plan::kABytes, kTileRowsA, a_rows, row_bytes, tests, step0, stage_steps);
    stage_matrix(smem + Plan::kBStart, Plan::kBBytes, N, b_rows, row_bytes, tests, step0, stage_steps);
    fence_proxy_async_shared();  // ordinary stores -> the tensor core's async-proxy reads
    __syncthreads();
    issue_stage<F, N>(acc, smem, step0, stage_steps, c != nullptr);
  }
  store_results<N>(acc, warp, lane, tests, d + first_test, blockIdx.x == 0 ? first_tile : nullptr);
}

struct LaunchArgs {
  const std::uint8_t* a;
  const std::uint8_t* b;
  const float* c;
  int rows, steps;
  std::uint32_t* d;
  float* first_tile;
};

template <OperandFormat F, int N>
void launch(const LaunchArgs& x) {
  const int ctas = (x.rows + StagePlan<N>::kTests - 1) / StagePlan<N>::kTests;
  dot_product_kernel<F, N><<<ctas, kThreads>>>(x.a, x.b, x.c, x.rows, x.steps, x.d, x.first_tile);
  REF_CUDA_CHECK_LAUNCH();
  REF_CUDA_CHECK(cudaDeviceSynchronize());
}

template <OperandFormat F>
void launch_for_n(int n, const LaunchArgs& x) {
  switch (n) {
    case 8: return launch<F, 8>(x);
    case 16: return launch<F, 16>(x);
    case 32: return launch<F, 32>(x);
    case 64: return launch<F, 64>(x);
    case 128: return launch<F, 128>(x);
    case 256: return launch<F, 256>(x);
    default: throw std::invalid_argument("wgmma N " + std::to_string(n) + " is not one of 8, 16, 32, 64, 128, 256");
  }
}

void check_sizes(const DotProductBatch& batch) {
  const std::size_t row_bytes =
      static_cast<std::size_t>(batch.k) * static_cast<std::size_t>(operand_bytes(batch.format));
  const auto rows = static_cast<std::size_t>(batch.rows);
  if (batch.rows <= 0 || batch.k <= 0 || batch.k % instruction_k(batch.format) != 0)
    throw std::invalid_argument("dot-product batch: rows " + std::to_string(batch.rows) + ", k " +
                                std::to_string(batch.k) + " (k must be a positive multiple of " +
                                std::to_string(instruction_k(batch.format)) + ")");
  if (batch.a.size() != rows * row_bytes || batch.b.size() != rows * row_bytes ||
      (!batch.c.empty() && batch.c.size() != rows))
    throw std::invalid_argument("dot-product batch: operand sizes do not match rows x k");
}

}  // namespace

std::string wgmma_instruction_name(OperandFormat f, int n) {
  const std::string types = f == OperandFormat::bf16 ? "bf16.bf16" : std::string(format_name(f)) + "." + format_name(f);
  return "wgmma.mma_async.sync.aligned.m64n" + std::to_string(n) + "k" + std::to_string(instruction_k(f)) + ".f32." +
         types;
}

DotProductResult run_wgmma_dot_products(const DotProductBatch& batch, int n, bool capture_first_tile) {
  check_sizes(batch);
  const DeviceBuffer<std::uint8_t> a(batch.a);
  const DeviceBuffer<std::uint8_t> b(batch.b);
  const DeviceBuffer<float> c(batch.c);
  DeviceBuffer<std::uint32_t> d(static_cast<std::size_t>(batch.rows));
  DeviceBuffer<float> tile(capture_first_tile ? static_cast<std::size_t>(kTileRowsA) * static_cast<std::size_t>(n) : 0);
  d.poison();
  tile.poison();
  const LaunchArgs args{a.get(), b.get(), batch.c.empty() ? nullptr : c.get(), batch.rows,
                        batch.k / instruction_k(batch.format), d.get(), tile.get()};
  switch (batch.format) {
    case OperandFormat::e4m3: launch_for_n<OperandFormat::e4m3>(n, args); break;
    case OperandFormat::e5m2: launch_for_n<OperandFormat::e5m2>(n, args); break;
    case OperandFormat::bf16: launch_for_n<OperandFormat::bf16>(n, args); break;
  }
  return DotProductResult{d.to_host(), tile.to_host()};
}

}  // namespace codesim::reference::probe
