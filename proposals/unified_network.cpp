// unified-network: one network interface that reaches every GPU of the cluster (ISCA'25
// section 4.4.2(a); DeepSeek-V3 section 3.5.1's "unify the scale-up and scale-out domains").
// Today a token bound for another node crosses InfiniBand to the GPU with the sender's in-node
// index, whose SMs forward it over NVLink; with a unified adapter the forwarding between the
// fabrics is switched in hardware, so no GPU forwards, no SMs are held, and nothing lands in a
// forwarder's memory. The per-GPU scale-out bandwidth is the parameter.
#include <string>

#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

constexpr double kMinGbps = 10.0;
constexpr double kMaxGbps = 2000.0;

class UnifiedNetwork final : public Proposal {
 public:
  std::string name() const override { return "unified-network"; }
  std::string summary() const override {
    return "One network interface reaches any GPU of the cluster: traffic between InfiniBand and NVLink is switched "
           "in hardware (no forwarding GPU, no SMs held, no landing in a forwarder's HBM, no detour to another "
           "plane's NIC), with `gbps` of scale-out bandwidth per GPU and direction (default: the CX7's 400 Gb/s, so "
           "only the structure changes). Needs --cluster (run) or alltoall to show its communication side.";
  }
  std::string source() const override {
    return "ISCA'25 'Insights into DeepSeek-V3', section 4.4.2(a) (unified network adapter attached to both fabrics, "
           "hardware forwarding of scale-out packets to a GPU of the scale-up domain); DeepSeek-V3 technical report, "
           "arXiv 2412.19437, section 3.5.1";
  }
  std::vector<ProposalParameter> parameters() const override {
    return {{"gbps", "scale-out bandwidth per GPU and direction (GB/s)", "50",
             std::to_string(static_cast<int>(kMinGbps)) + ".." + std::to_string(static_cast<int>(kMaxGbps))}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter != "gbps") Proposal::validate_parameter(parameter, value);
    (void)parse_number_parameter(*this, parameter, value, kMinGbps, kMaxGbps);
  }
  void adjust_communication(kernels::CommunicationFeatures& features, const ParameterValues& values) const override {
    features.sms = 0;
    features.offload.unified_network = true;
    features.offload.scale_out_gbps = parse_number_parameter(*this, "gbps", values.at("gbps"), kMinGbps, kMaxGbps);
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<UnifiedNetwork>()}};

}  // namespace
}  // namespace codesim::proposals
