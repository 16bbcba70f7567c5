// Timing-model speed: one GPU's expert computation of a MoE layer, baseline and every
// compute-side proposal (as `codesim run --workload prefill-ep32 --proposal ...` does), on one
// core. The workload (routing) is built once outside the timed loop.
#include <benchmark/benchmark.h>

#include "emulator/hw/device_config.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "proposals/proposal.hpp"
#include "workloads/config/workload_catalog.hpp"

namespace {

namespace wl = codesim::workloads;

struct GpuWork {
  std::vector<wl::Operator> operators;
  int comm_sms = 0;
};

GpuWork work_of(const std::string& scenario_name) {
  const auto s = wl::load_scenario(scenario_name);
  const auto m = wl::load_model(s.model);
  wl::RoutingOptions o;
  o.threads = 1;
  return {wl::build_moe_layer_workload(s, m, o).micro_batches[0].gpus[0].operators, s.comm_sms};
}

void BM_ExpertComputationAllProposals(benchmark::State& state, const std::string& scenario) {
  const auto device = codesim::hw::load_device("h800");
  const auto work = work_of(scenario);
  const std::vector<std::string> specs{"baseline",       "tc-full-accum",    "tc-group-scaling",
                                       "tma-fused-cast", "near-memory-cast", "transposed-gemm"};
  for (auto _ : state) {
    codesim::sim::KernelResultCache cache;  // reuse within one comparison, never across iterations
    double total = 0.0;
    for (const auto& spec : specs) {
      const auto p = codesim::proposals::ProposalRegistry::instance().parse(spec);
      codesim::kernels::LoweringFeatures f;
      f.reserved_sms = work.comm_sms;  // as codesim run does
      p.proposal->adjust_lowering(f, p.values);
      total += codesim::sim::simulate_expert_computation(device, work.operators, f, nullptr, 0, &cache).total_us();
    }
    benchmark::DoNotOptimize(total);
  }
}
BENCHMARK_CAPTURE(BM_ExpertComputationAllProposals, prefill_ep32, std::string("prefill-ep32"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ExpertComputationAllProposals, train_ep64, std::string("train-ep64"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ExpertComputationAllProposals, decode_ep144, std::string("decode-ep144"))
    ->Unit(benchmark::kMillisecond);

/// The largest published dense GEMM (1440 tiles x 128 K steps).
void BM_GemmM4096N7168K16384(benchmark::State& state) {
  const auto device = codesim::hw::load_device("h800");
  const codesim::kernels::GemmShape s{{4096}, 7168, 16384, codesim::kernels::GemmLayout::kDense};
  for (auto _ : state) benchmark::DoNotOptimize(codesim::sim::simulate_gemm(device, s, {}).time_us);
}
BENCHMARK(BM_GemmM4096N7168K16384)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
