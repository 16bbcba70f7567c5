// Workload generation speed (not correctness): routing one token, and building every
// catalogued scenario end to end (routing, placement, traffic, operators) on one thread and on
// every core (wall time).
// Run: ./build/bench/workload_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "workloads/config/workload_catalog.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"
#include "workloads/moe_layer/routing_draw.hpp"
#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace wl = codesim::workloads;

namespace {

void BM_IndependentLogits(benchmark::State& state) {
  const auto gen = wl::ScoreGeneratorRegistry::instance().at("independent").make({1, 256, 0.0});
  std::vector<float> logits(256);
  std::uint64_t t = 0;
  for (auto _ : state) {
    gen->logits(t++, logits);
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndependentLogits);

void BM_DeepSeekV3Gate(benchmark::State& state) {
  const auto m = wl::load_model("deepseek-v3");
  const auto gate = wl::GateRegistry::instance().at(m.router.gate).make(m);
  const auto gen = wl::ScoreGeneratorRegistry::instance().at("independent").make({1, 256, 0.0});
  constexpr int kTokens = 1024;
  std::vector<float> logits(256 * kTokens);
  for (int t = 0; t < kTokens; ++t)
    gen->logits(static_cast<std::uint64_t>(t), std::span<float>(logits).subspan(static_cast<std::size_t>(t) * 256, 256));
  std::vector<int> experts(8);
  std::vector<float> weights(8);
  std::size_t t = 0;
  for (auto _ : state) {
    gate->route(std::span<const float>(logits).subspan((t++ % kTokens) * 256, 256), {}, experts, weights);
    benchmark::DoNotOptimize(experts.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeepSeekV3Gate);

/// Logits and gate together, as a scenario routes: 16,384 DeepSeek-V3 tokens per iteration on
/// one thread. BM_DeepSeekV3Gate cycles over 1,024 cached tokens, whose branch patterns the
/// processor partly learns; fresh tokens, as here, do not allow that.
void BM_RoutingDraw(benchmark::State& state) {
  const auto m = wl::load_model("deepseek-v3");
  const auto gate = wl::GateRegistry::instance().at(m.router.gate).make(m);
  const auto gen = wl::ScoreGeneratorRegistry::instance().at("independent").make({1, 256, 0.0});
  constexpr std::int64_t kTokens = 16384;
  wl::RoutingDraw draw;
  std::uint64_t first = 0;
  for (auto _ : state) {
    wl::draw_routing_into(draw, *gate, *gen, m.routed_experts, m.experts_per_token, first, kTokens);
    first += kTokens;
    benchmark::DoNotOptimize(draw.experts.data());
  }
  state.SetItemsProcessed(state.iterations() * kTokens);
}
BENCHMARK(BM_RoutingDraw)->Unit(benchmark::kMillisecond);

/// state.range(0): routing threads (1, and every core of the machine).
void BM_BuildScenario(benchmark::State& state, const std::string& name) {
  const auto s = wl::load_scenario(name);
  const auto m = wl::load_model(s.model);
  wl::RoutingOptions o;
  o.threads = static_cast<int>(state.range(0));
  std::int64_t pairs = 0;
  for (auto _ : state) {
    const auto w = wl::build_moe_layer_workload(s, m, o);
    for (const auto& mb : w.micro_batches) pairs += mb.routed_pairs;
    benchmark::DoNotOptimize(w.micro_batches.data());
  }
  state.counters["routed_pairs/s"] = benchmark::Counter(static_cast<double>(pairs), benchmark::Counter::kIsRate);
}
const int kCores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
#define CODESIM_SCENARIO_BENCH(id, name)                                              \
  BENCHMARK_CAPTURE(BM_BuildScenario, id, std::string(name))                         \
      ->ArgName("threads")                                                            \
      ->Arg(1)                                                                        \
      ->Arg(kCores)                                                                   \
      ->Unit(benchmark::kMillisecond)                                                 \
      ->UseRealTime()
CODESIM_SCENARIO_BENCH(train_ep64, "train-ep64");
CODESIM_SCENARIO_BENCH(prefill_ep32, "prefill-ep32");
CODESIM_SCENARIO_BENCH(decode_ep320, "decode-ep320");
CODESIM_SCENARIO_BENCH(decode_ep144, "decode-ep144");
CODESIM_SCENARIO_BENCH(decode_ep128, "decode-ep128");

}  // namespace

BENCHMARK_MAIN();
