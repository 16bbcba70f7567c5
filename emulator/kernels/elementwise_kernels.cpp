#include "emulator/kernels/elementwise_kernels.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "emulator/io/work_limit.hpp"

namespace codesim::kernels {
namespace {

constexpr std::int64_t kRowsPerTile = 32;     // one warp per row, a CTA of 32 warps
constexpr std::int64_t kColumnsPerChunk = 512;  // four 1x128 scale groups per row per chunk

struct OpCosts {
  double in_bytes;       ///< bytes read per output element (scales included)
  double out_bytes;      ///< bytes written per output element
  double cuda_ops;       ///< FP32 lane operations per output element
  bool reads_bf16_for_cast;  ///< its input is BF16 that is read only to be cast to FP8
  const char* kind;
};

// Instruction counts per output element: amax (abs, max), scale multiply, convert (two
// values per cvt instruction); SwiGLU adds exp (SFU, counted as 4), reciprocal (4), two
// multiplies; the transpose pass dequantises, re-quantises and shuffles through shared memory.
OpCosts costs(ElementwiseOp op) {
  switch (op) {
    case ElementwiseOp::kQuantize: return {2.0, 1.0 + 4.0 / 128, 3.5, true, "quantize"};
    case ElementwiseOp::kSwigluQuantize: return {4.0, 1.0 + 4.0 / 128, 13.5, false, "swiglu_quantize"};
    case ElementwiseOp::kSwigluBackward: return {3.0, 1.0 + 4.0 / 128, 12.0, false, "swiglu_backward_quantize"};
    case ElementwiseOp::kCastTranspose: return {1.0 + 4.0 / 128, 1.0 + 4.0 / 128, 6.0, false, "cast_transpose"};
  }
  throw std::logic_error("unknown elementwise operation");
}

}  // namespace

KernelPlan lower_elementwise(const std::string& name, ElementwiseOp op, const ElementwiseShape& shape, int sms,
                             const LoweringFeatures& features) {
  if (shape.rows <= 0) throw std::invalid_argument(fmt::format("{}: rows = {} must be positive", name, shape.rows));
  if (shape.cols <= 0 || shape.cols % 128 != 0)
    throw std::invalid_argument(fmt::format("{}: cols = {} must be a positive multiple of 128", name, shape.cols));
  if (sms <= 0) throw std::invalid_argument(fmt::format("{}: {} SMs available", name, sms));
  const auto c = costs(op);
  KernelPlan plan;
  plan.name = name;
  plan.kind = c.kind;
  plan.stages = 2;
  const std::int64_t row_tiles = (shape.rows + kRowsPerTile - 1) / kRowsPerTile;
  const std::int64_t chunks = (shape.cols + kColumnsPerChunk - 1) / kColumnsPerChunk;
  // As for GEMMs: the plan holds every tile and the model runs every chunk.
  io::kMaxTilesPerKernel.check(name, static_cast<double>(row_tiles));
  io::kMaxTileIterations.check(name, static_cast<double>(row_tiles) * static_cast<double>(chunks));
  plan.ctas = static_cast<int>(std::min<std::int64_t>(sms, row_tiles));
  plan.config = fmt::format("rows/CTA-tile={} cols/chunk={} ctas={}", kRowsPerTile, kColumnsPerChunk, plan.ctas);
  plan.smem_bytes_per_cta =
      static_cast<std::uint32_t>(plan.stages * kRowsPerTile * kColumnsPerChunk * c.in_bytes);
  const auto elements = static_cast<double>(shape.rows) * static_cast<double>(shape.cols);
  plan.nominal_bytes = elements * (c.in_bytes + c.out_bytes);
  // A BF16 tensor read only to be cast crosses HBM as FP8 when the cast is next to memory.
  const double in_hbm_factor = c.reads_bf16_for_cast && !features.bf16_crosses_hbm_for_cast ? 0.5 : 1.0;
  plan.tiles.reserve(static_cast<std::size_t>(row_tiles));
  for (std::int64_t r = 0; r < row_tiles; ++r) {
    const std::int64_t rows = std::min(kRowsPerTile, shape.rows - r * kRowsPerTile);
    TileProgram tile;
    tile.iterations = static_cast<std::uint32_t>(chunks);
    tile.streams = 1;
    const double chunk_elements = static_cast<double>(rows) * static_cast<double>(std::min(kColumnsPerChunk, shape.cols));
    tile.in[0] = {1, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(chunk_elements * c.in_bytes), in_hbm_factor,
                  1.0};
    tile.cuda_ops = chunk_elements * c.cuda_ops;
    tile.store_bytes = static_cast<std::uint64_t>(static_cast<double>(rows) * static_cast<double>(shape.cols) * c.out_bytes);
    plan.tiles.push_back(tile);
  }
  return plan;
}

KernelPlan lower_roofline(const std::string& name, double flops, double bytes) {
  if (!(flops >= 0.0) || !(bytes >= 0.0) || flops + bytes <= 0.0)
    throw std::invalid_argument(fmt::format("{}: roofline needs non-negative FLOP and bytes, not both zero", name));
  KernelPlan plan;
  plan.name = name;
  plan.kind = "roofline";
  plan.config = "roofline (BF16 tensor rate, HBM bandwidth)";
  plan.mma = MmaType::kBf16;
  plan.roofline = true;
  plan.roofline_flops = flops;
  plan.roofline_bytes = bytes;
  plan.useful_flops = flops;
  plan.nominal_bytes = bytes;
  return plan;
}

}  // namespace codesim::kernels
