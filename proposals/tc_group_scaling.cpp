// tc-group-scaling: tensor cores that take per-group scaling factors.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

constexpr int kMinBits = 1;
constexpr int kMaxBits = 60;

class TcGroupScaling final : public Proposal {
 public:
  std::string name() const override { return "tc-group-scaling"; }
  std::string summary() const override {
    return "The MMA instruction takes the 1x128 activation and 128x128 weight scales and applies them inside "
           "the fused add (each product multiplied by sa*sb), so the whole K stays on the tensor core with no "
           "promotion. The accumulator is exact then rounded to nearest FP32 (accum=fp32, default) or keeps "
           "N fraction bits and truncates (accum=N; 13 shows Hopper's datapath with scaling alone).";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2 (support for tile- and block-wise "
           "quantization); Blackwell block-scaled MMA as precedent";
  }
  std::vector<ProposalParameter> parameters() const override {
    return {{"accum", "accumulator: fp32 (exact then RNE) or a number of fraction bits", "fp32",
             "fp32 or " + std::to_string(kMinBits) + ".." + std::to_string(kMaxBits)}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter != "accum") Proposal::validate_parameter(parameter, value);
    if (value != "fp32") (void)parse_int_parameter(*this, parameter, value, kMinBits, kMaxBits);
  }
  std::optional<numerics::GemmRecipe> gemm_recipe(const ParameterValues& values) const override {
    const std::string& accum = values.at("accum");
    if (accum == "fp32") return numerics::group_scaling_recipe();
    return numerics::group_scaling_recipe(parse_int_parameter(*this, "accum", accum, kMinBits, kMaxBits));
  }
  // The scales are applied inside the MMA: no partial sums leave the tensor core, so the
  // CUDA-core promotion FFMAs and the warpgroup issue slots they take disappear.
  void adjust_lowering(kernels::LoweringFeatures& f, const ParameterValues&) const override {
    f.promotion_on_cuda_cores = false;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<TcGroupScaling>()}};

}  // namespace
}  // namespace codesim::proposals
