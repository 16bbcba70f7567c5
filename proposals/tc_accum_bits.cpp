// tc-accum-bits: a tensor-core accumulator of configurable width.
#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

constexpr int kMinBits = 1;
constexpr int kMaxBits = 60;

class TcAccumBits final : public Proposal {
 public:
  std::string name() const override { return "tc-accum-bits"; }
  std::string summary() const override {
    return "The FP8 tensor-core datapath keeps N fraction bits when aligning products to the largest exponent "
           "(Hopper keeps 13, so N=13 is the baseline), truncating each term and the result as Hopper does; "
           "DeepGEMM's promotion every 128 elements is kept. Sweeping N shows how many bits a configurable "
           "accumulator needs.";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.2; ISCA'25 'Insights into DeepSeek-V3', "
           "section 3.1 (configurable accumulation precision)";
  }
  std::vector<ProposalParameter> parameters() const override {
    return {{"bits", "fraction bits kept at alignment", "16",
             std::to_string(kMinBits) + ".." + std::to_string(kMaxBits)}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter != "bits") Proposal::validate_parameter(parameter, value);
    (void)parse_int_parameter(*this, parameter, value, kMinBits, kMaxBits);
  }
  std::optional<numerics::GemmRecipe> gemm_recipe(const ParameterValues& values) const override {
    return numerics::accum_bits_recipe(parse_int_parameter(*this, "bits", values.at("bits"), kMinBits, kMaxBits));
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<TcAccumBits>()}};

}  // namespace
}  // namespace codesim::proposals
