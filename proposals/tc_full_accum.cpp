// tc-full-accum: FP8 tensor-core accumulation at full FP32 precision.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class TcFullAccum final : public Proposal {
 public:
  std::string name() const override { return "tc-full-accum"; }
  std::string summary() const override {
    return "Tensor cores accumulate FP8 products at full precision: the exact sum of each MMA's 32 products "
           "and the accumulator, rounded once to nearest FP32 (as Blackwell's FP8 MMA behaves), instead of "
           "Hopper's 13-fraction-bit truncating datapath. With DeepSeek's blockwise scales the per-group scale "
           "is still applied on CUDA cores every 128 elements; combine with tc-group-scaling to remove that.";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2 (increased accumulation precision)";
  }
  std::optional<numerics::GemmRecipe> gemm_recipe(const ParameterValues&) const override {
    return numerics::full_accum_recipe();
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<TcFullAccum>()}};

}  // namespace
}  // namespace codesim::proposals
