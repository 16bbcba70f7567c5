// baseline: the H800 as shipped, with DeepSeek-V3's FP8 recipe (DeepGEMM).
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class Baseline final : public Proposal {
 public:
  std::string name() const override { return "baseline"; }
  std::string summary() const override {
    return "H800 as shipped. FP8 GEMMs use DeepGEMM's recipe: 1x128 activation and 128x128 weight scales, "
           "tensor-core partial sums kept in FP22 (13 fraction bits) and promoted into FP32 on CUDA cores "
           "every 128 elements of K.";
  }
  std::string source() const override { return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.3.2"; }
  std::optional<numerics::GemmRecipe> gemm_recipe(const ParameterValues&) const override {
    return numerics::promote_recipe(numerics::kScaleGroup);
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<Baseline>()}};

}  // namespace
}  // namespace codesim::proposals
