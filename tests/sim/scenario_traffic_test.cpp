// A routed scenario as the network sees it (emulator/network/scenario_traffic): the token
// counts of its all-to-alls conserve the scenario's tokens and copies, and agree hop by hop
// with the traffic the workloads layer builds from the same routing.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "emulator/network/scenario_traffic.hpp"
#include "emulator/sim/scenario_gpu.hpp"

namespace codesim {
namespace {

namespace wl = workloads;

std::shared_ptr<const wl::MoeLayerWorkload> routed(const std::string& scenario, int micro_batch = 0) {
  return sim::load_scenario_gpu(scenario, 0, micro_batch, 1).routed;
}

/// Copies per token: the routed experts, and the shared expert when it is served as a routed one.
int copies_per_token(const wl::MoeLayerWorkload& w) {
  return w.model.experts_per_token + (w.scenario.shared == wl::SharedExpertPlacement::kRoutedReplicas ? 1 : 0);
}

void expect_conserved(const std::string& scenario, int micro_batch) {
  SCOPED_TRACE(scenario);
  const auto w = routed(scenario, micro_batch);
  const auto c = network::scenario_token_counts(*w, micro_batch, 2);
  const int gpus = w->scenario.gpus();
  const std::int64_t tokens = w->scenario.tokens_per_micro_batch;
  ASSERT_EQ(c.gpus, gpus);
  ASSERT_EQ(c.nodes, w->scenario.nodes);
  const auto total = std::accumulate(c.copies.begin(), c.copies.end(), std::int64_t{0});
  EXPECT_EQ(total, tokens * gpus * copies_per_token(*w));
  for (int s = 0; s < gpus; ++s) {
    std::int64_t row = 0;
    std::int64_t reached_nodes = 0;
    for (int d = 0; d < gpus; ++d) {
      row += c.copy(s, d);
      // A token reaches a GPU at most once, and only with at least one copy there.
      EXPECT_LE(c.gpu(s, d), c.copy(s, d));
      EXPECT_LE(c.gpu(s, d), tokens);
    }
    EXPECT_EQ(row, tokens * copies_per_token(*w)) << "source " << s;
    for (int b = 0; b < c.nodes; ++b) {
      std::int64_t in_node = 0;
      std::int64_t most = 0;
      for (int d = b * c.gpus_per_node; d < (b + 1) * c.gpus_per_node; ++d) {
        in_node += c.gpu(s, d);
        most = std::max(most, c.gpu(s, d));
      }
      // Deduplicating per node can only merge what per-GPU counting kept apart.
      EXPECT_LE(c.node(s, b), in_node);
      EXPECT_GE(c.node(s, b), most);
      reached_nodes += c.node(s, b);
    }
    // Every token reaches at least one node, and no more nodes than it has copies.
    EXPECT_GE(reached_nodes, tokens);
    EXPECT_LE(reached_nodes, tokens * std::min(copies_per_token(*w), c.nodes));
  }
}

TEST(ScenarioTraffic, CountsConserveTheScenariosTokensAndCopies) {
  expect_conserved("decode-ep128", 1);  // contiguous placement, no replicas
  expect_conserved("decode-ep144", 0);  // redundant experts: replicas share tokens round-robin
  expect_conserved("decode-ep320", 1);  // the shared expert served as a ninth routed expert
}

// Normal mode: a GPU keeps its own tokens (local), sends a token once per remote node over
// InfiniBand to the GPU with its in-node index, which forwards it over NVLink with the tokens
// of its own node. Every entry of the workload's matrices follows from the counts.
TEST(ScenarioTraffic, AgreesWithTheWorkloadsNormalModeTrafficHopByHop) {
  const int micro_batch = 1;  // the second draw: its streams start after the first's
  const auto w = routed("prefill-ep32", micro_batch);
  ASSERT_EQ(w->scenario.comm_mode, wl::CommunicationMode::kNormal);
  const auto c = network::scenario_token_counts(*w, micro_batch, 2);
  const auto& phase = w->micro_batches[micro_batch].traffic.front();
  ASSERT_EQ(phase.name, "dispatch");
  const std::int64_t b = phase.bytes_per_copy;
  const int gpus = c.gpus;
  const int gpn = c.gpus_per_node;
  for (int s = 0; s < gpus; ++s) {
    EXPECT_EQ(phase.local[static_cast<std::size_t>(s)], c.gpu(s, s) * b);
    for (int node = 0; node < c.nodes; ++node) {
      if (node == s / gpn) continue;
      EXPECT_EQ(phase.infiniband.at(s, node * gpn + s % gpn), c.node(s, node) * b) << s << " -> node " << node;
    }
  }
  for (int r = 0; r < gpus; ++r)
    for (int d = 0; d < gpus; ++d) {
      if (d == r || d / gpn != r / gpn) {
        EXPECT_EQ(phase.nvlink.at(r, d), 0);
        continue;
      }
      std::int64_t tokens = c.gpu(r, d);  // r's own tokens
      for (int a = r % gpn; a < gpus; a += gpn)
        if (a / gpn != d / gpn) tokens += c.gpu(a, d);  // forwarded by r for remote sources
      EXPECT_EQ(phase.nvlink.at(r, d), tokens * b) << r << " -> " << d;
    }
}

// Low-latency mode without NVLink: every (token, expert) copy is one message to its GPU.
TEST(ScenarioTraffic, AgreesWithTheWorkloadsLowLatencyTraffic) {
  const auto w = routed("decode-ep320");
  ASSERT_EQ(w->scenario.comm_mode, wl::CommunicationMode::kLowLatency);
  ASSERT_FALSE(w->scenario.intranode_nvlink);
  const auto c = network::scenario_token_counts(*w, 0, 2);
  const auto& phase = w->micro_batches[0].traffic.front();
  const std::int64_t b = phase.bytes_per_copy;
  for (int s = 0; s < c.gpus; ++s)
    for (int d = 0; d < c.gpus; ++d) {
      if (s == d) EXPECT_EQ(phase.local[static_cast<std::size_t>(s)], c.copy(s, s) * b);
      else EXPECT_EQ(phase.infiniband.at(s, d), c.copy(s, d) * b) << s << " -> " << d;
    }
}

TEST(ScenarioTraffic, RequestIsTheScenariosOwnCommunication) {
  const auto prefill = routed("prefill-ep32");
  const auto q = network::scenario_alltoall_request(*prefill, network::CommOp::kCombine, 24);
  EXPECT_EQ(q.mode, "normal");
  EXPECT_EQ(q.op, network::CommOp::kCombine);
  EXPECT_EQ(q.ep, 32);
  EXPECT_EQ(q.tokens, 8192);
  EXPECT_EQ(q.hidden, 7168);
  EXPECT_EQ(q.sms, 24);
  EXPECT_EQ(q.experts % q.ep, 0);  // 288 instances: EP divides them with redundant experts
  const auto decode = routed("decode-ep320");
  const auto ll = network::scenario_alltoall_request(*decode, network::CommOp::kDispatch, 24);
  EXPECT_EQ(ll.mode, "low-latency");  // intranode_nvlink false: the pure-RDMA release
  EXPECT_EQ(ll.sms, 0);                // low-latency kernels hold no SMs
  EXPECT_EQ(ll.top_k, 9);              // eight routed experts and the shared one
  EXPECT_EQ(ll.experts, 320);
}

TEST(ScenarioTraffic, ClusterMustHoldTheScenariosNodes) {
  const auto w = routed("decode-ep128");
  network::ClusterConfig cluster;
  cluster.name = "tiny";
  cluster.nodes = 4;
  cluster.gpus_per_node = 8;
  const auto few = network::scenario_cluster_problem(cluster, w->scenario);
  ASSERT_TRUE(few.has_value());
  EXPECT_NE(few->find("128"), std::string::npos) << *few;
  EXPECT_NE(few->find("tiny"), std::string::npos) << *few;
  cluster.nodes = 64;
  cluster.gpus_per_node = 4;
  const auto shape = network::scenario_cluster_problem(cluster, w->scenario);
  ASSERT_TRUE(shape.has_value());
  EXPECT_NE(shape->find("GPUs per node"), std::string::npos) << *shape;
  cluster.gpus_per_node = 8;
  EXPECT_FALSE(network::scenario_cluster_problem(cluster, w->scenario).has_value());
}

TEST(ScenarioTraffic, NamesAMicroBatchOutsideTheScenario) {
  const auto w = routed("decode-ep128");
  try {
    (void)network::scenario_token_counts(*w, 2);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("micro-batch 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace codesim
