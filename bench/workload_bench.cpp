// Workload generation speed (not correctness): routing one token, and building every
// catalogued scenario end to end (routing, placement, traffic, operators) on one thread.
// Run: ./build/bench/workload_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "workloads/config/workload_catalog.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"
#include "workloads/routing/gate.hpp"
#include "workloads/routing/score_generator.hpp"

namespace wl = codesim::workloads;

namespace {

void BM_IndependentLogits(benchmark::State& state) {
  const auto gen = wl::ScoreGeneratorRegistry::instance().find("independent")->make({1, 256, 0.0});
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
  const auto gate = wl::GateRegistry::instance().find(m.router.gate)->make(m);
  const auto gen = wl::ScoreGeneratorRegistry::instance().find("independent")->make({1, 256, 0.0});
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

void BM_BuildScenario(benchmark::State& state, const std::string& name) {
  const auto s = wl::load_scenario(name);
  const auto m = wl::load_model(s.model);
  wl::RoutingOptions o;
  o.threads = 1;
  std::int64_t pairs = 0;
  for (auto _ : state) {
    const auto w = wl::build_moe_layer_workload(s, m, o);
    for (const auto& mb : w.micro_batches) pairs += mb.routed_pairs;
    benchmark::DoNotOptimize(w.micro_batches.data());
  }
  state.counters["routed_pairs/s"] = benchmark::Counter(static_cast<double>(pairs), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_BuildScenario, train_ep64, std::string("train-ep64"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildScenario, prefill_ep32, std::string("prefill-ep32"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildScenario, decode_ep320, std::string("decode-ep320"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildScenario, decode_ep144, std::string("decode-ep144"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildScenario, decode_ep128, std::string("decode-ep128"))->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
