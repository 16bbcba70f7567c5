// Network model speed (not correctness): one DeepEP all-to-all on the H800 cluster, per mode
// and EP size, in DeepEP's test settings (normal: 4,096 tokens, 24 SMs; low-latency: 128).
// Counters: flows laid out and max-min rate computations per run.
// Run: ./build/bench/network_bench
#include <benchmark/benchmark.h>

#include "emulator/network/alltoall.hpp"

namespace net = codesim::network;

namespace {

void run(benchmark::State& state, const char* mode, net::CommOp op, int tokens) {
  const auto cluster = net::load_cluster("h800");
  net::AllToAllRequest q;
  q.mode = mode;
  q.op = op;
  q.ep = static_cast<int>(state.range(0));
  q.tokens = tokens;
  if (!net::CollectiveRegistry::instance().at(mode).holds_sms) q.sms = 0;
  net::AllToAllResult r;
  for (auto _ : state) {
    r = net::run_alltoall(cluster, q);
    benchmark::DoNotOptimize(r);  // the struct: DoNotOptimize on a lone double garbles it with this GCC
  }
  state.counters["flows"] = static_cast<double>(r.flows);
  state.counters["rate_computations"] = static_cast<double>(r.rate_computations);
  state.counters["time_us"] = r.time_us;
}

void BM_NormalDispatch(benchmark::State& s) { run(s, "normal", net::CommOp::kDispatch, 4096); }
void BM_NormalCombine(benchmark::State& s) { run(s, "normal", net::CommOp::kCombine, 4096); }
void BM_LowLatencyDispatch(benchmark::State& s) { run(s, "low-latency", net::CommOp::kDispatch, 128); }
void BM_LowLatencyCombine(benchmark::State& s) { run(s, "low-latency", net::CommOp::kCombine, 128); }

BENCHMARK(BM_NormalDispatch)->Arg(8)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NormalCombine)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LowLatencyDispatch)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LowLatencyCombine)->Arg(8)->Arg(256)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
