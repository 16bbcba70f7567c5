// The communication hook of proposals (Proposal::adjust_communication): no shipped proposal
// changes communication yet, so a test-only one, registered in this binary only, shows that
// the scenario layer applies a column's communication features both to the SMs left for the
// expert computation and to the all-to-all it asks the network for.
#include <gtest/gtest.h>

#include <memory>

#include "emulator/network/cluster_config.hpp"
#include "emulator/sim/scenario_simulation.hpp"
#include "proposals/proposal.hpp"

namespace codesim {
namespace {

/// Communication kernels on `sms` SMs over NVLink `nvlink` times as fast: what a proposal that
/// offloads or speeds up the all-to-alls would change.
class TestCommunication final : public proposals::Proposal {
 public:
  std::string name() const override { return "test-communication"; }
  std::string summary() const override { return "test only: communication SMs and NVLink bandwidth"; }
  std::string source() const override { return "tests/sim/communication_hook_test.cpp"; }
  std::vector<proposals::ProposalParameter> parameters() const override {
    return {{"sms", "SMs the communication kernels hold", "32", "0..64"},
            {"nvlink", "NVLink bandwidth factor", "1", "1..4"}};
  }
  void validate_parameter(const std::string& parameter, const std::string& value) const override {
    if (parameter != "sms" && parameter != "nvlink") Proposal::validate_parameter(parameter, value);
    (void)proposals::parse_int_parameter(*this, parameter, value, parameter == "sms" ? 0 : 1, parameter == "sms" ? 64 : 4);
  }
  void adjust_communication(kernels::CommunicationFeatures& f, const proposals::ParameterValues& v) const override {
    f.sms = proposals::parse_int_parameter(*this, "sms", v.at("sms"), 0, 64);
    f.nvlink_bandwidth_scale = proposals::parse_int_parameter(*this, "nvlink", v.at("nvlink"), 1, 4);
  }
};

const proposals::ProposalRegistrar registered{proposals::ProposalKind{std::make_unique<TestCommunication>()}};

sim::ProposalColumn column_of(const std::string& spec) {
  const auto p = proposals::ProposalRegistry::instance().parse(spec);
  return {p.spec(), [p](kernels::LoweringFeatures& f) { p.proposal->adjust_lowering(f, p.values); },
          [p](kernels::CommunicationFeatures& f) { p.proposal->adjust_communication(f, p.values); }};
}

hw::DeviceConfig best_fit_device() {
  auto d = hw::load_device("h800");
  d.calibration.consistent_set.clear();
  return d;
}

TEST(CommunicationHook, BaselineLeavesTheScenariosCommunication) {
  kernels::CommunicationFeatures f;
  f.sms = 24;
  const auto baseline = proposals::ProposalRegistry::instance().parse("baseline");
  baseline.proposal->adjust_communication(f, baseline.values);
  EXPECT_EQ(f.sms, 24);
  EXPECT_EQ(f.nvlink_bandwidth_scale, 1.0);
}

TEST(CommunicationHook, ColumnsCommunicationReachesComputeSmsAndTheAllToAll) {
  const auto device = best_fit_device();
  const auto cluster = network::load_cluster("h800");
  // prefill-ep32 runs DeepEP's normal kernels on 24 SMs; across 4 nodes they forward over NVLink.
  const auto r = sim::simulate_scenario({"prefill-ep32", 1, 0, 0}, device, &cluster,
                                        {column_of("baseline"), column_of("test-communication:sms=32,nvlink=1"),
                                         column_of("test-communication:sms=24,nvlink=4")});
  ASSERT_EQ(r.columns.size(), 3U);
  const auto& base = r.columns[0];
  const auto& more_sms = r.columns[1];
  const auto& fast_nvlink = r.columns[2];
  EXPECT_EQ(base.communication.sms, 24);
  EXPECT_EQ(base.compute_sms, device.sms - 24);
  // More communication SMs: fewer for the expert GEMMs, and a normal kernel with more SMs.
  EXPECT_EQ(more_sms.compute_sms, device.sms - 32);
  EXPECT_GT(more_sms.computation.total_us.value, base.computation.total_us.value);
  EXPECT_EQ(more_sms.phases.front().best_fit.request.sms, 32);
  EXPECT_NE(more_sms.phases.front().time_us.value, base.phases.front().time_us.value);
  // Faster NVLink: the compute is the baseline's; the all-to-all moves the same bytes on
  // another network. (Not necessarily a faster one: when this test was written, NVLink x4 made
  // this dispatch slightly slower on the mean over GPUs and the combine faster, as max-min
  // sharing re-divides the other links once the NVLink flows change pace.)
  EXPECT_EQ(fast_nvlink.compute_sms, base.compute_sms);
  EXPECT_EQ(fast_nvlink.computation.total_us.value, base.computation.total_us.value);
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_NE(fast_nvlink.phases[p].time_us.value, base.phases[p].time_us.value) << p;
    EXPECT_EQ(fast_nvlink.phases[p].best_fit.gpu_bytes, base.phases[p].best_fit.gpu_bytes);
  }
}

}  // namespace
}  // namespace codesim
