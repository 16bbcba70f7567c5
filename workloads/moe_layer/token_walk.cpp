#include "workloads/moe_layer/token_walk.hpp"

#include <algorithm>
#include <thread>

namespace codesim::workloads {
namespace {

TokenWalk empty_walk(const TokenWalkInput& in) {
  const ScenarioConfig& s = *in.scenario;
  TokenWalk w{AllToAllPhase("copies", "", 1, s.gpus()), {}, 0, 0, 0, 0, {}};
  w.instance_rows.assign(in.placement->instance_expert.size(), 0);
  w.nodes_histogram.assign(static_cast<std::size_t>(s.nodes) + 1, 0);
  return w;
}

/// Tokens [begin, end); next_copy[e] is the number of copies of expert e before `begin`.
TokenWalk walk_range(const TokenWalkInput& in, std::int64_t begin, std::int64_t end,
                     std::vector<std::int64_t> next_copy) {
  const ScenarioConfig& s = *in.scenario;
  const ExpertPlacement& p = *in.placement;
  const ClusterShape cluster{s.nodes, s.gpus_per_node};
  const int k = in.draw->top_k;
  TokenWalk w = empty_walk(in);
  std::vector<std::uint8_t> scratch(static_cast<std::size_t>(s.gpus()), 0);
  std::vector<std::int64_t> node_seen(static_cast<std::size_t>(s.nodes), -1);
  std::vector<std::int64_t> gpu_seen(static_cast<std::size_t>(s.gpus()), -1);
  std::vector<int> targets;
  auto assign = [&](int expert) {
    const auto& reps = p.replicas[static_cast<std::size_t>(expert)];
    const auto copy = next_copy[static_cast<std::size_t>(expert)]++;
    const int instance = reps[static_cast<std::size_t>(copy % static_cast<std::int64_t>(reps.size()))];
    ++w.instance_rows[static_cast<std::size_t>(instance)];
    targets.push_back(p.gpu_of_instance(instance));
  };
  for (std::int64_t t = begin; t < end; ++t) {
    const int source = static_cast<int>(t / s.tokens_per_micro_batch);
    targets.clear();
    for (int j = 0; j < k; ++j) assign(in.draw->experts[static_cast<std::size_t>(t * k + j)]);
    // Routing statistics count the routed experts only: the shared copy goes everywhere.
    int nodes_reached = 0;
    for (const int g : targets) {
      const int node = cluster.node_of(g);
      if (node_seen[static_cast<std::size_t>(node)] != t) {
        node_seen[static_cast<std::size_t>(node)] = t;
        ++nodes_reached;
        if (node != cluster.node_of(source)) ++w.remote_sum;
      }
      if (gpu_seen[static_cast<std::size_t>(g)] != t) {
        gpu_seen[static_cast<std::size_t>(g)] = t;
        ++w.gpu_sum;
      }
    }
    w.node_sum += nodes_reached;
    ++w.nodes_histogram[static_cast<std::size_t>(nodes_reached)];
    w.max_nodes = std::max(w.max_nodes, nodes_reached);
    if (in.shared_expert >= 0) assign(in.shared_expert);
    if (s.comm_mode == CommunicationMode::kNormal) {
      add_token_traffic_normal(cluster, source, targets, w.copies, scratch);
    } else {
      add_token_traffic_low_latency(cluster, source, targets, s.intranode_nvlink, w.copies);
    }
  }
  return w;
}

void add_into(TokenWalk& into, const TokenWalk& from) {
  const int gpus = into.copies.nvlink.gpus();
  for (int a = 0; a < gpus; ++a) {
    for (int b = 0; b < gpus; ++b) {
      into.copies.nvlink.add(a, b, from.copies.nvlink.at(a, b));
      into.copies.infiniband.add(a, b, from.copies.infiniband.at(a, b));
    }
    into.copies.local[static_cast<std::size_t>(a)] += from.copies.local[static_cast<std::size_t>(a)];
  }
  into.copies.copies += from.copies.copies;
  for (std::size_t i = 0; i < into.instance_rows.size(); ++i) into.instance_rows[i] += from.instance_rows[i];
  for (std::size_t i = 0; i < into.nodes_histogram.size(); ++i) into.nodes_histogram[i] += from.nodes_histogram[i];
  into.node_sum += from.node_sum;
  into.remote_sum += from.remote_sum;
  into.gpu_sum += from.gpu_sum;
  into.max_nodes = std::max(into.max_nodes, from.max_nodes);
}

}  // namespace

TokenWalk walk_tokens(const TokenWalkInput& in, int threads) {
  const std::int64_t tokens = in.draw->tokens;
  const int k = in.draw->top_k;
  const std::size_t experts = in.placement->replicas.size();
  const auto chunks = static_cast<std::size_t>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(1, tokens / 4096)));
  auto first_token = [&](std::size_t c) { return tokens * static_cast<std::int64_t>(c) / static_cast<std::int64_t>(chunks); };

  // Pass 1: copies per expert in each chunk, then where each chunk's round-robin starts.
  std::vector<std::vector<std::int64_t>> start(chunks, std::vector<std::int64_t>(experts, 0));
  for (std::size_t c = 1; c < chunks; ++c) {
    start[c] = start[c - 1];
    for (std::int64_t t = first_token(c - 1); t < first_token(c); ++t) {
      for (int j = 0; j < k; ++j) ++start[c][static_cast<std::size_t>(in.draw->experts[static_cast<std::size_t>(t * k + j)])];
      if (in.shared_expert >= 0) ++start[c][static_cast<std::size_t>(in.shared_expert)];
    }
  }
  // Pass 2: the walks, one chunk per thread, added up in chunk order.
  std::vector<TokenWalk> parts;
  for (std::size_t c = 0; c < chunks; ++c) parts.push_back(empty_walk(in));
  {
    std::vector<std::jthread> pool;  // joined before the parts are read
    for (std::size_t c = 0; c < chunks; ++c)
      pool.emplace_back([&, c] { parts[c] = walk_range(in, first_token(c), first_token(c + 1), start[c]); });
  }
  TokenWalk total = std::move(parts[0]);
  for (std::size_t c = 1; c < chunks; ++c) add_into(total, parts[c]);
  return total;
}

}  // namespace codesim::workloads
