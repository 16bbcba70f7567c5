// Timing-model speed: one GPU's expert computation of a MoE layer, baseline and every
// compute-side proposal (as `codesim run --workload prefill-ep32 --proposal ...` does), on one
// core. The workload (routing) is built once outside the timed loop.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "emulator/hw/device_config.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/gemm_validation.hpp"
#include "emulator/sim/proposal_comparison.hpp"
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

/// One GPU's expert computation, baseline lowering at the best fit, no result cache: what a
/// cluster-wide layer simulates for each GPU (train-ep64: 12 kernels, a few million TMA loads).
void BM_ExpertComputationBaseline(benchmark::State& state, const std::string& scenario) {
  const auto device = codesim::hw::load_device("h800");
  const auto work = work_of(scenario);
  codesim::kernels::LoweringFeatures f;
  f.reserved_sms = work.comm_sms;
  for (auto _ : state)
    benchmark::DoNotOptimize(codesim::sim::simulate_expert_computation(device, work.operators, f).total_us());
}
BENCHMARK_CAPTURE(BM_ExpertComputationBaseline, train_ep64, std::string("train-ep64"))->Unit(benchmark::kMillisecond);

/// What `codesim compare --proposal all` does: every proposal with every member of the
/// device's consistent set (the bands), on `workers` processes.
void BM_BandedComparisonAllProposals(benchmark::State& state, const std::string& scenario) {
  const auto device = codesim::hw::load_device("h800");
  const auto work = work_of(scenario);
  std::vector<std::pair<std::string, codesim::kernels::LoweringFeatures>> columns;
  for (const auto* p : codesim::proposals::ProposalRegistry::instance().all()) {
    const auto instance = codesim::proposals::ProposalRegistry::instance().parse(p->name());
    codesim::kernels::LoweringFeatures f;
    f.reserved_sms = work.comm_sms;
    instance.proposal->adjust_lowering(f, instance.values);
    columns.emplace_back(instance.spec(), f);
  }
  const auto workers = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    const auto r = codesim::sim::compare_proposals(device, work.operators, columns, nullptr, workers);
    benchmark::DoNotOptimize(r.proposals.back().speedup.high);
  }
  state.counters["members"] = static_cast<double>(device.calibration.consistent_set.size());
}
BENCHMARK_CAPTURE(BM_BandedComparisonAllProposals, prefill_ep32, std::string("prefill-ep32"))
    ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_BandedComparisonAllProposals, decode_ep320, std::string("decode-ep320"))
    ->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// One evaluation of the calibration's model: the 18 published dense rows, each as it was
/// measured (a fit takes a few hundred of these; calibrate several thousand).
void BM_PublishedDenseRows(benchmark::State& state) {
  const std::filesystem::path csv = std::filesystem::path(CODESIM_H800_REFERENCE_DEFAULT) / "deepgemm_dense_fp8_gemm.csv";
  if (!std::filesystem::exists(csv)) {
    state.SkipWithError("published H800 figures not found");
    return;
  }
  auto rows = codesim::sim::read_published_dense_gemms(csv);
  codesim::sim::apply_measurement_conditions(rows, std::filesystem::path(CODESIM_PUBLISHED_DATA_DEFAULT) /
                                                       "h800_deepgemm_dense_conditions.csv");
  const auto device = codesim::hw::load_device("h800");
  for (auto _ : state) benchmark::DoNotOptimize(codesim::sim::predict(device, rows).front().predicted_us);
}
BENCHMARK(BM_PublishedDenseRows)->Unit(benchmark::kMillisecond);

/// The largest published dense GEMM (1440 tiles x 128 K steps).
void BM_GemmM4096N7168K16384(benchmark::State& state) {
  const auto device = codesim::hw::load_device("h800");
  const codesim::kernels::GemmShape s{{4096}, 7168, 16384, codesim::kernels::GemmLayout::kDense};
  for (auto _ : state) benchmark::DoNotOptimize(codesim::sim::simulate_gemm(device, s, {}).time_us);
}
BENCHMARK(BM_GemmM4096N7168K16384)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
