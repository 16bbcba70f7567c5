// in-network-reduce: multicast for dispatch and reduction for combine inside the switches
// (ISCA'25 section 4.4.2(c); DeepSeek-V3 section 3.5.1 asks for the combine's reduction in
// hardware). A token bound for several GPUs leaves its sender once and is replicated by the
// NVSwitch or the InfiniBand switch nearest its targets; the combine's partial outputs are
// summed on their way back, so one vector per token arrives. The SMs still drive the kernels.
#include <string>

#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

class InNetworkReduce final : public Proposal {
 public:
  std::string name() const override { return "in-network-reduce"; }
  std::string summary() const override {
    return "Switches multicast the dispatch (a token leaves its sender once and is replicated by the NVSwitch or "
           "InfiniBand switch nearest its targets) and sum the combine (one reduced vector per token arrives): fewer "
           "bytes on the links out of a sender in dispatch and into a receiver in combine; the communication kernels "
           "keep their SMs. Needs --cluster (run) or alltoall to show.";
  }
  std::string source() const override {
    return "ISCA'25 'Insights into DeepSeek-V3', section 4.4.2(c) (hardware broadcast for EP dispatch and reduce for "
           "EP combine on both fabrics); DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.1";
  }
  void adjust_communication(kernels::CommunicationFeatures& features, const ParameterValues& values) const override {
    (void)values;
    features.offload.switch_multicast = true;
    features.offload.switch_reduce = true;
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<InNetworkReduce>()}};

}  // namespace
}  // namespace codesim::proposals
