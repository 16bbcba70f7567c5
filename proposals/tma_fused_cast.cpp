// tma-fused-cast: the FP8 cast done by the TMA while it copies global memory into shared memory.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class TmaFusedCast final : public Proposal {
 public:
  std::string name() const override { return "tma-fused-cast"; }
  std::string summary() const override {
    return "The TMA casts BF16 activations to FP8 (computing the 1x128 scales) while loading them into shared "
           "memory, so a GEMM fed by BF16 activations needs no separate quantisation kernel: the BF16 tensor is "
           "read once instead of read, written as FP8 and read again. Operators whose FP8 output is needed "
           "anyway (for example the FP8 dispatch on the wire) keep their quantisation.";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2 (support for online quantization: "
           "fuse FP8 cast with TMA access)";
  }
  void adjust_lowering(kernels::LoweringFeatures& f, const ParameterValues&) const override {
    f.separate_quantize_pass = false;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<TmaFusedCast>()}};

}  // namespace
}  // namespace codesim::proposals
