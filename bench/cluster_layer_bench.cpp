// Cluster-layer speed (not correctness): one MoE layer on every GPU of a shipped scenario on
// the H800 cluster, the baseline and every communication proposal as columns, the calibrations'
// best fits (no bands: a band multiplies the work by the members it runs). Counters: the
// layer's time, kernels simulated against kernel runs, all-to-alls simulated.
// Run: ./build/bench/cluster_layer_bench (single-threaded; the routing draw may use more).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/network/cluster_config.hpp"
#include "emulator/sim/cluster_layer.hpp"
#include "proposals/proposal.hpp"

namespace {

namespace sim = codesim::sim;

sim::ProposalColumn column(const std::string& spec) {
  const auto p = codesim::proposals::ProposalRegistry::instance().parse(spec);
  return {p.spec(), [p](codesim::kernels::LoweringFeatures& f) { p.proposal->adjust_lowering(f, p.values); },
          [p](codesim::kernels::CommunicationFeatures& f) { p.proposal->adjust_communication(f, p.values); }};
}

void layer(benchmark::State& state, const char* scenario) {
  const auto device = codesim::hw::load_device("h800");
  const auto cluster = codesim::network::load_cluster("h800");
  const std::vector<sim::ProposalColumn> columns{column("baseline"), column("comm-coprocessor"),
                                                 column("unified-network"), column("in-network-reduce"),
                                                 column("scale-up-bandwidth")};
  sim::ClusterLayerResult r;
  for (auto _ : state) {
    r = sim::simulate_cluster_layer({scenario, 1, false}, device, cluster, columns);
    benchmark::DoNotOptimize(r);
  }
  state.counters["gpus"] = r.gpus;
  state.counters["layer_us"] = r.columns.front().time_us.value;
  state.counters["kernels_simulated"] = static_cast<double>(r.kernels_simulated);
  state.counters["kernel_runs"] = static_cast<double>(r.kernels_total);
  state.counters["alltoalls"] = static_cast<double>(r.alltoalls_simulated);
  state.counters["alltoalls_shared"] = static_cast<double>(r.alltoalls_shared);
}

}  // namespace

BENCHMARK_CAPTURE(layer, decode_ep320, "decode-ep320")->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(layer, prefill_ep32, "prefill-ep32")->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(layer, train_ep64, "train-ep64")->Unit(benchmark::kSecond)->Iterations(1);

BENCHMARK_MAIN();
