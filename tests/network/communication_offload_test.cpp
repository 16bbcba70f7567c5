// The collectives under a CommunicationOffload (co-processor, unified network, switch
// multicast and reduce), checked against hand counts over the token counts and against the
// same request without offload:
// - all off is today's kernel, exactly;
// - a co-processor carries exactly the bytes the SMs carried, reads a source once, lands bytes
//   once and forwards without the forwarder's HBM; its latency is added per hop; fast, it is
//   never slower than the SMs; slow, it is the bottleneck (time = its bytes / its rate);
// - a unified network forwards without the forwarder's NVLink transmit and PCIe, keeps the
//   node deduplication on InfiniBand, and its scale-out rate sets an InfiniBand-bound time;
// - a switch multicast puts each token once on the issuer's port, receivers unchanged; a
//   switch reduce puts one summed vector per token on the receiver's port;
// - DeepEP's counted bytes never change; inconsistent requests are refused.
// Per-link bytes come from a second run of the same kernel on a network this file builds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_topology.hpp"
#include "emulator/network/collective.hpp"
#include "emulator/network/communication_offload.hpp"
#include "tests/network/alltoall_fixtures.hpp"

namespace codesim::network {
namespace {

using namespace alltoall_fixtures;

/// A run with every link's bytes by name.
struct LinkRun {
  AllToAllResult result;
  TokenCounts counts;
  std::map<std::string, double> link_bytes;
  [[nodiscard]] double bytes(const std::string& link) const {
    const auto it = link_bytes.find(link);
    return it == link_bytes.end() ? 0.0 : it->second;
  }
  [[nodiscard]] double gpu(int g, const std::string& what) const { return bytes("gpu" + std::to_string(g) + "." + what); }
};

LinkRun run_with_links(const ClusterConfig& c, const AllToAllRequest& q) {
  LinkRun out;
  out.result = run_alltoall(c, q);
  out.counts = count_tokens(routing_of(c, q));
  const auto& kind = CollectiveRegistry::instance().at(q.mode);
  const auto net = flow::NetworkBackendRegistry::instance().at(q.backend).make();
  const ClusterTopology topology(c, q.ep, kind.holds_sms ? q.sms : 0, *net, q.offload);
  CollectiveContext ctx{c, q, out.counts, topology, *net, 0.0, {}, {}, {}};
  ctx.last_arrival_s.assign(static_cast<std::size_t>(q.ep), 0.0);
  ctx.counted_bytes.assign(static_cast<std::size_t>(q.ep), 0.0);
  kind.start(ctx);
  net->run();
  for (const auto& link : net->links()) out.link_bytes[link.name] = link.bytes;
  // The second run is the first: the same transfer times.
  for (int g = 0; g < q.ep; ++g)
    EXPECT_DOUBLE_EQ(ctx.last_arrival_s[static_cast<std::size_t>(g)] * 1e6,
                     out.result.gpu_transfer_us[static_cast<std::size_t>(g)]);
  return out;
}

CommunicationOffload coprocessor(double gbps, double latency_us = 0.0) {
  CommunicationOffload o;
  o.coprocessor = true;
  o.coprocessor_gbps = gbps;
  o.coprocessor_latency_us = latency_us;
  return o;
}

CommunicationOffload unified(double scale_out_gbps = 0.0) {
  CommunicationOffload o;
  o.unified_network = true;
  o.scale_out_gbps = scale_out_gbps;
  return o;
}

CommunicationOffload switches(bool multicast, bool reduce) {
  CommunicationOffload o;
  o.switch_multicast = multicast;
  o.switch_reduce = reduce;
  return o;
}

AllToAllRequest with(AllToAllRequest q, const CommunicationOffload& o, int sms) {
  q.offload = o;
  q.sms = sms;
  return q;
}

double token_bytes(CommOp op) { return op == CommOp::kDispatch ? kFp8TokenBytes : kBf16TokenBytes; }

double class_bytes(const AllToAllResult& r, LinkClass c) {
  const auto s = stats(r, c);
  return s.out_bytes + s.in_bytes + s.other_bytes;
}

// ---------------------------------------------------------------------------------------------

TEST(CommunicationOffload, AllOffIsTodaysKernelExactly) {
  const auto c = cluster("h800");
  for (const std::string mode : {"normal", "low-latency", "low-latency-nvlink"})
    for (const auto op : {CommOp::kDispatch, CommOp::kCombine})
      for (const int ep : {8, 16}) {
        const auto q = request(mode, op, ep);
        auto q_off = q;
        q_off.offload = CommunicationOffload{};
        q_off.offload.coprocessor_gbps = 123.0;  // a rate without the co-processor changes nothing
        const auto a = run_alltoall(c, q);
        const auto b = run_alltoall(c, q_off);
        SCOPED_TRACE(mode + " EP" + std::to_string(ep));
        expect_identical(a, b);
        EXPECT_EQ(stats(b, LinkClass::kCoprocessor).links, 0);
      }
}

TEST(CommunicationOffload, CoprocessorCarriesExactlyWhatTheSmsCarried) {
  const auto c = cluster("h800");
  for (const auto op : {CommOp::kDispatch, CommOp::kCombine})
    for (const int ep : {8, 16}) {
      const auto q = request("normal", op, ep);
      const auto base = run_alltoall(c, q);
      const auto cop = run_alltoall(c, with(q, coprocessor(1e4), 0));
      EXPECT_EQ(stats(cop, LinkClass::kSm).links, 0) << "no SM is held";
      EXPECT_EQ(stats(cop, LinkClass::kCoprocessor).links, ep);
      EXPECT_GT(stats(base, LinkClass::kSm).other_bytes, 0.0);
      EXPECT_TRUE(close(stats(cop, LinkClass::kCoprocessor).other_bytes, stats(base, LinkClass::kSm).other_bytes));
      // The wires carry the same bytes: the co-processor changes who copies, not what moves.
      for (const auto cl : {LinkClass::kNvlink, LinkClass::kPcie, LinkClass::kNic, LinkClass::kFabric})
        EXPECT_TRUE(close(stats(cop, cl).out_bytes, stats(base, cl).out_bytes)) << link_class_name(cl);
      EXPECT_LT(class_bytes(cop, LinkClass::kHbm), class_bytes(base, LinkClass::kHbm));
      EXPECT_EQ(cop.gpu_bytes, base.gpu_bytes) << "DeepEP's counted bytes do not change";
    }
}

TEST(CommunicationOffload, CoprocessorReadsOnceLandsOnceAndForwardsPastHbm) {
  // Every GPU's HBM: each source byte read once per transfer it starts (per target GPU within a
  // node, per target node across nodes; combine: its partials, and the sums landing from each
  // node) and each byte landing once; nothing for the bytes it forwards or sums on the way.
  const auto c = cluster("h800");
  for (const auto op : {CommOp::kDispatch, CommOp::kCombine})
    for (const int ep : {8, 16}) {
      const auto q = request("normal", op, ep);
      const auto r = run_with_links(c, with(q, coprocessor(1e4), 0));
      const auto& n = r.counts;
      const double b = token_bytes(op);
      for (int g = 0; g < ep; ++g) {
        double tokens = 0.0;
        for (int s = 0; s < ep; ++s) tokens += static_cast<double>(n.gpu(s, g));
        if (ep <= c.gpus_per_node)
          for (int d = 0; d < ep; ++d) tokens += static_cast<double>(n.gpu(g, d));
        else
          for (int node = 0; node < n.nodes; ++node) tokens += static_cast<double>(n.node(g, node));
        EXPECT_TRUE(close(r.gpu(g, "hbm"), tokens * b)) << "GPU " << g << " EP" << ep;
      }
    }
}

TEST(CommunicationOffload, CoprocessorLatencyIsAddedToEveryHop) {
  // One hop within a node: every GPU's kernel ends exactly that much later (exact rates).
  const auto c = cluster("h800");
  auto q = request("normal", CommOp::kDispatch, 8);
  q.backend = "fluid-exact";
  const auto fast = run_alltoall(c, with(q, coprocessor(1e4, 0.0), 0));
  const auto late = run_alltoall(c, with(q, coprocessor(1e4, 7.0), 0));
  for (std::size_t g = 0; g < fast.gpu_transfer_us.size(); ++g)
    EXPECT_NEAR(late.gpu_transfer_us[g] - fast.gpu_transfer_us[g], 7.0, 1e-6);
  // Across nodes a chunk passes the sender's and the forwarder's co-processors: two hops.
  auto qi = request("normal", CommOp::kDispatch, 16);
  qi.backend = "fluid-exact";
  const auto fast_i = run_alltoall(c, with(qi, coprocessor(1e4, 0.0), 0));
  const auto late_i = run_alltoall(c, with(qi, coprocessor(1e4, 7.0), 0));
  EXPECT_NEAR(late_i.max_time_us - fast_i.max_time_us, 14.0, 0.5);
}

TEST(CommunicationOffload, FastCoprocessorIsNeverSlowerThanSms) {
  // Exact rates: the batched fluid backend's 1% event window can move one GPU's end either way.
  const auto c = cluster("h800");
  for (const auto op : {CommOp::kDispatch, CommOp::kCombine})
    for (const int ep : {8, 16}) {
      auto q = request("normal", op, ep);
      q.backend = "fluid-exact";
      const auto base = run_alltoall(c, q);
      const auto cop = run_alltoall(c, with(q, coprocessor(1e5), 0));
      EXPECT_LE(cop.time_us, base.time_us * (1.0 + 1e-9)) << "EP" << ep;
      EXPECT_LE(cop.max_time_us, base.max_time_us * (1.0 + 1e-9)) << "EP" << ep;
    }
}

TEST(CommunicationOffload, SlowCoprocessorIsTheBottleneck) {
  // Within a node at 1 GB/s the co-processors are far slower than NVLink and HBM: the slowest
  // GPU's kernel takes its co-processor's bytes (what it sends, receives and copies locally,
  // from the token counts) over the rate.
  const auto c = cluster("h800");
  const double rate = 1e9;
  const auto q = request("normal", CommOp::kDispatch, 8);
  const auto r = run_with_links(c, with(q, coprocessor(rate / 1e9), 0));
  const auto& n = r.counts;
  double slowest = 0.0;
  for (int g = 0; g < q.ep; ++g) {
    double tokens = -static_cast<double>(n.gpu(g, g));  // the local copy passes it once
    for (int o = 0; o < q.ep; ++o) tokens += static_cast<double>(n.gpu(g, o) + n.gpu(o, g));
    const double bytes = tokens * kFp8TokenBytes;
    EXPECT_TRUE(close(r.gpu(g, "coprocessor"), bytes)) << "GPU " << g;
    slowest = std::max(slowest, bytes / rate * 1e6);
  }
  const double transfer = *std::max_element(r.result.gpu_transfer_us.begin(), r.result.gpu_transfer_us.end());
  EXPECT_GE(transfer, slowest);
  EXPECT_LE(transfer, slowest * 1.05);
  EXPECT_GT(r.result.time_us, run_alltoall(c, q).time_us * 5.0);
}

TEST(CommunicationOffload, UnifiedNetworkForwardsWithoutTheForwarder) {
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kDispatch, 16);
  const auto base = run_with_links(c, q);
  const auto r = run_with_links(c, with(q, unified(), 0));
  const auto& n = r.counts;
  const double b = kFp8TokenBytes;
  const int gpn = c.gpus_per_node;
  double ib = 0.0;
  for (int g = 0; g < q.ep; ++g) {
    // A GPU's NVLink port sends only its own node's tokens; the node's NIC feeds the NVSwitch
    // for the rest, which reach their GPU through its receive side alone.
    double tx = 0.0;
    double rx = 0.0;
    for (int o = 0; o < q.ep; ++o) {
      if (o == g) continue;
      if (c.node_of(o) == c.node_of(g)) {
        tx += static_cast<double>(n.gpu(g, o));
        rx += static_cast<double>(n.gpu(o, g));
      } else if (c.local_of(o) != c.local_of(g)) {
        rx += static_cast<double>(n.gpu(o, g));
      }
    }
    EXPECT_TRUE(close(r.gpu(g, "nvlink.tx"), tx * b)) << "GPU " << g;
    EXPECT_TRUE(close(r.gpu(g, "nvlink.rx"), rx * b)) << "GPU " << g;
    EXPECT_GT(base.gpu(g, "nvlink.tx"), r.gpu(g, "nvlink.tx"));
    for (int node = 0; node < n.nodes; ++node)
      if (node != c.node_of(g)) ib += static_cast<double>(n.node(g, node)) * b;
    EXPECT_EQ(r.gpu(g, "sms"), 0.0);
  }
  EXPECT_EQ(gpn, 8);
  EXPECT_TRUE(close(stats(r.result, LinkClass::kNic).out_bytes, ib)) << "a token crosses InfiniBand once per node";
  EXPECT_EQ(stats(r.result, LinkClass::kPcie).links, 0) << "the NIC is on the I/O die";
  EXPECT_LT(r.result.time_us, base.result.time_us);
  EXPECT_EQ(r.result.gpu_bytes, base.result.gpu_bytes);
}

TEST(CommunicationOffload, UnifiedCombineWithNobodyToSumSendsEveryPartialBack) {
  // No SMs and no co-processor: a node cannot sum its GPUs' partials, so every (token, GPU)
  // vector crosses InfiniBand, where DeepEP's combine sends one per (token, node).
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kCombine, 16);
  const auto base = run_with_links(c, q);
  const auto r = run_with_links(c, with(q, unified(), 0));
  const auto& n = r.counts;
  const double b = kBf16TokenBytes;
  double per_gpu = 0.0, per_node = 0.0;
  for (int s = 0; s < q.ep; ++s) {
    double rx = 0.0;
    for (int d = 0; d < q.ep; ++d)
      if (c.node_of(d) != c.node_of(s)) rx += static_cast<double>(n.gpu(s, d)) * b;
    per_gpu += rx;
    for (int node = 0; node < n.nodes; ++node)
      if (node != c.node_of(s)) per_node += static_cast<double>(n.node(s, node)) * b;
    EXPECT_EQ(r.gpu(s, "sms"), 0.0);
  }
  EXPECT_GT(per_gpu, per_node);
  // (The unified interface enters a node through the NIC on the sender's plane.)
  EXPECT_TRUE(close(stats(r.result, LinkClass::kNic).in_bytes, per_gpu));
  EXPECT_TRUE(close(stats(base.result, LinkClass::kNic).in_bytes, per_node));
  EXPECT_EQ(r.result.gpu_bytes, base.result.gpu_bytes) << "DeepEP's count is kept";
  // With the switches summing, one vector per (token, remote node) crosses InfiniBand again.
  auto summing = unified();
  summing.switch_reduce = true;
  const auto reduced = run_with_links(c, with(q, summing, 0));
  EXPECT_TRUE(close(stats(reduced.result, LinkClass::kNic).in_bytes, per_node));
  EXPECT_LT(reduced.result.max_time_us, r.result.max_time_us);
}

