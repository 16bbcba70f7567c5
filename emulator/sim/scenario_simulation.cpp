#include "emulator/sim/scenario_simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

#include "emulator/network/link_class.hpp"
#include "emulator/network/scenario_traffic.hpp"
#include "emulator/sim/scenario_gpu.hpp"

namespace codesim::sim {
namespace {

std::string phase_name(network::CommOp op) { return op == network::CommOp::kDispatch ? "dispatch" : "combine"; }

Band point(double v) { return {v, v, v}; }

/// The cluster as each member of its consistent set sees it (itself, the best fit, first), with
/// the column's NVLink bandwidth.
std::vector<network::ClusterConfig> cluster_members(const network::ClusterConfig& cluster,
                                                    const kernels::CommunicationFeatures& communication) {
  std::vector<network::ClusterConfig> out;
  for (std::size_t m = 0; m < std::max<std::size_t>(1, cluster.calibration.consistent_set.size()); ++m)
    out.push_back(cluster_member(cluster, m, communication));
  return out;
}

AllToAllPhaseTiming time_phase(const network::ClusterConfig& cluster, const workloads::MoeLayerWorkload& w,
                               const network::TokenCounts& counts, network::CommOp op,
                               const kernels::CommunicationFeatures& communication, int gpu) {
  const auto request = network::scenario_alltoall_request(w, op, communication.sms, communication.offload);
  AllToAllPhaseTiming t;
  t.phase = phase_name(op);
  t.gpu = gpu;
  std::vector<double> mine, slowest, mean, bandwidth;
  for (const auto& member : cluster_members(cluster, communication)) {
    auto r = network::run_alltoall_counts(member, request, counts);
    mine.push_back(r.gpu_time_us[static_cast<std::size_t>(gpu)]);
    slowest.push_back(r.max_time_us);
    mean.push_back(r.time_us);
    bandwidth.push_back(r.bandwidth_gbps);
    if (mine.size() == 1) t.best_fit = std::move(r);
  }
  t.time_us = band_of(mine);
  t.max_time_us = band_of(slowest);
  t.mean_time_us = band_of(mean);
  t.bandwidth_gbps = band_of(bandwidth);
  return t;
}

void name_trace(ChromeTrace& trace, int process, const std::string& name, int sms) {
  trace.name_process(process, name);
  trace.name_track(process, 0, "kernels");
  for (int s = 0; s < sms; ++s) trace.name_track(process, s + 1, fmt::format("SM {}", s));
}

}  // namespace

ColumnFeatures resolve_column(const ProposalColumn& column, const kernels::CommunicationFeatures& declared,
                              const hw::DeviceConfig& device) {
  ColumnFeatures out{{}, declared};
  if (column.adjust_communication) column.adjust_communication(out.communication);
  if (!(out.communication.nvlink_bandwidth_scale > 0.0))
    throw std::invalid_argument(fmt::format("{}: NVLink bandwidth scale {} is not positive", column.spec,
                                            out.communication.nvlink_bandwidth_scale));
  if (column.adjust_lowering) column.adjust_lowering(out.lowering);
  // The communication kernels hold their SMs while the compute kernels run beside them.
  out.lowering.reserved_sms = out.communication.sms;
  (void)compute_sms(device, out.lowering, 0);
  return out;
}

std::optional<std::string> scenario_alltoall_problem(const network::ClusterConfig& cluster,
                                                     const workloads::MoeLayerWorkload& w,
                                                     const kernels::CommunicationFeatures& communication) {
  if (const auto problem = network::scenario_cluster_problem(cluster, w.scenario)) return problem;
  for (const auto op : {network::CommOp::kDispatch, network::CommOp::kCombine})
    if (const auto problem = network::alltoall_problem(
            cluster, network::scenario_alltoall_request(w, op, communication.sms, communication.offload)))
      return fmt::format("the all-to-all of scenario {} on cluster {}: {}", w.scenario.name, cluster.name, *problem);
  return std::nullopt;
}

network::ClusterConfig cluster_member(const network::ClusterConfig& cluster, std::size_t member,
                                      const kernels::CommunicationFeatures& communication) {
  auto out = member == 0 ? cluster : cluster.with_calibration(cluster.calibration.consistent_set[member].values);
  out.device.nvlink_gbps = communication.nvlink_gbps(out.device.nvlink_gbps);
  return out;
}

std::vector<NamedStatistic> AllToAllPhaseTiming::statistics() const {
  const auto g = static_cast<std::size_t>(gpu);
  std::vector<NamedStatistic> s{
      {"time_us", "us", fmt::format("GPU {}'s {} kernel", gpu, phase), time_us, 1},
      {"max_time_us", "us", "the slowest GPU's kernel", max_time_us, 1},
      {"mean_time_us", "us", "mean over the GPUs", mean_time_us, 1},
      {"bandwidth_gbps", "GB/s", "mean over the GPUs of DeepEP's byte count / kernel time", bandwidth_gbps, 1},
      {"counted_bytes", "B", fmt::format("GPU {}'s bytes as DeepEP counts them: {}", gpu, best_fit.counted_as),
       point(g < best_fit.gpu_bytes.size() ? best_fit.gpu_bytes[g] : 0.0), 0},
  };
  for (const auto& c : best_fit.link_classes) {
    if (c.out_bytes + c.in_bytes + c.other_bytes == 0.0) continue;  // a class this phase does not use
    const std::string name(network::link_class_name(c.link_class));
    if (c.out_bytes > 0.0 || c.in_bytes > 0.0) {
      s.push_back({name + "_bytes_out", "B", fmt::format("on {} links leaving GPUs, summed over the cluster", name),
                   point(c.out_bytes), 0});
      s.push_back({name + "_bytes_in", "B", fmt::format("on {} links arriving at GPUs, summed", name), point(c.in_bytes), 0});
    }
    if (c.other_bytes > 0.0)
      s.push_back({name + "_bytes", "B", fmt::format("through every GPU's {}, summed", name), point(c.other_bytes), 0});
    s.push_back({name + "_busy_us_max", "us", fmt::format("the busiest {} link (best fit)", name), point(c.busy_us_max), 1});
  }
  return s;
}

const AllToAllPhaseTiming* ScenarioColumn::phase_of(const workloads::Operator& op) const {
  std::string name;
  if (op.kind == workloads::OperatorKind::kDispatch) name = phase_name(network::CommOp::kDispatch);
  else if (op.kind == workloads::OperatorKind::kCombine) name = phase_name(network::CommOp::kCombine);
  else return nullptr;
  for (const auto& p : phases)
    if (p.phase == name) return &p;
  return nullptr;
}

ScenarioResult simulate_scenario(const ScenarioRequest& request, const hw::DeviceConfig& device,
                                 const network::ClusterConfig* cluster, const std::vector<ProposalColumn>& columns,
                                 ChromeTrace* trace, std::size_t workers) {
  if (columns.empty()) throw std::invalid_argument("no proposal to compare");
  const auto gpu = load_scenario_gpu(request.scenario, request.gpu, request.micro_batch, request.seed);
  ScenarioResult out;
  out.scenario = gpu.scenario;
  out.gpu = gpu.gpu;
  out.micro_batch = gpu.micro_batch;
  out.seed = gpu.seed;
  out.device = device.name;
  out.device_sms = device.sms;
  out.operators = gpu.operators;

  // Every column's features first, so that a column the device or cluster cannot run fails
  // before anything is simulated.
  std::vector<std::pair<std::string, kernels::LoweringFeatures>> lowering;
  std::vector<kernels::CommunicationFeatures> communication;
  for (const auto& c : columns) {
    const auto [f, comm] = resolve_column(c, gpu.communication, device);
    if (cluster != nullptr)
      if (const auto problem = scenario_alltoall_problem(*cluster, *gpu.routed, comm))
        throw std::invalid_argument(comm == gpu.communication ? *problem : c.spec + ": " + *problem);
    lowering.emplace_back(c.spec, f);
    communication.push_back(comm);
  }

  auto comparison = compare_proposals(device, gpu.operators, lowering, trace, workers);
  out.members = std::move(comparison.members);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    ScenarioColumn col;
    col.computation = std::move(comparison.proposals[i]);
    col.communication = communication[i];
    col.compute_sms = compute_sms(device, lowering[i].second, 0);
    out.columns.push_back(std::move(col));
  }
  if (trace != nullptr)
    for (std::size_t i = 0; i < columns.size(); ++i)
      name_trace(*trace, static_cast<int>(i), fmt::format("{} GPU {} ({})", out.scenario, out.gpu, columns[i].spec),
                 device.sms);

