// The MoE layer on every GPU of a cluster: the layer is never shorter than its critical path
// nor longer than its parts in series; every GPU's time is accounted for once; each GPU runs
// its own routed rows (imbalance shows, the slowest GPU sets the time); two micro-batches hide
// communication; results are deterministic; scenarios the cluster cannot hold are refused.
#include "emulator/sim/cluster_layer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "emulator/network/cluster_config.hpp"
#include "tests/sim/small_scenarios.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::sim {
namespace {

using testing::proposal_column;
using testing::SmallScenario;

hw::DeviceConfig best_fit_device() {
  auto d = hw::load_device("h800");
  d.calibration.consistent_set.clear();
  return d;
}

class ClusterLayer : public ::testing::Test {
 protected:
  ClusterLayerResult run(const SmallScenario& s, const std::vector<std::string>& specs = {"baseline"},
                         bool bands = false) {
    const auto file = testing::write_small_scenario(dir_.path(), s);
    std::vector<ProposalColumn> columns;
    for (const auto& spec : specs) columns.push_back(proposal_column(spec));
    return simulate_cluster_layer({file, 1, bands}, device_, cluster_, columns);
  }
  testing::TempFolder dir_{"cluster-layer"};
  hw::DeviceConfig device_ = best_fit_device();
  network::ClusterConfig cluster_ = network::load_cluster("h800");
};

void expect_accounted(const ClusterLayerColumn& c) {
  double slowest = 0.0;
  for (const auto& g : c.gpus) {
    EXPECT_NEAR(g.compute_us + g.exposed_us + g.idle_us, g.end_us, 1e-6 * g.end_us) << "GPU " << g.gpu;
    EXPECT_NEAR(g.hidden_us + g.exposed_us, g.communication_us, 1e-6 * g.end_us) << "GPU " << g.gpu;
    EXPECT_GE(g.hbm_contention_us, 0.0);
    slowest = std::max(slowest, g.end_us);
  }
  EXPECT_DOUBLE_EQ(c.time_us.value, slowest);
  EXPECT_DOUBLE_EQ(c.gpus[static_cast<std::size_t>(c.slowest_gpu)].end_us, slowest);
  EXPECT_GE(c.time_us.value, c.critical_path_us * (1 - 1e-12));
  EXPECT_LE(c.time_us.value, c.sum_of_parts_us * (1 + 1e-12));
  EXPECT_GE(c.critical_path_us, c.busiest_link_us * (1 - 1e-9));
}

TEST_F(ClusterLayer, PrefillBetweenCriticalPathAndSeriesWithCommunicationHidden) {
  const auto r = run({"small-prefill", "prefill"});
  ASSERT_EQ(r.columns.size(), 1U);
  const auto& c = r.columns[0];
  EXPECT_EQ(r.gpus, 16);
  EXPECT_EQ(c.gpus.size(), 16U);
  EXPECT_EQ(c.communication_sms, 24);
  EXPECT_EQ(c.compute_sms, device_.sms - 24);
  expect_accounted(c);
  // Two micro-batches: four all-to-alls, and the experts of one run beside the other's.
  EXPECT_EQ(c.alltoalls.size(), 4U);
  double hidden = 0.0;
  for (const auto& g : c.gpus) hidden += g.hidden_us;
  EXPECT_GT(hidden, 0.0);
  EXPECT_LT(c.time_us.value, c.sum_of_parts_us);
  EXPECT_FALSE(c.busiest_link.empty());
}

TEST_F(ClusterLayer, TrainingPairsForwardWithBackwardAndDecodeRunsLowLatency) {
  const auto t = run({"small-train", "training", 2, 128, 1});
  expect_accounted(t.columns[0]);
  ASSERT_EQ(t.columns[0].chains.size(), 2U);
  EXPECT_EQ(t.columns[0].chains[0].name, "forward");
  EXPECT_EQ(t.columns[0].alltoalls.size(), 4U);  // dispatch, combine, gradient dispatch, gradient combine
  const auto d = run({"small-decode", "decode", 2, 32, 2});
  expect_accounted(d.columns[0]);
  EXPECT_EQ(d.collective, "low-latency-nvlink");
  EXPECT_EQ(d.columns[0].communication_sms, 0);
  EXPECT_EQ(d.columns[0].compute_sms, device_.sms);
}

TEST_F(ClusterLayer, EveryGpuRunsItsOwnRowsAndTheSlowestSetsTheTime) {
  const auto r = run({"small-skewed", "prefill", 2, 256, 2, 1.0});
  const auto& c = r.columns[0];
  expect_accounted(c);
  const auto [lo, hi] = std::minmax_element(c.gpus.begin(), c.gpus.end(), [](const auto& a, const auto& b) {
    return a.routed_rows < b.routed_rows;
  });
  ASSERT_GT(hi->routed_rows, lo->routed_rows);
  // The GPU with the most rows computes longest; no average hides it.
  const auto most_compute = std::max_element(c.gpus.begin(), c.gpus.end(), [](const auto& a, const auto& b) {
    return a.compute_us < b.compute_us;
  });
  EXPECT_GT(hi->compute_us, lo->compute_us);
  EXPECT_DOUBLE_EQ(c.slowest_gpu_compute_us, most_compute->compute_us);
}

TEST_F(ClusterLayer, SameSeedSameLayer) {
  const auto a = run({"small-prefill", "prefill"});
  const auto b = run({"small-prefill", "prefill"});
  EXPECT_EQ(a.columns[0].time_us.value, b.columns[0].time_us.value);
  for (std::size_t g = 0; g < a.columns[0].gpus.size(); ++g)
    EXPECT_EQ(a.columns[0].gpus[g].end_us, b.columns[0].gpus[g].end_us);
}

TEST_F(ClusterLayer, BandsHoldTheBestFitAndSpeedupsFormMemberByMember) {
  device_ = hw::load_device("h800");
  const auto r = run({"small-decode", "decode", 2, 32, 2}, {"baseline", "scale-up-bandwidth:gbps=900"}, true);
  EXPECT_GT(r.device_members.size(), 1U);
  EXPECT_GT(r.cluster_members.size(), 1U);
  for (const auto& c : r.columns) {
    EXPECT_LE(c.time_us.low, c.time_us.value);
    EXPECT_GE(c.time_us.high, c.time_us.value);
  }
  EXPECT_EQ(r.columns[0].speedup.value, 1.0);
  EXPECT_EQ(r.columns[0].speedup.low, 1.0);
}

TEST_F(ClusterLayer, RefusesScenariosTheClusterCannotHold) {
  // The H800 cluster cut to one node: a two-node scenario does not fit.
  auto j = nlohmann::json::parse(std::ifstream(network::cluster_folder() / "h800.json"));
  j["nodes"] = 1;
  const auto file = dir_.path() / "one-node.json";
  std::ofstream(file) << j.dump();
  cluster_ = network::load_cluster(file.string());
  try {
    (void)run({"too-big", "decode", 2, 32, 2});
    FAIL() << "a scenario larger than the cluster ran";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("GPUs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace codesim::sim