TEST(CommunicationOffload, UnifiedNetworkScaleOutRateSetsAnInfiniBandBoundDispatch) {
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kDispatch, 16, 512);
  const auto slow = run_alltoall(c, with(q, unified(10.0), 0));
  const auto fast = run_alltoall(c, with(q, unified(20.0), 0));
  const double ratio = fast.time_us / slow.time_us;
  EXPECT_GT(ratio, 0.5);  // the latencies and the fixed cost do not halve
  EXPECT_LT(ratio, 0.56);
  // The NIC's own line rate, given or not, is the same network.
  EXPECT_EQ(run_alltoall(c, with(q, unified(c.nic_gbps()), 0)).gpu_transfer_us,
            run_alltoall(c, with(q, unified(), 0)).gpu_transfer_us);
}

TEST(CommunicationOffload, ForwardedCountsAreTheTokensPastThePeer) {
  // TokenCounts::forwarded by hand from the routing: tokens with an expert in the node on a
  // GPU whose in-node index differs from the source's.
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kDispatch, 16);
  const auto routing = routing_of(c, q);
  const auto counts = count_tokens(routing);
  for (int s = 0; s < q.ep; ++s)
    for (int node = 0; node < counts.nodes; ++node) {
      std::int64_t tokens = 0;
      for (int t = 0; t < routing.tokens; ++t) {
        bool past_peer = false;
        for (int j = 0; j < routing.top_k; ++j) {
          const int d = routing.targets[static_cast<std::size_t>((s * routing.tokens + t) * routing.top_k + j)];
          past_peer = past_peer || (d >= 0 && c.node_of(d) == node && c.local_of(d) != c.local_of(s));
        }
        tokens += past_peer ? 1 : 0;
      }
      EXPECT_EQ(counts.forwarded(s, node), tokens);
      EXPECT_LE(tokens, counts.node(s, node));
    }
}

