#include "workloads/moe_layer/routing_draw.hpp"

#include <algorithm>
#include <thread>

namespace codesim::workloads {

void draw_routing_into(RoutingDraw& d, const Gate& gate, const ScoreGenerator& scores, int routed_experts, int top_k,
                       std::uint64_t first_stream, std::int64_t tokens, int threads) {
  d.top_k = top_k;
  d.tokens = tokens;
  const auto k = static_cast<std::size_t>(top_k);
  d.experts.resize(static_cast<std::size_t>(tokens) * k);
  // Blocks of tokens: the logits of a block, then its experts (gate.choose may overlap
  // consecutive tokens' work).
  constexpr std::int64_t kBlock = 16;
  auto route_range = [&](std::int64_t begin, std::int64_t end) {
    const auto e = static_cast<std::size_t>(routed_experts);
    std::vector<float> logits(static_cast<std::size_t>(kBlock) * e);
    for (std::int64_t first = begin; first < end; first += kBlock) {
      const auto count = static_cast<std::size_t>(std::min(kBlock, end - first));
      for (std::size_t b = 0; b < count; ++b)
        scores.logits(first_stream + static_cast<std::uint64_t>(first) + b, std::span<float>(logits).subspan(b * e, e));
      gate.choose(std::span<const float>(logits).first(count * e), count,
                  std::span<int>(d.experts).subspan(static_cast<std::size_t>(first) * k, count * k));
    }
  };
  const std::int64_t n_threads = std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(1, tokens / 1024));
  if (n_threads == 1) {
    route_range(0, tokens);
    return;
  }
  std::vector<std::jthread> pool;  // joined when the function returns
  for (std::int64_t i = 0; i < n_threads; ++i)
    pool.emplace_back(route_range, tokens * i / n_threads, tokens * (i + 1) / n_threads);
}

}  // namespace codesim::workloads
