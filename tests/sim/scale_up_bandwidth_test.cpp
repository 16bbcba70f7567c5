// scale-up-bandwidth: its hook sets every GPU's NVLink (per direction: half the parameter), so
// NVLink-bound all-to-alls get faster in proportion while NIC-bound ones do not move, and a
// column with 900 GB/s on the H800 cluster equals the H100 cluster (same fabric, H100 NVLink).
#include <gtest/gtest.h>

#include "emulator/kernels/communication_features.hpp"
#include "emulator/network/alltoall.hpp"
#include "proposals/proposal.hpp"

namespace codesim {
namespace {

network::ClusterConfig with_proposal(network::ClusterConfig c, const std::string& spec) {
  const auto p = proposals::ProposalRegistry::instance().parse(spec);
  kernels::CommunicationFeatures f;
  p.proposal->adjust_communication(f, p.values);
  c.device.nvlink_gbps = f.nvlink_gbps(c.device.nvlink_gbps);
  return c;
}

network::AllToAllRequest request(const char* mode, int ep, int tokens) {
  network::AllToAllRequest q;
  q.mode = mode;
  q.ep = ep;
  q.tokens = tokens;
  if (std::string(mode) != "normal") q.sms = 0;
  return q;
}

TEST(ScaleUpBandwidth, SetsNvlinkPerDirectionFromTheTotal) {
  const auto h800 = network::load_cluster("h800");
  EXPECT_DOUBLE_EQ(with_proposal(h800, "scale-up-bandwidth").device.nvlink_gbps, 450.0);  // default 900
  EXPECT_DOUBLE_EQ(with_proposal(h800, "scale-up-bandwidth:gbps=1800").device.nvlink_gbps, 900.0);
  EXPECT_THROW((void)proposals::ProposalRegistry::instance().parse("scale-up-bandwidth:gbps=10"), std::invalid_argument);
  EXPECT_THROW((void)proposals::ProposalRegistry::instance().parse("scale-up-bandwidth:gbps=fast"), std::invalid_argument);
}

TEST(ScaleUpBandwidth, IntranodeNormalGetsFasterAndPureRdmaDoesNot) {
  const auto h800 = network::load_cluster("h800");
  const auto faster = with_proposal(h800, "scale-up-bandwidth:gbps=900");
  const auto q = request("normal", 8, 1024);
  const auto base = network::run_alltoall(h800, q);
  const auto more = network::run_alltoall(faster, q);
  // NVLink-bound at the fitted SM rate: 2.25x the link, less than 2.25x the time (fixed
  // costs, and the SMs bind first at the faster link).
  EXPECT_GT(base.time_us / more.time_us, 1.5);
  EXPECT_LT(base.time_us / more.time_us, 2.25 + 1e-9);
  // The H100 cluster is the same fabric with H100 NVLink: the proposal gives its times.
  const auto h100 = network::run_alltoall(network::load_cluster("h100"), q);
  EXPECT_NEAR(more.time_us, h100.time_us, 1e-9 * h100.time_us);
  // First-release low-latency kernels use NVLink only for the hop to another plane's NIC; the
  // NIC is their bottleneck, so more NVLink changes nothing.
  const auto ll = request("low-latency", 16, 64);
  EXPECT_NEAR(network::run_alltoall(faster, ll).time_us, network::run_alltoall(h800, ll).time_us,
              1e-9 * network::run_alltoall(h800, ll).time_us);
}

}  // namespace
}  // namespace codesim