TEST(CommunicationOffload, MulticastSendsEachTokenOnceIntoTheNvswitch) {
  const auto c = cluster("h800");
  for (const int ep : {8, 16}) {
    const auto q = request("normal", CommOp::kDispatch, ep);
    const auto base = run_with_links(c, q);
    const auto r = run_with_links(c, with(q, switches(true, false), q.sms));
    const auto& n = r.counts;
    for (int g = 0; g < ep; ++g) {
      // Within a node the sender issues its tokens; across nodes the forwarder issues those
      // of every source with its in-node index, its own node's included.
      double tokens = 0.0;
      for (int s = 0; s < ep; ++s)
        if (c.local_of(s) == c.local_of(g)) tokens += static_cast<double>(n.forwarded(s, c.node_of(g)));
      EXPECT_TRUE(close(r.gpu(g, "nvlink.tx"), tokens * kFp8TokenBytes)) << "GPU " << g << " EP" << ep;
      EXPECT_LT(r.gpu(g, "nvlink.tx"), base.gpu(g, "nvlink.tx"));
      EXPECT_TRUE(close(r.gpu(g, "nvlink.rx"), base.gpu(g, "nvlink.rx"))) << "every receiver still gets its copy";
    }
    // A tree moves at its slowest branch's pace: GPUs that finished early under per-pair
    // flows may end later, the slowest does not.
    EXPECT_LE(r.result.max_time_us, base.result.max_time_us * (1.0 + 1e-9));
    EXPECT_EQ(r.result.gpu_bytes, base.result.gpu_bytes);
  }
}

