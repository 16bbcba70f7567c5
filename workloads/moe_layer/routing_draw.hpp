#pragma once
// Routes a batch of synthetic tokens: logits from a score generator, experts from the
// model's gate. Token i of the batch uses random stream first_stream + i, so batches, and
// chunks of a batch routed on different threads, are reproducible.
#include <cstdint>
#include <vector>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {

/// The experts chosen for each token. The gating weights are not kept: nothing downstream of
/// the workload (rows, shapes, bytes) depends on them.
struct RoutingDraw {
  int top_k = 0;
  std::int64_t tokens = 0;
  std::vector<int> experts;  ///< tokens x top_k expert ids
};

/// Routes into `draw`, reusing its memory (a fresh buffer per batch costs page faults that
/// showed up as a tenth of the run time).
void draw_routing_into(RoutingDraw& draw, const Gate& gate, const ScoreGenerator& scores, int routed_experts, int top_k,
                       std::uint64_t first_stream, std::int64_t tokens, int threads = 1);

[[nodiscard]] inline RoutingDraw draw_routing(const Gate& gate, const ScoreGenerator& scores, int routed_experts,
                                              int top_k, std::uint64_t first_stream, std::int64_t tokens,
                                              int threads = 1) {
  RoutingDraw d;
  draw_routing_into(d, gate, scores, routed_experts, top_k, first_stream, tokens, threads);
  return d;
}

}  // namespace codesim::workloads
