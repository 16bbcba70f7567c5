// The scenario layer (emulator/sim/scenario_simulation): with a cluster, its all-to-all phases
// are exactly the network model run on the scenario's own counts; without one, its expert
// computation is the proposal comparison it always was; a GEMM is a one-operator scenario.
#include <gtest/gtest.h>

#include <string>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/scenario_traffic.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/named_statistic.hpp"
#include "emulator/sim/proposal_comparison.hpp"
#include "emulator/sim/scenario_gpu.hpp"
#include "emulator/sim/scenario_simulation.hpp"

namespace codesim::sim {
namespace {

/// The h800 with its best fit only: these tests check couplings, not bands, and each member
/// costs a full simulation.
hw::DeviceConfig best_fit_device() {
  auto d = hw::load_device("h800");
  d.calibration.consistent_set.clear();
  return d;
}

const std::vector<ProposalColumn> kBaseline{{"baseline", {}, {}}};

void expect_exactly_the_network_model(const std::string& scenario, int gpu, int micro_batch) {
  SCOPED_TRACE(scenario);
  const auto device = best_fit_device();
  const auto cluster = network::load_cluster("h800");
  const auto r = simulate_scenario({scenario, 1, gpu, micro_batch}, device, &cluster, kBaseline);
  ASSERT_EQ(r.cluster, "h800");
  const auto& col = r.columns.front();
  ASSERT_EQ(col.phases.size(), 2U);

  const auto routed = load_scenario_gpu(scenario, gpu, micro_batch, 1);
  const auto counts = network::scenario_token_counts(*routed.routed, micro_batch);
  for (const auto op : {network::CommOp::kDispatch, network::CommOp::kCombine}) {
    const auto direct = network::run_alltoall_counts(
        cluster, network::scenario_alltoall_request(*routed.routed, op, routed.communication.sms), counts);
    const auto& phase = col.phases[op == network::CommOp::kDispatch ? 0 : 1];
    EXPECT_EQ(phase.phase, op == network::CommOp::kDispatch ? "dispatch" : "combine");
    // The coupling is exact: the same request on the same counts, nothing rescaled.
    EXPECT_EQ(phase.time_us.value, direct.gpu_time_us[static_cast<std::size_t>(gpu)]);
    EXPECT_EQ(phase.max_time_us.value, direct.max_time_us);
    EXPECT_EQ(phase.mean_time_us.value, direct.time_us);
    EXPECT_EQ(phase.bandwidth_gbps.value, direct.bandwidth_gbps);
    EXPECT_EQ(phase.best_fit.request.sms, routed.communication.sms);
  }
  // Each communication operator is timed by its phase; the compute operators are not.
  for (std::size_t i = 0; i < r.operators.size(); ++i) {
    const auto& op = r.operators[i];
    const bool communication =
        op.kind == workloads::OperatorKind::kDispatch || op.kind == workloads::OperatorKind::kCombine;
    EXPECT_EQ(col.phase_of(op) != nullptr, communication) << op.name;
  }
}

TEST(ScenarioSimulation, AllToAllPhasesAreExactlyTheNetworkModelOnTheScenariosCounts) {
  expect_exactly_the_network_model("decode-ep128", 3, 1);  // low-latency, no SMs held
  expect_exactly_the_network_model("prefill-ep32", 9, 0);  // normal kernels on 24 SMs
}

TEST(ScenarioSimulation, WithoutAClusterTheComputationIsTheProposalComparison) {
  const auto device = best_fit_device();
  const std::vector<ProposalColumn> columns{
      {"baseline", {}, {}},
      {"no-transpose", [](kernels::LoweringFeatures& f) { f.transpose_requantize_pass = false; }, {}}};
  const auto r = simulate_scenario({"decode-ep144", 1, 7, 1}, device, nullptr, columns);
  EXPECT_TRUE(r.cluster.empty());
  const auto gpu = load_scenario_gpu("decode-ep144", 7, 1, 1);
  kernels::LoweringFeatures base;
  base.reserved_sms = gpu.communication.sms;
  auto other = base;
  other.transpose_requantize_pass = false;
  const auto direct = compare_proposals(device, gpu.operators, {{"baseline", base}, {"no-transpose", other}});
  ASSERT_EQ(r.columns.size(), 2U);
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& mine = r.columns[c];
    EXPECT_TRUE(mine.phases.empty());
    EXPECT_EQ(mine.compute_sms, device.sms - gpu.communication.sms);
    EXPECT_EQ(mine.computation.spec, direct.proposals[c].spec);
    EXPECT_EQ(mine.computation.total_us.value, direct.proposals[c].total_us.value);
    EXPECT_EQ(mine.computation.hbm_bytes.value, direct.proposals[c].hbm_bytes.value);
    ASSERT_EQ(mine.computation.operator_us.size(), r.operators.size());
    for (const auto& op : r.operators) EXPECT_EQ(mine.phase_of(op), nullptr);
  }
}

TEST(ScenarioSimulation, AGemmIsAOneOperatorScenario) {
  const auto device = best_fit_device();
  GemmScenario g;
  g.shape = {{64}, 2112, 7168, kernels::GemmLayout::kDense};
  g.conditions.kernel = kernels::GemmKernelGeneration::kDeepGemm2025Feb;
  g.conditions.b_tail_stream_ratio = 2.0;
  const auto r = simulate_gemm_scenario(g, device, kBaseline.front());
  ASSERT_EQ(r.operators.size(), 1U);
  const auto& col = r.columns.front();
  const auto direct = simulate_gemm(device, g.shape, {}, 0, nullptr, g.conditions);
  EXPECT_EQ(col.computation.total_us.value, direct.time_us);
  EXPECT_EQ(col.computation.operator_us.front().value, direct.time_us);
  EXPECT_EQ(col.computation.per_member.front().operators.front().kernels.front().config, direct.config);
}

TEST(ScenarioSimulation, ErrorsNameTheClusterAndTheIndex) {
  const auto device = best_fit_device();
  auto cluster = network::load_cluster("h800");
  cluster.nodes = 2;  // 16 GPUs: too few for EP32
  try {
    (void)simulate_scenario({"prefill-ep32", 1, 0, 0}, device, &cluster, kBaseline);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cluster h800"), std::string::npos) << e.what();
  }
  try {
    (void)simulate_scenario({"decode-ep128", 1, 128, 0}, device, nullptr, kBaseline);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--gpu 128"), std::string::npos) << e.what();
  }
}

TEST(NamedStatistic, OneFormatterForTextAndJson) {
  const std::vector<NamedStatistic> s{{"time_us", "us", "this GPU's kernel", {12.5, 12.0, 13.0}, 1},
                                      {"nic_bytes_out", "B", "leaving GPUs", {1e6, 1e6, 1e6}, 0}};
  EXPECT_EQ(format_statistics(s, "  "),
            "  time_us        12.5 [12.0, 13.0] us  this GPU's kernel\n"
            "  nic_bytes_out  1000000 B             leaving GPUs\n");
  nlohmann::ordered_json j;
  put_statistics(j, s);
  EXPECT_EQ(j["time_us"], 12.5);
  EXPECT_EQ(j["time_us_low"], 12.0);
  EXPECT_EQ(j["time_us_high"], 13.0);
  EXPECT_EQ(j["nic_bytes_out_high"], 1e6);
}

}  // namespace
}  // namespace codesim::sim
