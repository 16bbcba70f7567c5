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

/// Every copy's instance, flattened: expert e's replicas are instance[first[e] .. first[e+1]),
/// with the GPU and node of each alongside, so that a copy needs no division.
struct ReplicaTable {
  std::vector<std::uint32_t> first;
  std::vector<int> instance;
  std::vector<int> gpu;
  std::vector<int> node;

  ReplicaTable(const ExpertPlacement& p, const ClusterShape& cluster) {
    first.push_back(0);
    for (const auto& reps : p.replicas) {
      for (const int i : reps) {
        instance.push_back(i);
        gpu.push_back(p.gpu_of_instance(i));
        node.push_back(cluster.node_of(p.gpu_of_instance(i)));
      }
      first.push_back(static_cast<std::uint32_t>(instance.size()));
    }
  }
};

/// Tokens [begin, end); copies_before[e] is the number of copies of expert e before `begin`.
///
/// Every all-to-all rule is a sum over tokens of terms that depend only on the token's source
/// GPU and on which GPUs and nodes it reaches, so the walk only counts, per source GPU, the
/// tokens that reach each GPU (once per token in normal mode, where DeepEP sends a token once
/// per GPU; every copy in low-latency mode) and each node, and applies the rules to the
/// counts at the end. Distinct GPUs and nodes are found with stamps (the token's number in a
/// per-GPU and per-node array) rather than branches on the data.
TokenWalk walk_range(const TokenWalkInput& in, const ReplicaTable& table, std::int64_t begin, std::int64_t end,
                     const std::vector<std::int64_t>& copies_before) {
  const ScenarioConfig& s = *in.scenario;
  const ExpertPlacement& p = *in.placement;
  const ClusterShape cluster{s.nodes, s.gpus_per_node};
  const int k = in.draw->top_k;
  const auto gpus = static_cast<std::size_t>(cluster.gpus());
  const auto nodes = static_cast<std::size_t>(cluster.nodes);
  const bool normal = s.comm_mode == CommunicationMode::kNormal;
  TokenWalk w = empty_walk(in);
  // Round-robin cursor per expert: the replica the next copy goes to (copies so far modulo
  // the replica count, kept as a cursor so that no copy pays for a division).
  std::vector<std::uint32_t> cursor(p.replicas.size());
  for (std::size_t e = 0; e < p.replicas.size(); ++e)
    cursor[e] = static_cast<std::uint32_t>(copies_before[e] % static_cast<std::int64_t>(p.replicas[e].size()));
  std::vector<std::int64_t> gpu_hits(gpus * gpus, 0);    // [source][gpu]
  std::vector<std::int64_t> node_hits(gpus * nodes, 0);  // [source][node], normal mode
  std::vector<std::int64_t> gpu_stamp(gpus, -1);
  std::vector<std::int64_t> node_stamp(nodes, -1);
  std::vector<std::int64_t>& instance_rows = w.instance_rows;
  const int* experts = in.draw->experts.data();
  auto assign = [&](int expert) {  // the copy's slot in `table`
    const auto e = static_cast<std::size_t>(expert);
    const std::uint32_t c = cursor[e];
    const std::uint32_t slot = table.first[e] + c;
    // Back to 0 after the last replica; multiplied rather than selected, so that the
    // compiler cannot make it a branch on the data (experts with replicas alternate).
    cursor[e] = (c + 1) * static_cast<std::uint32_t>(slot + 1 != table.first[e + 1]);
    ++instance_rows[static_cast<std::size_t>(table.instance[slot])];
    return slot;
  };
  // Token t starts on GPU t / tokens_per_micro_batch: one run of tokens per source GPU.
  for (std::int64_t run = begin; run < end;) {
    const auto source = static_cast<std::size_t>(run / s.tokens_per_micro_batch);
    const std::int64_t run_end = std::min<std::int64_t>(end, static_cast<std::int64_t>(source + 1) * s.tokens_per_micro_batch);
    const auto source_node = static_cast<std::size_t>(cluster.node_of(static_cast<int>(source)));
    std::int64_t* hits = &gpu_hits[source * gpus];
    std::int64_t* node_hit = &node_hits[source * nodes];
    for (std::int64_t t = run; t < run_end; ++t) {
      int new_gpus = 0;
      int new_nodes = 0;
      int remote_nodes = 0;
      auto reach = [&](std::uint32_t slot) {
        const auto g = static_cast<std::size_t>(table.gpu[slot]);
        const auto n = static_cast<std::size_t>(table.node[slot]);
        const auto gpu_is_new = static_cast<int>(gpu_stamp[g] != t);
        const auto node_is_new = static_cast<int>(node_stamp[n] != t);
        gpu_stamp[g] = t;
        node_stamp[n] = t;
        hits[g] += normal ? gpu_is_new : 1;
        node_hit[n] += node_is_new;
        new_gpus += gpu_is_new;
        new_nodes += node_is_new;
        remote_nodes += node_is_new & static_cast<int>(n != source_node);
      };
      for (int j = 0; j < k; ++j) reach(assign(experts[t * k + j]));
      // Routing statistics count the routed experts only: the shared copy goes everywhere.
      w.gpu_sum += new_gpus;
      w.node_sum += new_nodes;
      w.remote_sum += remote_nodes;
      ++w.nodes_histogram[static_cast<std::size_t>(new_nodes)];
      w.max_nodes = std::max(w.max_nodes, new_nodes);
      if (in.shared_expert >= 0) reach(assign(in.shared_expert));
    }
    run = run_end;
  }
  // The rules, applied to the counts (the same hops and numbers as add_token_traffic_normal
  // and add_token_traffic_low_latency give token by token).
  AllToAllPhase& phase = w.copies;
  for (std::size_t src = 0; src < gpus; ++src) {
    const int a = static_cast<int>(src);
    const int a_node = cluster.node_of(a);
    for (std::size_t dst = 0; dst < gpus; ++dst) {
      const std::int64_t n = gpu_hits[src * gpus + dst];
      if (n == 0) continue;
      const int b = static_cast<int>(dst);
      phase.copies += n;
      if (b == a) {
        phase.local[src] += n;
      } else if (cluster.node_of(b) == a_node && (normal || s.intranode_nvlink)) {
        phase.nvlink.add(a, b, n);
      } else if (!normal) {
        phase.infiniband.add(a, b, n);
      } else {
        // Remote in normal mode: over InfiniBand once per node (below) to the GPU with the
        // sender's in-node index, which forwards over NVLink unless it is the target itself.
        const int relay = cluster.node_of(b) * cluster.gpus_per_node + cluster.local_of(a);
        if (b != relay) {
          phase.nvlink.add(relay, b, n);
        } else {
          phase.copies -= n;  // the InfiniBand hop below is this target's only hop
        }
      }
    }
    if (!normal) continue;
    for (std::size_t node = 0; node < nodes; ++node) {
      const std::int64_t n = node_hits[src * nodes + node];
      if (n == 0 || static_cast<int>(node) == a_node) continue;
      phase.infiniband.add(a, static_cast<int>(node) * cluster.gpus_per_node + cluster.local_of(a), n);
      phase.copies += n;
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
  const ReplicaTable table(*in.placement, ClusterShape{in.scenario->nodes, in.scenario->gpus_per_node});

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
  if (chunks == 1) {
    parts[0] = walk_range(in, table, 0, tokens, start[0]);
  } else {
    std::vector<std::jthread> pool;  // joined before the parts are read
    for (std::size_t c = 0; c < chunks; ++c)
      pool.emplace_back([&, c] { parts[c] = walk_range(in, table, first_token(c), first_token(c + 1), start[c]); });
  }
  TokenWalk total = std::move(parts[0]);
  for (std::size_t c = 1; c < chunks; ++c) add_into(total, parts[c]);
  return total;
}

}  // namespace codesim::workloads
