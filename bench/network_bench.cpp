// Network model speed (not correctness): one DeepEP all-to-all on the H800 cluster, per mode
// and EP size, in DeepEP's test settings (normal: 4,096 tokens, 24 SMs; low-latency: 128).
// Counters: flows laid out and max-min rate computations per run.
// BM_*: routing and network together, as run_alltoall runs them. BM_Network*: the network
// alone, on counts routed once outside the timed loop (at large EP the routing is a fixed
// cost next to the fluid network's, which these isolate).
// Run: ./build/bench/network_bench
#include <benchmark/benchmark.h>

#include "emulator/network/alltoall.hpp"
#include "emulator/network/expert_traffic.hpp"

namespace net = codesim::network;

namespace {

net::AllToAllRequest request(benchmark::State& state, const char* mode, net::CommOp op, int tokens, int experts) {
  net::AllToAllRequest q;
  q.mode = mode;
  q.op = op;
  q.ep = static_cast<int>(state.range(0));
  q.tokens = tokens;
  // 0: DeepSeek-V3's 256 experts; EP320 takes one expert per GPU (320), as 256 does not divide.
  q.experts = experts > 0 ? experts : q.experts;
  if (!net::CollectiveRegistry::instance().at(mode).holds_sms) q.sms = 0;
  return q;
}

void report(benchmark::State& state, const net::AllToAllResult& r) {
  state.counters["flows"] = static_cast<double>(r.flows);
  state.counters["rate_computations"] = static_cast<double>(r.rate_computations);
  state.counters["time_us"] = r.time_us;
}

void run(benchmark::State& state, const char* mode, net::CommOp op, int tokens, int experts = 0) {
  const auto cluster = net::load_cluster("h800");
  const auto q = request(state, mode, op, tokens, experts);
  net::AllToAllResult r;
  for (auto _ : state) {
    r = net::run_alltoall(cluster, q);
    benchmark::DoNotOptimize(r);  // the struct: DoNotOptimize on a lone double garbles it with this GCC
  }
  report(state, r);
}

void run_network(benchmark::State& state, const char* mode, net::CommOp op, int tokens, int experts = 0) {
  const auto cluster = net::load_cluster("h800");
  const auto q = request(state, mode, op, tokens, experts);
  const auto counts = net::count_tokens(net::route_experts(net::CollectiveRegistry::instance().at(mode).routing(cluster, q)));
  net::AllToAllResult r;
  for (auto _ : state) {
    r = net::run_alltoall_counts(cluster, q, counts);
    benchmark::DoNotOptimize(r);
  }
  report(state, r);
}

void BM_NormalDispatch(benchmark::State& s) { run(s, "normal", net::CommOp::kDispatch, 4096); }
void BM_NormalCombine(benchmark::State& s) { run(s, "normal", net::CommOp::kCombine, 4096); }
void BM_LowLatencyDispatch(benchmark::State& s) { run(s, "low-latency", net::CommOp::kDispatch, 128); }
void BM_LowLatencyCombine(benchmark::State& s) { run(s, "low-latency", net::CommOp::kCombine, 128); }
void BM_LowLatencyDispatch320Experts(benchmark::State& s) { run(s, "low-latency", net::CommOp::kDispatch, 128, 320); }

void BM_NetworkNormalDispatch(benchmark::State& s) { run_network(s, "normal", net::CommOp::kDispatch, 4096); }
void BM_NetworkNormalCombine(benchmark::State& s) { run_network(s, "normal", net::CommOp::kCombine, 4096); }
void BM_NetworkLowLatencyDispatch(benchmark::State& s) { run_network(s, "low-latency", net::CommOp::kDispatch, 128); }
void BM_NetworkLowLatencyDispatch320Experts(benchmark::State& s) {
  run_network(s, "low-latency", net::CommOp::kDispatch, 128, 320);
}
void BM_NetworkLowLatencyNvlinkCombine(benchmark::State& s) {
  run_network(s, "low-latency-nvlink", net::CommOp::kCombine, 128);
}

BENCHMARK(BM_NormalDispatch)->Arg(8)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NormalCombine)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LowLatencyDispatch)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LowLatencyCombine)->Arg(8)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LowLatencyDispatch320Experts)->Arg(320)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_NetworkNormalDispatch)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NetworkNormalCombine)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NetworkLowLatencyDispatch)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NetworkLowLatencyDispatch320Experts)->Arg(320)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NetworkLowLatencyNvlinkCombine)->Arg(256)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
