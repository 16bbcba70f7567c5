#include "emulator/kernels/operator_lowering.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

#include "emulator/kernels/elementwise_kernels.hpp"
#include "emulator/kernels/gemm_kernel.hpp"

namespace codesim::kernels {
namespace {

using workloads::OperatorKind;

std::int64_t round_up(std::int64_t v, std::int64_t to) { return (v + to - 1) / to * to; }

GemmLayout layout_of(const workloads::Operator& op) {
  if (op.layout == "contiguous") return GemmLayout::kContiguous;
  if (op.layout == "masked") return GemmLayout::kMasked;
  if (op.layout == "dense") return GemmLayout::kDense;
  throw std::invalid_argument(fmt::format("{}: unknown GEMM layout '{}'", op.name, op.layout));
}

KernelPlan gemm_plan(const std::string& name, const GemmShape& shape, const LoweringFeatures& f, int sms, int smem) {
  return lower_fp8_gemm(name, shape, choose_gemm_tiling(shape, sms, smem), f);
}

}  // namespace

std::vector<KernelPlan> lower_operator(const workloads::Operator& op, const LoweringFeatures& f, int sms, int smem) {
  auto elementwise = [&](ElementwiseOp e) {
    return std::vector<KernelPlan>{lower_elementwise(op.name, e, {op.rows, op.cols}, sms, f)};
  };
  switch (op.kind) {
    case OperatorKind::kQuantize:
      // Its FP8 output goes on the wire (dispatch), so a TMA-fused cast cannot replace it:
      // separate_quantize_pass (tma-fused-cast) applies only to a quantise that feeds a GEMM,
      // and today's workloads have none. Hardware that casts on the way out removes it.
      if (!f.wire_quantize_on_sms) return {};
      return elementwise(ElementwiseOp::kQuantize);
    case OperatorKind::kSwigluQuantize: return elementwise(ElementwiseOp::kSwigluQuantize);
    case OperatorKind::kSwigluBackward: return elementwise(ElementwiseOp::kSwigluBackward);
    case OperatorKind::kCastTranspose:
      if (!f.transpose_requantize_pass) return {};
      return elementwise(ElementwiseOp::kCastTranspose);
    case OperatorKind::kGemm:
    case OperatorKind::kGroupedGemm: {
      if (op.m.empty() || op.k.empty()) throw std::invalid_argument(fmt::format("{}: GEMM without m or k", op.name));
      if (op.k.size() == 1) {
        GemmShape shape{op.m, op.n, op.k[0], layout_of(op)};
        if (shape.layout == GemmLayout::kContiguous)
          for (auto& m : shape.m) m = round_up(m, 128);  // each group padded to BLOCK_M
        if (std::accumulate(shape.m.begin(), shape.m.end(), std::int64_t{0}) == 0) return {};
        return {gemm_plan(op.name, shape, f, sms, smem)};
      }
      // Weight gradients: the tokens are K, one K per group; one GEMM per expert, K padded
      // to the 128 of a scale block.
      std::vector<KernelPlan> plans;
      for (std::size_t g = 0; g < op.k.size(); ++g) {
        if (op.k[g] == 0) continue;
        const GemmShape shape{{op.m[0]}, op.n, round_up(op.k[g], 128), GemmLayout::kDense};
        plans.push_back(gemm_plan(fmt::format("{}[{}]", op.name, g), shape, f, sms, smem));
      }
      return plans;
    }
    case OperatorKind::kDispatch:
    case OperatorKind::kCombine: return {};
  }
  throw std::logic_error("unknown operator kind");
}

}  // namespace codesim::kernels
