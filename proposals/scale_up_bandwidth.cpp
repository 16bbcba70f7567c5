// scale-up-bandwidth: more NVLink per GPU. The H800's export cut leaves 400 GB/s (200 per
// direction) of the H100's 900; ISCA'25 argues for larger and faster scale-up domains, since
// every token DeepEP forwards inside a node crosses NVLink.
#include <string>

#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

constexpr double kMinGbps = 50.0;
constexpr double kMaxGbps = 100000.0;

double parse_gbps(const Proposal& p, const std::string& value) {
  return parse_number_parameter(p, "gbps", value, kMinGbps, kMaxGbps);
}

class ScaleUpBandwidth final : public Proposal {
 public:
  std::string name() const override { return "scale-up-bandwidth"; }
  std::string summary() const override {
    return "NVLink bandwidth per GPU as a parameter (both directions together; the H800 has 400 GB/s, the H100 "
           "900): changes every NVLink port of the cluster's network, so the normal kernels' intranode traffic "
           "and NVLink forwarding, and the low-latency kernels' NVLink hops, get faster; compute is unchanged. "
           "Needs --cluster (run) or alltoall to show.";
  }
  std::string source() const override {
    return "ISCA'25 'Insights into DeepSeek-V3', sections 2.3.2 and 5 (scale-up domains, 900 GB/s NVL72 figure); "
           "DeepSeek-V3 technical report, arXiv 2412.19437, sections 3.2.2 and 3.5.1";
  }
  std::vector<ProposalParameter> parameters() const override {
    return {{"gbps", "NVLink GB/s per GPU, both directions together", "900",
             std::to_string(static_cast<int>(kMinGbps)) + ".." + std::to_string(static_cast<int>(kMaxGbps))}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter != "gbps") Proposal::validate_parameter(parameter, value);
    (void)parse_gbps(*this, value);
  }
  void adjust_communication(kernels::CommunicationFeatures& features, const ParameterValues& values) const override {
    features.nvlink_gbps_per_direction = parse_gbps(*this, values.at("gbps")) / 2.0;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<ScaleUpBandwidth>()}};

}  // namespace
}  // namespace codesim::proposals
