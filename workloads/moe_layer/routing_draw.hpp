#pragma once
// Routes a batch of synthetic tokens: logits from a score generator, experts from the
// model's gate. Token i of the batch uses random stream first_stream + i, so batches, and
// chunks of a batch routed on different threads, are reproducible.
#include <cstdint>
#include <vector>

#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {

struct RoutingDraw {
  int top_k = 0;
  std::int64_t tokens = 0;
  std::vector<int> experts;    ///< tokens x top_k expert ids
  std::vector<float> weights;  ///< tokens x top_k gating weights
};

[[nodiscard]] RoutingDraw draw_routing(const Gate& gate, const ScoreGenerator& scores, int routed_experts, int top_k,
                                       std::uint64_t first_stream, std::int64_t tokens, int threads = 1);

}  // namespace codesim::workloads
