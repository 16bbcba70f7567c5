#include "workloads/moe_layer/moe_layer_workload.hpp"

#include <algorithm>
#include <cmath>

#include "workloads/config/workload_error.hpp"
#include "workloads/moe_layer/expert_operators.hpp"
#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/moe_layer/token_walk.hpp"

namespace codesim::workloads {
namespace {

// Random-stream index of the load-statistics batch: far above any micro-batch's tokens.
constexpr std::uint64_t kStatisticsStream = std::uint64_t{1} << 62;

std::vector<double> expert_loads(const RoutingDraw& d, int experts) {
  std::vector<double> load(static_cast<std::size_t>(experts), 0.0);
  for (const int e : d.experts) load[static_cast<std::size_t>(e)] += 1.0;
  return load;
}

LoadBalance measure_balance(const MicroBatchWorkload& mb, const RoutingDraw& draw, const ExpertPlacement& placement,
                            int gpus) {
  LoadBalance b;
  const auto load = expert_loads(draw, placement.experts);
  b.expert_max_over_mean = max_over_mean(load);
  // Before: one copy per expert, experts spread contiguously over min(gpus, experts) GPUs.
  const int holders = std::min(gpus, placement.experts);
  std::vector<double> before(static_cast<std::size_t>(holders), 0.0);
  for (int e = 0; e < placement.experts; ++e)
    before[static_cast<std::size_t>(static_cast<std::int64_t>(e) * holders / placement.experts)] +=
        load[static_cast<std::size_t>(e)];
  b.gpu_max_over_mean_before = max_over_mean(before);
  b.gpu_max_rows_before = static_cast<std::int64_t>(*std::max_element(before.begin(), before.end()));
  std::vector<double> after;
  std::int64_t instances = 0;
  std::int64_t rows = 0;
  for (const auto& g : mb.gpus) {
    bool holds_routed = false;
    for (const auto& inst : g.instances) {
      holds_routed = holds_routed || !inst.shared;
      b.max_rows_per_instance = std::max(b.max_rows_per_instance, inst.rows);
      rows += inst.rows;
      ++instances;
    }
    if (holds_routed) after.push_back(static_cast<double>(g.routed_rows));
    b.gpu_max_rows_after = std::max(b.gpu_max_rows_after, g.routed_rows);
  }
  b.gpu_max_over_mean_after = max_over_mean(after);
  b.mean_rows_per_instance = instances > 0 ? static_cast<double>(rows) / static_cast<double>(instances) : 0.0;
  return b;
}

}  // namespace

std::string operator_kind_name(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::kQuantize: return "quantize";
    case OperatorKind::kSwigluQuantize: return "swiglu_quantize";
    case OperatorKind::kSwigluBackward: return "swiglu_backward";
    case OperatorKind::kCastTranspose: return "cast_transpose";
    case OperatorKind::kGemm: return "gemm";
    case OperatorKind::kGroupedGemm: return "grouped_gemm";
    case OperatorKind::kDispatch: return "dispatch";
    case OperatorKind::kCombine: return "combine";
  }
  return "unknown";
}