TEST(CommunicationOffload, TreesRelieveTheSmsWhereTheyLimit) {
  // With slow SMs (2 GB/s each) the issuer's copies are what limits: issuing each token once
  // (dispatch) or receiving one sum (combine) takes most of its SMs' work away.
  auto v = test_values();
  v.sm_copy_gbps = 2.0;
  const auto c = cluster("h800", v);
  for (const auto op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto q = request("normal", op, 8);
    const auto base = run_alltoall(c, q);
    const auto tree = run_alltoall(c, with(q, switches(op == CommOp::kDispatch, op == CommOp::kCombine), q.sms));
    EXPECT_LT(tree.time_us, 0.8 * base.time_us);
  }
}

TEST(CommunicationOffload, ReduceDeliversOneSummedVectorPerToken) {
  const auto c = cluster("h800");
  for (const int ep : {8, 16}) {
    const auto q = request("normal", CommOp::kCombine, ep);
    const auto base = run_with_links(c, q);
    const auto r = run_with_links(c, with(q, switches(false, true), q.sms));
    const auto& n = r.counts;
    for (int g = 0; g < ep; ++g) {
      double tokens = 0.0;
      for (int s = 0; s < ep; ++s)
        if (c.local_of(s) == c.local_of(g)) tokens += static_cast<double>(n.forwarded(s, c.node_of(g)));
      EXPECT_TRUE(close(r.gpu(g, "nvlink.rx"), tokens * kBf16TokenBytes)) << "GPU " << g << " EP" << ep;
      EXPECT_LT(r.gpu(g, "nvlink.rx"), base.gpu(g, "nvlink.rx"));
      EXPECT_TRUE(close(r.gpu(g, "nvlink.tx"), base.gpu(g, "nvlink.tx"))) << "every partial still leaves its GPU";
    }
    EXPECT_LE(r.result.max_time_us, base.result.max_time_us * (1.0 + 1e-9));
    EXPECT_EQ(r.result.gpu_bytes, base.result.gpu_bytes);
  }
}

