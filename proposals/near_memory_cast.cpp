// near-memory-cast: BF16 -> FP8 conversion next to HBM, so only FP8 crosses the memory interface.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class NearMemoryCast final : public Proposal {
 public:
  std::string name() const override { return "near-memory-cast"; }
  std::string summary() const override {
    return "Compute next to HBM casts BF16 to FP8 as the data leaves memory, so a BF16 tensor read only to be "
           "quantised crosses the off-chip interface at 1 byte per element instead of 2 (the report's 'about "
           "50%' of off-chip traffic for that read).";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2 (near-memory computing approach)";
  }
  void adjust_lowering(kernels::LoweringFeatures& f, const ParameterValues&) const override {
    f.bf16_crosses_hbm_for_cast = false;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<NearMemoryCast>()}};

}  // namespace
}  // namespace codesim::proposals
