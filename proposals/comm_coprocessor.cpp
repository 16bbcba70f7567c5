// comm-coprocessor: a communication co-processor on each GPU's I/O die (DeepSeek-V3 section
// 3.5.1; ISCA'25 section 4.4.2(b)). DeepEP's kernels hold 20-24 SMs to forward InfiniBand
// traffic into NVLink, copy between RDMA buffers and the kernels' buffers, sum the combine and
// cast tokens to FP8 for the wire; the co-processor does all four at its own rate, so no SM is
// held and the compute kernels get the whole GPU.
#include <string>

#include "proposals/proposal.hpp"

namespace codesim::proposals {
namespace {

constexpr double kMinGbps = 10.0;
constexpr double kMaxGbps = 10000.0;
constexpr double kMaxLatencyUs = 100.0;

class CommCoprocessor final : public Proposal {
 public:
  std::string name() const override { return "comm-coprocessor"; }
  std::string summary() const override {
    return "A communication co-processor on the I/O die forwards between InfiniBand and NVLink, copies between "
           "RDMA buffers and the kernels' buffers, sums the combine and casts tokens to FP8 for the wire, at its own "
           "rate (gbps) and per-hop latency: the communication kernels hold no SMs (compute runs on all of them), "
           "nothing is staged through HBM by SMs, and the FP8 cast kernel before each dispatch disappears. "
           "Needs --cluster (run) or alltoall to show its communication side.";
  }
  std::string source() const override {
    return "DeepSeek-V3 technical report, arXiv 2412.19437, section 3.5.1 (20 of 132 SMs held for communication); "
           "ISCA'25 'Insights into DeepSeek-V3', sections 4.4.1-4.4.2 (co-processor for forwarding, reduction, type "
           "conversion). Neither gives the co-processor's rate or latency: the defaults are assumptions (the "
           "throughput of the 24 SMs it replaces at the cluster's calibrated 40 GB/s per SM, about 1 TB/s; one DMA "
           "descriptor round per hop)";
  }
  std::vector<ProposalParameter> parameters() const override {
    return {{"gbps", "bytes the co-processor forwards, copies or sums per second, per GPU (GB/s)", "1000",
             std::to_string(static_cast<int>(kMinGbps)) + ".." + std::to_string(static_cast<int>(kMaxGbps))},
            {"latency_us", "added to every hop it forwards (us)", "1", "0.." + std::to_string(static_cast<int>(kMaxLatencyUs))}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter == "gbps") (void)parse_number_parameter(*this, parameter, value, kMinGbps, kMaxGbps);
    else if (parameter == "latency_us") (void)parse_number_parameter(*this, parameter, value, 0.0, kMaxLatencyUs);
    else Proposal::validate_parameter(parameter, value);
  }
  void adjust_lowering(kernels::LoweringFeatures& features, const ParameterValues& values) const override {
    (void)values;
    features.wire_quantize_on_sms = false;  // the co-processor casts as it sends
  }
  void adjust_communication(kernels::CommunicationFeatures& features, const ParameterValues& values) const override {
    features.sms = 0;
    features.offload.coprocessor = true;
    features.offload.coprocessor_gbps = parse_number_parameter(*this, "gbps", values.at("gbps"), kMinGbps, kMaxGbps);
    features.offload.coprocessor_latency_us =
        parse_number_parameter(*this, "latency_us", values.at("latency_us"), 0.0, kMaxLatencyUs);
  }
};

const ProposalRegistrar registered{ProposalKind{std::make_unique<CommCoprocessor>()}};

}  // namespace
}  // namespace codesim::proposals