MoeLayerWorkload build_moe_layer_workload(const ScenarioConfig& s, const ModelConfig& m,
                                          const RoutingOptions& options) {
  check_scenario_against_model(s, m);
  MoeLayerWorkload w{s, m, options, {}, {}};
  w.routing.scores = options.scores.value_or(s.scores);
  w.routing.skew = options.skew.value_or(s.skew);
  // The scenario file's skew is checked on load; an override from a caller is checked here,
  // NaN included (it fails every comparison, and a NaN logit offset breaks the top-k selection).
  if (!std::isfinite(*w.routing.skew) || *w.routing.skew < 0.0 || *w.routing.skew > kMaxSkew)
    throw WorkloadError("skew " + std::to_string(*w.routing.skew) + ": must be a finite number in [0, " +
                        std::to_string(static_cast<int>(kMaxSkew)) + "]");
  const ScoreGeneratorKind* kind = ScoreGeneratorRegistry::instance().find(*w.routing.scores);
  if (kind == nullptr)
    throw WorkloadError("unknown score generator '" + *w.routing.scores +
                        "' (known: " + ScoreGeneratorRegistry::instance().known_names() + ")");
  if (!kind->uses_skew && *w.routing.skew != 0.0)
    throw WorkloadError("skew " + std::to_string(*w.routing.skew) + ": score generator '" + kind->name +
                        "' has no skew (use zipf)");
  const auto gate = GateRegistry::instance().at(m.router.gate).make(m);
  const auto scores = kind->make(ScoreOptions{options.seed, m.routed_experts, *w.routing.skew});

  const ClusterShape cluster{s.nodes, s.gpus_per_node};
  const int gpus = cluster.gpus();
  const int k = m.experts_per_token;
  const std::int64_t tokens = s.tokens_per_micro_batch * gpus;
  const bool shared_routed = s.shared == SharedExpertPlacement::kRoutedReplicas;

  // Placement from load statistics: an earlier batch (as deployed: DeepSeek re-plans from
  // recent statistics every few minutes) or, as an upper bound, the micro-batch itself.
  const PlacementRequest request{m.routed_experts, m.router.groups, s.redundant_experts, s.shared_replicas,
                                 s.nodes,          s.gpus_per_node,  s.placement};
  RoutingDraw draw;  // one buffer for every batch
  std::vector<double> statistics(static_cast<std::size_t>(m.routed_experts), 1.0);
  if (s.placement != PlacementPolicy::kContiguous) {
    const std::uint64_t stream = s.placement_from_previous_draw ? kStatisticsStream : 0;
    draw_routing_into(draw, *gate, *scores, m.routed_experts, k, stream, tokens, options.threads);
    statistics = expert_loads(draw, m.routed_experts);
  }
  w.placement = place_experts(request, statistics, static_cast<double>(tokens));

  for (int index = 0; index < s.micro_batches; ++index) {
    draw_routing_into(draw, *gate, *scores, m.routed_experts, k,
                      static_cast<std::uint64_t>(index) * static_cast<std::uint64_t>(tokens), tokens, options.threads);
    MicroBatchWorkload mb;
    mb.index = index;
    mb.routed_pairs = static_cast<std::int64_t>(draw.experts.size());
    const TokenWalk walk =
        walk_tokens(TokenWalkInput{&s, &w.placement, &draw, shared_routed ? m.routed_experts : -1}, options.threads);
    const auto& copies = walk.copies;
    const auto& instance_rows = walk.instance_rows;
    const auto n = static_cast<double>(tokens);
    mb.routing.mean_nodes_per_token = static_cast<double>(walk.node_sum) / n;
    mb.routing.mean_remote_nodes_per_token = static_cast<double>(walk.remote_sum) / n;
    mb.routing.mean_gpus_per_token = static_cast<double>(walk.gpu_sum) / n;
    mb.routing.max_nodes_per_token = walk.max_nodes;
    mb.routing.nodes_histogram = walk.nodes_histogram;
    const auto dispatch_bytes = dispatch_bytes_per_token(s, m);
    const auto combine_bytes = combine_bytes_per_token(s, m);
    mb.traffic.push_back(scaled_phase(copies, "dispatch", s.dispatch_format, dispatch_bytes, false));
    mb.traffic.push_back(scaled_phase(copies, "combine", s.combine_format, combine_bytes, true));
    if (s.phase == Phase::kTraining) {
      // The backward all-to-alls retrace the forward ones: the output gradient travels like
      // the dispatch (in FP8, [V3] §3.3.3) and the input gradient like the combine (BF16).
      mb.traffic.push_back(scaled_phase(copies, "gradient_dispatch", s.dispatch_format, dispatch_bytes, false));
      mb.traffic.push_back(scaled_phase(copies, "gradient_combine", s.combine_format, combine_bytes, true));
    }

    for (int g = 0; g < gpus; ++g) {
      GpuWorkload gw;
      gw.gpu = g;
      gw.node = cluster.node_of(g);
      gw.tokens = s.tokens_per_micro_batch;
      for (int slot = 0; slot < w.placement.per_gpu; ++slot) {
        const auto instance = static_cast<std::size_t>(g * w.placement.per_gpu + slot);
        const int expert = w.placement.instance_expert[instance];
        const bool shared = expert == m.routed_experts;
        gw.instances.push_back(ExpertInstance{expert, shared, instance_rows[instance]});
        (shared ? gw.shared_rows : gw.routed_rows) += instance_rows[instance];
      }
      if (s.shared == SharedExpertPlacement::kLocal && m.shared_experts > 0) gw.shared_rows = gw.tokens;
      gw.operators = expert_operators(s, m, gw);
      mb.gpus.push_back(std::move(gw));
    }
    mb.balance = measure_balance(mb, draw, w.placement, gpus);
    w.micro_batches.push_back(std::move(mb));
  }
  return w;
}

}  // namespace codesim::workloads
