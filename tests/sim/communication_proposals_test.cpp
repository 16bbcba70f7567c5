// The communication proposals on the whole MoE layer, each against the baseline on the same
// routed layer: what each moves (SMs, bytes, hops) and that it moves the layer's time.
#include <gtest/gtest.h>

#include <string>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/link_class.hpp"
#include "emulator/sim/cluster_layer.hpp"
#include "tests/sim/small_scenarios.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::sim {
namespace {

using testing::proposal_column;
using testing::SmallScenario;

class CommunicationProposals : public ::testing::Test {
 protected:
  void SetUp() override {
    device_ = hw::load_device("h800");
    device_.calibration.consistent_set.clear();
    cluster_ = network::load_cluster("h800");
  }
  ClusterLayerResult run(const SmallScenario& s, const std::vector<std::string>& specs) {
    std::vector<ProposalColumn> columns{proposal_column("baseline")};
    for (const auto& spec : specs) columns.push_back(proposal_column(spec));
    return simulate_cluster_layer({testing::write_small_scenario(dir_.path(), s), 1, false}, device_, cluster_, columns);
  }
  testing::TempFolder dir_{"communication-proposals"};
  hw::DeviceConfig device_;
  network::ClusterConfig cluster_;
};

double class_bytes(const ClusterLayerColumn& c, network::LinkClass k, bool in) {
  double b = 0.0;
  for (const auto& a : c.alltoalls)
    for (const auto& s : a.result.link_classes)
      if (s.link_class == k) b += in ? s.in_bytes : s.out_bytes + s.other_bytes;
  return b;
}

/// A GPU's kernels alone, without waiting for HBM the all-to-alls use (which moves with them).
double compute_of(const ClusterLayerColumn& c, int gpu) {
  const auto& g = c.gpus[static_cast<std::size_t>(gpu)];
  return g.compute_us - g.hbm_contention_us;
}

TEST_F(CommunicationProposals, CoprocessorFreesTheSmsAndTheWireCast) {
  const auto r = run({"cop-prefill", "prefill"}, {"comm-coprocessor"});
  const auto& base = r.columns[0];
  const auto& cop = r.columns[1];
  EXPECT_EQ(base.compute_sms, device_.sms - 24);
  EXPECT_EQ(cop.compute_sms, device_.sms);
  EXPECT_EQ(cop.communication_sms, 0);
  EXPECT_FALSE(cop.lowering.wire_quantize_on_sms);
  // Every GPU computes faster on all SMs without the cast kernels.
  for (int g = 0; g < r.gpus; ++g) EXPECT_LT(compute_of(cop, g), compute_of(base, g)) << "GPU " << g;
  // The SMs' copies become the co-processor's; HBM carries less (no staging through it).
  EXPECT_EQ(class_bytes(cop, network::LinkClass::kSm, false), 0.0);
  EXPECT_GT(class_bytes(cop, network::LinkClass::kCoprocessor, false), 0.0);
  EXPECT_LT(class_bytes(cop, network::LinkClass::kHbm, false), class_bytes(base, network::LinkClass::kHbm, false));
  EXPECT_LT(cop.time_us.value, base.time_us.value);
}

TEST_F(CommunicationProposals, SlowCoprocessorBecomesTheBottleneck) {
  const auto r = run({"cop-slow", "prefill"}, {"comm-coprocessor:gbps=10"});
  EXPECT_GT(r.columns[1].time_us.value, r.columns[0].time_us.value);
  EXPECT_NE(r.columns[1].busiest_link.find("coprocessor"), std::string::npos) << r.columns[1].busiest_link;
}

TEST_F(CommunicationProposals, UnifiedNetworkRemovesTheForwardingHop) {
  // Dispatch: no forwarder relays a token over its NVLink port; combine: with nothing in the
  // node to sum, every partial crosses the scale-out network (more InfiniBand bytes).
  const auto r = run({"uni-prefill", "prefill"}, {"unified-network", "unified-network:gbps=200"});
  const auto& base = r.columns[0];
  const auto& uni = r.columns[1];
  EXPECT_EQ(uni.compute_sms, device_.sms);
  EXPECT_LT(class_bytes(uni, network::LinkClass::kNvlink, false), class_bytes(base, network::LinkClass::kNvlink, false));
  EXPECT_GT(class_bytes(uni, network::LinkClass::kNic, true), class_bytes(base, network::LinkClass::kNic, true));
  EXPECT_EQ(class_bytes(uni, network::LinkClass::kPcie, false), 0.0);
  // Four times the scale-out bandwidth: the layer gets faster than at the NIC's rate.
  EXPECT_LT(r.columns[2].time_us.value, uni.time_us.value);
  EXPECT_NE(uni.time_us.value, base.time_us.value);
}

TEST_F(CommunicationProposals, InNetworkReduceSendsFewerBytesOutOfEachSender) {
  const auto r = run({"inr-decode", "decode", 2, 32, 2}, {"in-network-reduce"});
  const auto& base = r.columns[0];
  const auto& inr = r.columns[1];
  EXPECT_EQ(inr.compute_sms, base.compute_sms);  // the kernels keep their SMs
  const double nic_base = class_bytes(base, network::LinkClass::kNic, false) + class_bytes(base, network::LinkClass::kNic, true);
  const double nic_inr = class_bytes(inr, network::LinkClass::kNic, false) + class_bytes(inr, network::LinkClass::kNic, true);
  EXPECT_LT(nic_inr, nic_base);
  EXPECT_NE(inr.time_us.value, base.time_us.value);
}

TEST_F(CommunicationProposals, ScaleUpBandwidthSpeedsTheNvlinkSide) {
  const auto r = run({"su-prefill", "prefill", 1, 256, 2}, {"scale-up-bandwidth:gbps=1800"});
  // One node: every all-to-all is NVLink; compute is unchanged.
  for (int g = 0; g < r.gpus; ++g)
    EXPECT_NEAR(compute_of(r.columns[1], g), compute_of(r.columns[0], g), 1e-9 * compute_of(r.columns[0], g));
  double base = 0.0, fast = 0.0;
  for (const auto& a : r.columns[0].alltoalls) base += a.result.max_time_us;
  for (const auto& a : r.columns[1].alltoalls) fast += a.result.max_time_us;
  EXPECT_LT(fast, base);
  EXPECT_LE(r.columns[1].time_us.value, r.columns[0].time_us.value);
}

}  // namespace
}  // namespace codesim::sim