  if (cluster != nullptr) {
    out.cluster = cluster->name;
    out.collective = network::scenario_collective(gpu.routed->scenario);
    out.cluster_members.push_back("best fit");
    for (std::size_t m = 1; m < cluster->calibration.consistent_set.size(); ++m)
      out.cluster_members.push_back(cluster->calibration.consistent_set[m].label);
    const auto threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    const auto counts = network::scenario_token_counts(*gpu.routed, request.micro_batch, threads);
    for (std::size_t i = 0; i < out.columns.size(); ++i) {
      auto& col = out.columns[i];
      // Columns that leave the communication as an earlier one did share its simulation.
      const auto same = std::find_if(out.columns.begin(), out.columns.begin() + static_cast<std::ptrdiff_t>(i),
                                     [&](const ScenarioColumn& c) { return c.communication == col.communication; });
      if (same != out.columns.begin() + static_cast<std::ptrdiff_t>(i)) {
        col.phases = same->phases;
        continue;
      }
      for (const auto op : {network::CommOp::kDispatch, network::CommOp::kCombine})
        col.phases.push_back(time_phase(*cluster, *gpu.routed, counts, op, col.communication, out.gpu));
    }
  }
  return out;
}

ScenarioResult simulate_gemm_scenario(const GemmScenario& gemm, const hw::DeviceConfig& device,
                                      const ProposalColumn& column, ChromeTrace* trace) {
  kernels::LoweringFeatures f;
  if (column.adjust_lowering) column.adjust_lowering(f);
  ScenarioResult out;
  out.scenario = "gemm";
  out.device = device.name;
  out.device_sms = device.sms;
  workloads::Operator op;
  op.kind = gemm.shape.m.size() > 1 ? workloads::OperatorKind::kGroupedGemm : workloads::OperatorKind::kGemm;
  op.name = "fp8_gemm";
  op.m = gemm.shape.m;
  op.n = gemm.shape.n;
  op.k = {gemm.shape.k};
  op.layout = gemm.shape.layout == kernels::GemmLayout::kContiguous ? "contiguous"
              : gemm.shape.layout == kernels::GemmLayout::kMasked   ? "masked"
                                                                      : "dense";
  out.operators = {op};

  ScenarioColumn col;
  col.computation.spec = column.spec;
  col.computation.features = f;
  col.compute_sms = compute_sms(device, f, gemm.sm_limit);
  std::vector<double> times, bytes;
  for (const auto& member : band_members(device)) {
    // The best fit (first) draws its tiles into the trace.
    auto run = simulate_gemm(member, gemm.shape, f, gemm.sm_limit, times.empty() ? trace : nullptr, gemm.conditions);
    times.push_back(run.time_us);
    bytes.push_back(run.hbm_read_bytes + run.hbm_write_bytes);
    ExpertComputation e;
    e.operators.push_back(OperatorTiming{op.name, run.kind, "timed", {std::move(run)}});
    col.computation.per_member.push_back(std::move(e));
  }
  out.members.push_back("best fit");
  for (std::size_t m = 1; m < device.calibration.consistent_set.size(); ++m)
    out.members.push_back(device.calibration.consistent_set[m].label);
  col.computation.total_us = band_of(times);
  col.computation.speedup = point(1.0);
  col.computation.hbm_bytes = band_of(bytes);
  col.computation.operator_us = {col.computation.total_us};
  if (trace != nullptr) name_trace(*trace, 0, fmt::format("{} ({})", device.name, column.spec), device.sms);
  out.columns.push_back(std::move(col));
  return out;
}

}  // namespace codesim::sim
