// transposed-gemm: MMAs that read their operands transposed from shared memory.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class TransposedGemm final : public Proposal {
 public:
  std::string name() const override { return "transposed-gemm"; }
  std::string summary() const override {
    return "The tensor core reads matrix tiles transposed straight from shared memory, for FP8 as for BF16, so "
           "the weight-gradient GEMMs use the forward pass's 1x128-quantised activations and gradients directly: "
           "the backward pass's dequantise-transpose-requantise kernels (and their HBM round trips) disappear.";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2 (support for transposed GEMM operations)";
  }
  void adjust_lowering(kernels::LoweringFeatures& f, const ParameterValues&) const override {
    f.transpose_requantize_pass = false;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<TransposedGemm>()}};

}  // namespace
}  // namespace codesim::proposals
