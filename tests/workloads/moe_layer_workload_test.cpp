// One MoE layer of the DeepSeek-V3 scenarios, checked against the notes' numbers
// (../shared/notes/deepseek-v3.md §B), conservation laws, and a set-based re-derivation of the
// traffic rule of [V3] §3.2.2 written independently of the library.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>

#include "workloads/config/workload_catalog.hpp"
#include "workloads/config/workload_error.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"
#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/moe_layer/workload_json.hpp"

namespace codesim::workloads {
namespace {

MoeLayerWorkload build(const std::string& scenario, std::uint64_t seed, std::optional<double> skew = {}) {
  const auto s = load_scenario(scenario);
  RoutingOptions o;
  o.seed = seed;
  if (skew) {
    o.scores = "zipf";
    o.skew = skew;
  }
  o.threads = 2;
  return build_moe_layer_workload(s, load_model(s.model), o);
}

const AllToAllPhase& phase(const MicroBatchWorkload& mb, const std::string& name) {
  for (const auto& p : mb.traffic)
    if (p.name == name) return p;
  throw std::runtime_error("no phase " + name);
}

TEST(WireSizes, Fp8DispatchIs7392AndBf16CombineIs14336BytesPerToken) {
  const auto s = load_scenario("train-ep64");
  const auto m = load_model("deepseek-v3");
  EXPECT_EQ(dispatch_bytes_per_token(s, m), 7392);   // 7168 + 7168/128 * 4, notes §B.6
  EXPECT_EQ(combine_bytes_per_token(s, m), 14336);   // 2 * 7168
  const auto ll = load_scenario("decode-ep128");
  EXPECT_EQ(dispatch_bytes_per_token(ll, m), 7408);  // + 16 B metadata in DeepEP low-latency
}

TEST(TrainEp64, ATokenReachesAbout397NodesAndNeverMoreThanFour) {
  const auto w = build("train-ep64", 1);
  const auto& r = w.micro_batches.at(0).routing;
  // notes §B.1 (20k-token Monte Carlo): E[nodes] 3.97, P(4) 0.967, E[remote] 3.46, E[GPUs] 7.49.
  EXPECT_NEAR(r.mean_nodes_per_token, 3.97, 0.01);
  EXPECT_LE(r.max_nodes_per_token, 4);
  const double tokens = 64.0 * 4096;
  EXPECT_NEAR(static_cast<double>(r.nodes_histogram.at(4)) / tokens, 0.967, 0.01);
  EXPECT_NEAR(r.mean_remote_nodes_per_token, 3.46, 0.02);
  EXPECT_NEAR(r.mean_gpus_per_token, 7.49, 0.02);
}

TEST(TrainEp64, BalancedRoutingGivesAbout8192RowsPerExpert) {
  const auto w = build("train-ep64", 3);
  const auto& mb = w.micro_batches.at(0);
  EXPECT_DOUBLE_EQ(mb.balance.mean_rows_per_instance, 8192.0);  // 64*4096*8/256, notes §B.2
  for (const auto& g : mb.gpus) {
    ASSERT_EQ(g.instances.size(), 4U);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(g.instances[i].expert, g.gpu * 4 + static_cast<int>(i));
  }
}

// Every routed (token, expert) pair lands in exactly one expert instance of that expert.
TEST(Conservation, EveryRoutedPairIsReceivedExactlyOnce) {
  for (const std::string name : {"train-ep64", "prefill-ep32", "decode-ep320", "decode-ep144", "decode-ep128"}) {
    SCOPED_TRACE(name);
    const auto w = build(name, 5);
    const auto& m = w.model;
    const auto gate = GateRegistry::instance().at(m.router.gate).make(m);
    const auto scores = ScoreGeneratorRegistry::instance().at("independent").make({5, m.routed_experts, 0.0});
    const std::int64_t tokens = w.scenario.tokens_per_micro_batch * w.scenario.gpus();
    const auto draw = draw_routing(*gate, *scores, m.routed_experts, m.experts_per_token, 0, tokens);
    std::map<int, std::int64_t> drawn;
    for (const int e : draw.experts) ++drawn[e];
    std::map<int, std::int64_t> received;
    for (const auto& g : w.micro_batches.at(0).gpus)
      for (const auto& i : g.instances) received[i.expert] += i.rows;
    const bool shared_routed = w.scenario.shared == SharedExpertPlacement::kRoutedReplicas;
    if (shared_routed) drawn[m.routed_experts] = tokens;  // every token also picks the shared expert
    std::erase_if(received, [](const auto& kv) { return kv.second == 0; });
    EXPECT_EQ(received, drawn);
  }
}

// The traffic rule re-derived with sets, independently of the library: per token,
// InfiniBand once per remote target node to the GPU with the sender's in-node index, NVLink
// from there (or from the sender inside its own node) to every other target GPU. EP64
// training has one copy of each expert (expert e on GPU e/4), so the targets follow from the
// draw alone.
TEST(Conservation, TrainingTrafficEqualsASetBasedDerivation) {
  const auto w = build("train-ep64", 9);
  const auto& m = w.model;
  const auto& mb = w.micro_batches.at(0);
  const auto gate = GateRegistry::instance().at(m.router.gate).make(m);
  const auto scores = ScoreGeneratorRegistry::instance().at("independent").make({9, m.routed_experts, 0.0});
  const std::int64_t tokens = 64 * 4096;
  const auto draw = draw_routing(*gate, *scores, m.routed_experts, 8, 0, tokens);
  std::map<std::pair<int, int>, std::int64_t> ib;
  std::map<std::pair<int, int>, std::int64_t> nvl;
  std::int64_t local = 0;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const int src = static_cast<int>(t / 4096);
    std::set<int> gpus;
    for (int j = 0; j < 8; ++j) gpus.insert(draw.experts[static_cast<std::size_t>(t * 8 + j)] / 4);
    std::set<int> remote_nodes;
    for (const int g : gpus) {
      if (g == src) {
        ++local;
      } else if (g / 8 == src / 8) {
        ++nvl[{src, g}];
      } else {
        const int relay = (g / 8) * 8 + src % 8;
        if (remote_nodes.insert(g / 8).second) ++ib[{src, relay}];
        if (g != relay) ++nvl[{relay, g}];
      }
    }
  }
  for (const std::string name : {"dispatch", "gradient_dispatch", "combine", "gradient_combine"}) {
    SCOPED_TRACE(name);
    const auto& p = phase(mb, name);
    const bool forward = name.find("dispatch") != std::string::npos;
    const std::int64_t b = forward ? 7392 : 14336;
    std::int64_t ib_total = 0;
    std::int64_t nvl_total = 0;
    for (const auto& [k, n] : ib) {
      EXPECT_EQ(forward ? p.infiniband.at(k.first, k.second) : p.infiniband.at(k.second, k.first), n * b);
      ib_total += n * b;
    }
    for (const auto& [k, n] : nvl) {
      EXPECT_EQ(forward ? p.nvlink.at(k.first, k.second) : p.nvlink.at(k.second, k.first), n * b);
      nvl_total += n * b;
    }
    EXPECT_EQ(p.infiniband.total(), ib_total);  // nothing outside the derived pairs
    EXPECT_EQ(p.nvlink.total(), nvl_total);
    std::int64_t kept = 0;
    for (const auto x : p.local) kept += x;
    EXPECT_EQ(kept, local * b);
  }
}

// Bytes sent equal bytes received per link class; InfiniBand stays on its rail and crosses
// nodes; NVLink stays inside a node; the combine mirrors the dispatch.
TEST(Conservation, PrefillTrafficKeepsRailsAndMirrors) {
  const auto w = build("prefill-ep32", 9);
  const auto& s = w.scenario;
  const auto& mb = w.micro_batches.at(0);
  const auto& dispatch = phase(mb, "dispatch");
  const auto& combine = phase(mb, "combine");
  const std::int64_t tokens = s.tokens_per_micro_batch * s.gpus();
  const double remote = mb.routing.mean_remote_nodes_per_token * static_cast<double>(tokens);
  EXPECT_EQ(dispatch.infiniband.total(), static_cast<std::int64_t>(std::llround(remote)) * 7392);
  for (int a = 0; a < s.gpus(); ++a) {
    for (int b = 0; b < s.gpus(); ++b) {
      const auto ib = dispatch.infiniband.at(a, b);
      if (ib != 0) {
        EXPECT_EQ(a % 8, b % 8) << "InfiniBand traffic must stay on its rail";
        EXPECT_NE(a / 8, b / 8) << "no InfiniBand inside a node";
      }
      if (dispatch.nvlink.at(a, b) != 0) {
        EXPECT_EQ(a / 8, b / 8) << "NVLink only inside a node";
      }
      EXPECT_EQ(combine.infiniband.at(b, a) * 7392, ib * 14336);
      EXPECT_EQ(combine.nvlink.at(b, a) * 7392, dispatch.nvlink.at(a, b) * 14336);
    }
  }
  for (const auto* p : {&dispatch, &combine}) {
    std::int64_t sent = 0;
    std::int64_t received = 0;
    for (int g = 0; g < s.gpus(); ++g) {
      sent += p->nvlink.sent_by(g) + p->infiniband.sent_by(g);
      received += p->nvlink.received_by(g) + p->infiniband.received_by(g);
    }
    EXPECT_EQ(sent, received);
  }
}

TEST(Conservation, SetBasedTrafficForHandMadeTokens) {
  // 2 nodes x 4 GPUs; a token on GPU 1 (node 0) with copies on GPUs 1, 2, 5, 6, 6.
  const ClusterShape c{2, 4};
  AllToAllPhase d("dispatch", "e4m3", 100, 8);
  std::vector<std::uint8_t> scratch(8, 0);
  const std::vector<int> targets{1, 2, 5, 6, 6};
  add_token_traffic_normal(c, 1, targets, d, scratch);
  EXPECT_EQ(d.local[1], 100);             // its own GPU
  EXPECT_EQ(d.nvlink.at(1, 2), 100);      // same node
  EXPECT_EQ(d.infiniband.at(1, 5), 100);  // node 1, rail 1: GPU 5 is the relay and a target
  EXPECT_EQ(d.nvlink.at(5, 6), 100);      // forwarded once, although GPU 6 holds two experts
  EXPECT_EQ(d.infiniband.total(), 100);
  EXPECT_EQ(d.nvlink.total(), 200);
  for (const auto x : scratch) EXPECT_EQ(x, 0);
  AllToAllPhase ll("dispatch", "e4m3", 100, 8);
  add_token_traffic_low_latency(c, 1, targets, false, ll);
  EXPECT_EQ(ll.infiniband.total(), 400);  // every copy but the local one, GPU 6 twice
  EXPECT_EQ(ll.infiniband.at(1, 6), 200);
  EXPECT_EQ(ll.local[1], 100);
}

TEST(Conservation, LowLatencyDecodeSendsEveryCopyOverInfiniBand) {
  const auto w = build("decode-ep128", 2);
  const auto& mb = w.micro_batches.at(0);
  const auto& d = phase(mb, "dispatch");
  std::int64_t local = 0;
  for (const auto x : d.local) local += x;
  EXPECT_EQ(d.nvlink.total(), 0);
  EXPECT_EQ(d.infiniband.total() + local, mb.routed_pairs * 7408);
  EXPECT_EQ(phase(mb, "combine").infiniband.total() * 7408, d.infiniband.total() * 14336);
}

TEST(Determinism, SameSeedSameWorkloadDifferentSeedDifferentDraw) {
  const auto a = workload_json(build("decode-ep144", 42)).dump();
  const auto b = workload_json(build("decode-ep144", 42)).dump();
  const auto c = workload_json(build("decode-ep144", 43)).dump();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Determinism, ThreadCountDoesNotChangeTheDraw) {
  const auto s = load_scenario("prefill-ep32");
  const auto m = load_model(s.model);
  RoutingOptions one;
  one.threads = 1;
  RoutingOptions four;
  four.threads = 4;
  EXPECT_EQ(workload_json(build_moe_layer_workload(s, m, one)).dump(),
            workload_json(build_moe_layer_workload(s, m, four)).dump());
}

TEST(Routing, ASkewThatIsNotAFiniteNumberInRangeIsRefused) {
  // NaN fails every comparison: it once passed the [0, 16] check, crashed decode-ep144 and
  // sent every pair of train-ep64 to expert 0. The library refuses it whoever the caller is.
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(), -1.0, 16.5}) {
    try {
      (void)build("decode-ep144", 1, bad);
      FAIL() << "skew " << bad << " accepted";
    } catch (const WorkloadError& e) {
      EXPECT_NE(std::string(e.what()).find("must be a finite number in [0, 16]"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW((void)build("decode-ep144", 1, kMaxSkew));
}

TEST(Placement, RedundantExpertsBalanceSkewedPrefillLoad) {
  const auto w = build("prefill-ep32", 4, 1.0);
  const auto& b = w.micro_batches.at(0).balance;
  for (const auto& g : w.micro_batches.at(0).gpus) EXPECT_EQ(g.instances.size(), 9U);
  EXPECT_GT(b.gpu_max_over_mean_before, 2.0);
  EXPECT_LT(b.gpu_max_over_mean_after, b.gpu_max_over_mean_before / 1.5);
}

TEST(Operators, PrefillGpuRunsGroupedGemmsOfItsNineInstances) {
  const auto w = build("prefill-ep32", 6);
  const auto& g = w.micro_batches.at(0).gpus.at(3);
  const Operator* up = nullptr;
  for (const auto& op : g.operators)
    if (op.name == "routed.gate_up.fprop") up = &op;
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->kind, OperatorKind::kGroupedGemm);
  EXPECT_EQ(up->layout, "contiguous");
  EXPECT_EQ(up->n, 4096);
  EXPECT_EQ(up->k, std::vector<std::int64_t>{7168});
  ASSERT_EQ(up->m.size(), 9U);
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(up->m[i], g.instances[i].rows);
  EXPECT_EQ(up->a_scaling, "1x128");
  EXPECT_EQ(up->b_scaling, "128x128");
}

TEST(Operators, TrainingAddsDgradAndWgradWithTokensAsK) {
  const auto w = build("train-ep64", 6);
  const auto& g = w.micro_batches.at(0).gpus.at(0);
  std::map<std::string, const Operator*> ops;
  for (const auto& op : g.operators) ops[op.name] = &op;
  ASSERT_TRUE(ops.contains("routed.down.dgrad"));
  EXPECT_EQ(ops["routed.down.dgrad"]->n, 2048);
  EXPECT_EQ(ops["routed.down.dgrad"]->k, std::vector<std::int64_t>{7168});
  EXPECT_EQ(ops["routed.gate_up.dgrad"]->n, 7168);
  EXPECT_EQ(ops["routed.gate_up.dgrad"]->k, std::vector<std::int64_t>{4096});
  ASSERT_TRUE(ops.contains("routed.gate_up.wgrad"));
  EXPECT_EQ(ops["routed.gate_up.wgrad"]->m, std::vector<std::int64_t>{4096});
  EXPECT_EQ(ops["routed.gate_up.wgrad"]->n, 7168);
  ASSERT_EQ(ops["routed.gate_up.wgrad"]->k.size(), 4U);
  EXPECT_EQ(ops["routed.gate_up.wgrad"]->k[2], g.instances[2].rows);
  EXPECT_TRUE(ops.contains("routed.input_transpose"));
  EXPECT_EQ(w.micro_batches.at(0).traffic.size(), 4U);
}

}  // namespace
}  // namespace codesim::workloads