TEST(CommunicationOffload, LowLatencyTreesShareAMessagePerTokenAndGpu) {
  const auto c = cluster("h800");
  for (const auto op : {CommOp::kDispatch, CommOp::kCombine}) {
    const auto q = request("low-latency", op, 16);
    const auto base = run_alltoall(c, q);
    const auto r = run_alltoall(c, with(q, switches(op == CommOp::kDispatch, op == CommOp::kCombine), 0));
    const auto n = count_tokens(routing_of(c, q));
    const double m = op == CommOp::kDispatch ? kLowLatencyDispatchBytes : kBf16TokenBytes;
    double copies = 0.0;
    double messages = 0.0;
    for (int s = 0; s < q.ep; ++s)
      for (int d = 0; d < q.ep; ++d)
        if (s != d) {
          copies += static_cast<double>(n.copy(s, d)) * m;
          messages += static_cast<double>(n.gpu(s, d)) * m;
        }
    const auto nic = stats(r, LinkClass::kNic);
    if (op == CommOp::kDispatch) {
      EXPECT_TRUE(close(nic.out_bytes, messages)) << "one message per (token, GPU) leaves";
      EXPECT_TRUE(close(nic.in_bytes, copies)) << "the last switch writes every expert's copy";
    } else {
      EXPECT_TRUE(close(nic.in_bytes, messages)) << "one sum per (token, GPU) arrives";
    }
    EXPECT_LT(messages, copies);
    EXPECT_LE(r.time_us, base.time_us * (1.0 + 1e-9));
    EXPECT_EQ(r.gpu_bytes, base.gpu_bytes);
  }
}

TEST(CommunicationOffload, LowLatencyLandsOnceWithACoprocessor) {
  const auto c = cluster("h800");
  const auto q = request("low-latency-nvlink", CommOp::kDispatch, 16);
  const auto r = run_alltoall(c, with(q, coprocessor(1e4), 0));
  const auto n = count_tokens(routing_of(c, q));
  const double all = static_cast<double>(std::accumulate(n.copies.begin(), n.copies.end(), std::int64_t{0}));
  // Every copy read once and landed once (a copy to itself: read and write).
  EXPECT_TRUE(close(stats(r, LinkClass::kHbm).other_bytes, 2.0 * all * kLowLatencyDispatchBytes));
  EXPECT_LT(r.time_us, run_alltoall(c, q).time_us * (1.0 + 1e-9));
}

TEST(CommunicationOffload, RefusesInconsistentRequests) {
  const auto c = cluster("h800");
  const auto q = request("normal", CommOp::kDispatch, 16);
  const auto refused = [&](const AllToAllRequest& r, const std::string& words) {
    const auto problem = alltoall_problem(c, r);
    if (!problem) return ::testing::AssertionFailure() << "accepted";
    if (problem->find(words) == std::string::npos) return ::testing::AssertionFailure() << *problem;
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(refused(with(q, coprocessor(0.0), 0), "coprocessor_gbps must be > 0"));
  EXPECT_TRUE(refused(with(q, coprocessor(-1.0), 0), "coprocessor_gbps"));
  EXPECT_TRUE(refused(with(q, coprocessor(100.0, -1.0), 0), "coprocessor_latency_us"));
  EXPECT_TRUE(refused(with(q, unified(-5.0), 0), "scale_out_gbps"));
  auto rate_alone = q;
  rate_alone.offload.scale_out_gbps = 100.0;
  EXPECT_TRUE(refused(rate_alone, "needs unified_network"));
  EXPECT_TRUE(refused(with(q, CommunicationOffload{}, 0), "even number of SMs"));
  EXPECT_FALSE(alltoall_problem(c, with(request("normal", CommOp::kCombine, 16), unified(), 0)));
  EXPECT_FALSE(alltoall_problem(c, with(q, coprocessor(100.0), 0)));
  EXPECT_FALSE(alltoall_problem(c, with(q, unified(), 0)));
  EXPECT_FALSE(alltoall_problem(c, with(request("normal", CommOp::kCombine, 16), coprocessor(100.0), 0)));
  // One topology for concurrent all-to-alls: the same offload.
  const auto counts = count_tokens(routing_of(c, q));
  EXPECT_THROW((void)run_concurrent_alltoalls(c, {{q, counts, 0.0}, {with(q, switches(true, false), 24), counts, 0.0}}),
               std::invalid_argument);
  // Trees need the forwarded counts.
  auto bare = counts;
  bare.forwarded_tokens.clear();
  EXPECT_THROW((void)run_alltoall_counts(c, with(q, switches(true, false), 24), bare), std::invalid_argument);
}

}  // namespace
}  // namespace codesim::network
