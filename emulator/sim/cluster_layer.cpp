#include "emulator/sim/cluster_layer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include "emulator/network/link_class.hpp"
#include "emulator/network/scenario_traffic.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "workloads/config/workload_catalog.hpp"

namespace codesim::sim {
namespace {

namespace wl = codesim::workloads;

/// The operators of one chain: a range of one micro-batch's operator list.
struct ChainPlan {
  std::string name;
  std::size_t micro_batch = 0;
  std::size_t first = 0;
  std::size_t end = 0;
};

/// Training pairs the forward half of one micro-batch with the backward half of another
/// (DualPipe); the scenario routes one micro-batch, which stands for both. Prefill and decode
/// run their micro-batches side by side.
std::vector<ChainPlan> plan_chains(const wl::MoeLayerWorkload& w, std::string* overlap) {
  const auto& ops = w.micro_batches.front().gpus.front().operators;
  std::vector<ChainPlan> out;
  if (w.scenario.phase == wl::Phase::kTraining) {
    const auto combine = std::find_if(ops.begin(), ops.end(),
                                      [](const wl::Operator& o) { return o.kind == wl::OperatorKind::kCombine; });
    const auto split = combine == ops.end() ? ops.size() : static_cast<std::size_t>(combine - ops.begin()) + 1;
    out.push_back({"forward", 0, 0, split});
    out.push_back({"backward", w.micro_batches.size() - 1, split, ops.size()});
    *overlap = w.micro_batches.size() == 1
                   ? "DualPipe: one micro-batch's forward beside another's backward (the scenario's one routed "
                     "micro-batch stands for both)"
                   : "DualPipe: micro-batch 0's forward beside the last micro-batch's backward";
    return out;
  }
  for (std::size_t m = 0; m < w.micro_batches.size(); ++m)
    out.push_back({fmt::format("micro-batch {}", m), m, 0, w.micro_batches[m].gpus.front().operators.size()});
  *overlap = out.size() > 1 ? "two micro-batches: the experts of one beside the all-to-alls of the other"
                            : "one micro-batch: no overlap";
  return out;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

/// Which earlier steps each operator waits for: routed experts for the dispatch that brings
/// their tokens, a combine for the routed experts whose output it carries, a dispatch for the
/// operator that produced its input; the shared expert and weight gradients need nothing from
/// the network and run beside it.
std::vector<ScheduleStep> chain_steps(const std::vector<wl::Operator>& ops, const ChainPlan& plan) {
  std::vector<ScheduleStep> steps;
  int last_dispatch = -1, last_routed = -1, last_producer = -1, last_compute = -1;
  for (std::size_t j = plan.first; j < plan.end; ++j) {
    const auto& op = ops[j];
    ScheduleStep s;
    s.name = op.name;
    const int index = static_cast<int>(steps.size());
    if (op.kind == wl::OperatorKind::kDispatch) {
      s.alltoall = true;
      const int w = last_producer >= 0 ? last_producer : last_compute;
      if (w >= 0) s.waits_for.push_back(w);
      last_dispatch = index;
    } else if (op.kind == wl::OperatorKind::kCombine) {
      s.alltoall = true;
      const int w = last_routed >= 0 ? last_routed : last_compute;
      if (w >= 0) s.waits_for.push_back(w);
    } else {
      if (starts_with(op.name, "routed.")) {
        if (last_dispatch >= 0) s.waits_for.push_back(last_dispatch);
        last_routed = index;
      } else if (!starts_with(op.name, "shared.")) {
        last_producer = index;
      }
      last_compute = index;
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

double kernel_hbm_bytes(const OperatorTiming& t) {
  double b = 0.0;
  for (const auto& k : t.kernels) b += k.hbm_read_bytes + k.hbm_write_bytes;
  return b;
}

/// The simulations a layer needs, shared by every column and member that asks for the same.
class LayerSimulations {
 public:
  LayerSimulations(const wl::MoeLayerWorkload& w, const network::ClusterConfig& cluster) : w_(w), cluster_(cluster) {}

  /// The expert computation of one GPU in one micro-batch (identical kernels share a run).
  const ExpertComputation& compute(const hw::DeviceConfig& device, std::size_t device_member,
                                   const kernels::LoweringFeatures& f, std::size_t micro_batch, std::size_t gpu) {
    const auto key = std::make_tuple(device_member, lowering_index(f), micro_batch, gpu);
    auto it = compute_.find(key);
    if (it != compute_.end()) return it->second;
    auto run = simulate_expert_computation(device, w_.micro_batches[micro_batch].gpus[gpu].operators, f, nullptr, 0,
                                           &kernel_cache_);
    for (const auto& op : run.operators) kernels_total_ += op.kernels.size();
    return compute_.emplace(key, std::move(run)).first->second;
  }

  /// One all-to-all of a micro-batch under a column's communication, on a cluster member.
  const network::AllToAllResult& alltoall(std::size_t micro_batch, network::CommOp op,
                                          const kernels::CommunicationFeatures& c, std::size_t member) {
    const auto key = std::make_tuple(micro_batch, op == network::CommOp::kDispatch, communication_index(c), member);
    auto it = alltoall_.find(key);
    if (it != alltoall_.end()) return it->second;
    auto counts = counts_.find(micro_batch);
    if (counts == counts_.end()) {
      const auto threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
      counts = counts_.emplace(micro_batch, network::scenario_token_counts(w_, static_cast<int>(micro_batch), threads))
                   .first;
    }
    const auto request = network::scenario_alltoall_request(w_, op, c.sms, c.offload);
    auto result =
        network::run_alltoall_counts(cluster_member(cluster_, member, c), request, counts->second, nullptr, &solved_);
    return alltoall_.emplace(key, std::move(result)).first->second;
  }

  [[nodiscard]] std::size_t kernels_total() const { return kernels_total_; }
  [[nodiscard]] std::size_t kernels_simulated() const { return kernel_cache_.size(); }
  [[nodiscard]] std::size_t alltoalls_simulated() const { return alltoall_.size(); }
  [[nodiscard]] std::size_t alltoalls_shared() const { return solved_.hits(); }

 private:
  std::size_t lowering_index(const kernels::LoweringFeatures& f) {
    const auto it = std::find(lowerings_.begin(), lowerings_.end(), f);
    if (it != lowerings_.end()) return static_cast<std::size_t>(it - lowerings_.begin());
    lowerings_.push_back(f);
    return lowerings_.size() - 1;
  }
  std::size_t communication_index(const kernels::CommunicationFeatures& c) {
    const auto it = std::find(communications_.begin(), communications_.end(), c);
    if (it != communications_.end()) return static_cast<std::size_t>(it - communications_.begin());
    communications_.push_back(c);
    return communications_.size() - 1;
  }

  const wl::MoeLayerWorkload& w_;
  const network::ClusterConfig& cluster_;
  KernelResultCache kernel_cache_;
  std::size_t kernels_total_ = 0;
  std::vector<kernels::LoweringFeatures> lowerings_;
  std::vector<kernels::CommunicationFeatures> communications_;
  std::map<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>, ExpertComputation> compute_;
  std::map<std::tuple<std::size_t, bool, std::size_t, std::size_t>, network::AllToAllResult> alltoall_;
  network::SolvedNetworkCache solved_;
  std::map<std::size_t, network::TokenCounts> counts_;
};

/// What one column's schedule is made of, per chain step: the operator behind it and, for
/// compute, its HBM bytes per GPU.
struct ColumnInputs {
  std::vector<ScheduleChain> chains;
  std::vector<std::vector<std::vector<double>>> hbm_bytes;  ///< [chain][step][gpu] (compute steps)
  std::vector<std::vector<const network::AllToAllResult*>> alltoalls;  ///< [chain][step] (all-to-all steps)
};

ColumnInputs column_inputs(LayerSimulations& sims, const wl::MoeLayerWorkload& w, const std::vector<ChainPlan>& plans,
                           const hw::DeviceConfig& device, std::size_t device_member,
                           const kernels::LoweringFeatures& lowering, const kernels::CommunicationFeatures& comm,
                           std::size_t cluster_member_index) {
  const auto G = static_cast<std::size_t>(w.scenario.gpus());
  ColumnInputs in;
  for (const auto& plan : plans) {
    const auto& ops = w.micro_batches[plan.micro_batch].gpus.front().operators;
    ScheduleChain chain{plan.name, chain_steps(ops, plan)};
    std::vector<std::vector<double>> hbm(chain.steps.size());
    std::vector<const network::AllToAllResult*> a2a(chain.steps.size(), nullptr);
    for (std::size_t s = 0; s < chain.steps.size(); ++s) {
      const auto& op = ops[plan.first + s];
      auto& step = chain.steps[s];
      if (step.alltoall) {
        const auto dir = op.kind == wl::OperatorKind::kDispatch ? network::CommOp::kDispatch : network::CommOp::kCombine;
        a2a[s] = &sims.alltoall(plan.micro_batch, dir, comm, cluster_member_index);
        step.gpu_us = a2a[s]->gpu_time_us;
        continue;
      }
      step.gpu_us.resize(G);
      hbm[s].resize(G);
      for (std::size_t g = 0; g < G; ++g) {
        const auto& run = sims.compute(device, device_member, lowering, plan.micro_batch, g);
        const auto& t = run.operators[plan.first + s];
        if (t.name != op.name)
          throw std::logic_error(fmt::format("GPU {} lists {} where GPU 0 lists {}", g, t.name, op.name));
        step.gpu_us[g] = t.time_us();
        hbm[s][g] = kernel_hbm_bytes(t);
      }
    }
    in.chains.push_back(std::move(chain));
    in.hbm_bytes.push_back(std::move(hbm));
    in.alltoalls.push_back(std::move(a2a));
  }
  return in;
}

/// Each kernel is stretched to the time its own HBM bytes and the all-to-alls' bytes during
/// it need at the sustained HBM rate, then the layer is scheduled again with those times.
std::pair<std::vector<ScheduleChain>, OverlapSchedule> with_hbm_sharing(const ColumnInputs& in, int gpus,
                                                                        double hbm_bytes_per_us,
                                                                        std::vector<double>* contention_us) {
  const auto first = schedule_overlap(in.chains, gpus);
  auto chains = in.chains;
  contention_us->assign(static_cast<std::size_t>(gpus), 0.0);
  for (std::size_t c = 0; c < chains.size(); ++c)
    for (std::size_t s = 0; s < chains[c].steps.size(); ++s) {
      if (chains[c].steps[s].alltoall) continue;
      for (std::size_t g = 0; g < static_cast<std::size_t>(gpus); ++g) {
        const auto& k = first.intervals[c][s][g];
        double shared = 0.0;
        for (std::size_t c2 = 0; c2 < chains.size(); ++c2)
          for (std::size_t s2 = 0; s2 < chains[c2].steps.size(); ++s2) {
            if (!chains[c2].steps[s2].alltoall) continue;
            const auto& a = first.intervals[c2][s2][g];
            const double len = a.end_us - a.start_us;
            const double overlap = std::min(k.end_us, a.end_us) - std::max(k.start_us, a.start_us);
            if (len > 0.0 && overlap > 0.0) shared += in.alltoalls[c2][s2]->gpu_hbm_bytes[g] * overlap / len;
          }
        auto& d = chains[c].steps[s].gpu_us[g];
        const double need = (in.hbm_bytes[c][s][g] + shared) / hbm_bytes_per_us;
        if (need > d) {
          (*contention_us)[g] += need - d;
          d = need;
        }
      }
    }
  auto schedule = schedule_overlap(chains, gpus);
  return {std::move(chains), std::move(schedule)};
}

void trace_column(const ClusterLayerColumn& col, const ClusterLayerResult& r, ChromeTrace& trace) {
  for (int g = 0; g < r.gpus; ++g) {
    trace.name_process(g, fmt::format("GPU {} ({})", g, col.spec));
    trace.name_track(g, 0, fmt::format("compute SMs ({})", col.compute_sms));
    trace.name_track(g, 1, col.communication_sms > 0 ? fmt::format("communication SMs ({})", col.communication_sms)
                                                     : std::string("communication (no SMs held)"));
    for (int c = 0; c < network::kLinkClasses; ++c)
      trace.name_track(g, 2 + c, fmt::format("{} links", network::link_class_name(static_cast<network::LinkClass>(c))));
  }
  const auto G = static_cast<std::size_t>(r.gpus);
  std::size_t a2a = 0;
  for (std::size_t c = 0; c < col.chains.size(); ++c)
    for (std::size_t s = 0; s < col.chains[c].steps.size(); ++s) {
      const auto& step = col.chains[c].steps[s];
      const network::AllToAllResult* result = step.alltoall ? &col.alltoalls[a2a++].result : nullptr;
      for (std::size_t g = 0; g < G; ++g) {
        const auto& i = col.schedule.intervals[c][s][g];
        const int gpu = static_cast<int>(g);
        trace.add(TraceEvent{step.name, step.alltoall ? "communication" : "compute", gpu, step.alltoall ? 1 : 0,
                             i.start_us, i.end_us - i.start_us, {{"chain", col.chains[c].name}}});
        if (result == nullptr) continue;
        // Link classes: busy time of the GPU's busiest link of the class, from the kernel's start.
        for (int k = 0; k < network::kLinkClasses; ++k) {
          const auto& busy = result->gpu_link_busy_us[g];
          const double b = static_cast<std::size_t>(k) < busy.size() ? busy[static_cast<std::size_t>(k)] : 0.0;
          if (b <= 0.0) continue;
          trace.add(TraceEvent{fmt::format("{} {}", step.name,
                                           network::link_class_name(static_cast<network::LinkClass>(k))),
                               "link", gpu, 2 + k, i.start_us, b,
                               {{"meaning", "busy time of this GPU's busiest link of the class, drawn from the "
                                            "kernel's start"}}});
        }
      }
    }
}

}  // namespace

std::vector<NamedStatistic> ClusterLayerColumn::statistics() const {
  auto point = [](double v) { return Band{v, v, v}; };
  const auto& s = gpus[static_cast<std::size_t>(slowest_gpu)];
  return {
      {"time_us", "us", "the layer: its slowest GPU's end", time_us, 1},
      {"speedup", "x", "baseline time / this time, member by member", speedup, 3},
      {"slowest_gpu", "", "the GPU that ends last", point(slowest_gpu), 0},
      {"slowest_gpu_compute_us", "us", "the slowest GPU's kernels", point(s.compute_us), 1},
      {"slowest_gpu_exposed_us", "us", "the slowest GPU's communication with nothing to compute", point(s.exposed_us), 1},
      {"slowest_gpu_idle_us", "us", "the slowest GPU waiting for others", point(s.idle_us), 1},
      {"max_compute_us", "us", "the largest compute time of any GPU", point(slowest_gpu_compute_us), 1},
      {"busiest_link_us", "us", "the busiest link's bytes at its capacity, over the all-to-alls", point(busiest_link_us), 1},
      {"critical_path_us", "us", "max(slowest compute, all-to-alls in series)", point(critical_path_us), 1},
      {"sum_of_parts_us", "us", "every step's slowest GPU, one after another", point(sum_of_parts_us), 1},
      {"compute_sms", "", "SMs the compute kernels run on", point(compute_sms), 0},
      {"communication_sms", "", "SMs the communication kernels hold", point(communication_sms), 0},
  };
}

ClusterLayerResult simulate_cluster_layer(const ClusterLayerRequest& request, const hw::DeviceConfig& device,
                                          const network::ClusterConfig& cluster,
                                          const std::vector<ProposalColumn>& columns, ChromeTrace* trace,
                                          std::size_t trace_column_index) {
  if (columns.empty()) throw std::invalid_argument("no proposal to compare");
  const auto scenario = wl::load_scenario(request.scenario);
  const auto model = wl::load_model(scenario.model, std::filesystem::path(scenario.file).parent_path());
  // Before routing: a scenario larger than the cluster is refused without building it.
  if (const auto problem = network::scenario_cluster_problem(cluster, scenario)) throw std::invalid_argument(*problem);
  wl::RoutingOptions routing;
  routing.seed = request.seed;
  routing.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const auto w = wl::build_moe_layer_workload(scenario, model, routing);

  ClusterLayerResult out;
  out.scenario = scenario.name;
  out.seed = request.seed;
  out.phase = wl::phase_name(scenario.phase);
  out.device = device.name;
  out.device_sms = device.sms;
  out.cluster = cluster.name;
  out.collective = network::scenario_collective(scenario);
  out.gpus = scenario.gpus();
  const auto plans = plan_chains(w, &out.overlap);

  // Every column's features first: one the device or cluster cannot run fails before anything
  // is simulated.
  std::vector<kernels::LoweringFeatures> lowering;
  std::vector<kernels::CommunicationFeatures> communication;
  kernels::CommunicationFeatures declared;
  declared.sms = scenario.comm_sms;
  for (const auto& c : columns) {
    const auto [f, comm] = resolve_column(c, declared, device);
    if (const auto problem = scenario_alltoall_problem(cluster, w, comm))
      throw std::invalid_argument(comm == declared ? *problem : c.spec + ": " + *problem);
    lowering.push_back(f);
    communication.push_back(comm);
  }

  const auto device_members = request.bands ? band_members(device) : std::vector<hw::DeviceConfig>{device};
  const std::size_t cluster_members = request.bands ? cluster.calibration.consistent_set.size() : 1;
  out.device_members.push_back("best fit");
  for (std::size_t m = 1; m < device_members.size(); ++m)
    out.device_members.push_back(device.calibration.consistent_set[m].label);
  out.cluster_members.push_back("best fit");
  for (std::size_t m = 1; m < cluster_members; ++m)
    out.cluster_members.push_back(cluster.calibration.consistent_set[m].label);
  const double hbm_bytes_per_us = device.hbm_bandwidth_gbps * 1e3 * device.calibration.values.hbm_read_efficiency;

  LayerSimulations sims(w, cluster);
  std::vector<std::vector<double>> member_times;  // [column][member]: best fit, device members, cluster members
  for (std::size_t i = 0; i < columns.size(); ++i) {
    ClusterLayerColumn col;
    col.spec = columns[i].spec;
    col.lowering = lowering[i];
    col.communication = communication[i];
    col.compute_sms = compute_sms(device, lowering[i], 0);
    col.communication_sms = network::CollectiveRegistry::instance().at(out.collective).holds_sms ? communication[i].sms
                                                                                                   : 0;
    const auto inputs = column_inputs(sims, w, plans, device, 0, lowering[i], communication[i], 0);
    std::vector<double> contention;
    auto [chains, schedule] = with_hbm_sharing(inputs, out.gpus, hbm_bytes_per_us, &contention);
    col.chains = std::move(chains);
    col.schedule = std::move(schedule);

    // Per GPU, from the schedule.
    std::int64_t rows = 0;
    for (std::size_t g = 0; g < static_cast<std::size_t>(out.gpus); ++g) {
      const auto& s = col.schedule.gpus[g];
      GpuLayerBreakdown b;
      b.gpu = static_cast<int>(g);
      b.end_us = s.end_us;
      b.compute_us = s.compute_us;
      b.hbm_contention_us = contention[g];
      b.communication_us = s.communication_us;
      b.hidden_us = s.hidden_us;
      b.exposed_us = s.exposed_us;
      b.idle_us = s.idle_us;
      rows = 0;
      for (const auto& plan : plans) rows += w.micro_batches[plan.micro_batch].gpus[g].routed_rows;
      b.routed_rows = rows;
      col.slowest_gpu_compute_us = std::max(col.slowest_gpu_compute_us, b.compute_us);
      col.gpus.push_back(b);
    }
    col.slowest_gpu = col.schedule.last_gpu;

    // The network's side, and the bounds.
    double comm_series = 0.0;
    std::map<std::string, double> link_us;
    for (std::size_t c = 0; c < col.chains.size(); ++c)
      for (std::size_t s = 0; s < col.chains[c].steps.size(); ++s) {
        const auto& step = col.chains[c].steps[s];
        col.sum_of_parts_us += *std::max_element(step.gpu_us.begin(), step.gpu_us.end());
        if (!step.alltoall) continue;
        const auto& r = *inputs.alltoalls[c][s];
        comm_series += r.max_time_us;
        link_us[r.busiest_link] += r.busiest_link_bytes_us;
        col.alltoalls.push_back({col.chains[c].name, step.name, col.schedule.intervals[c][s][0].start_us, r});
      }
    for (const auto& [name, us] : link_us)
      if (us > col.busiest_link_us) {
        col.busiest_link_us = us;
        col.busiest_link = name;
      }
    col.critical_path_us = std::max(col.slowest_gpu_compute_us, comm_series);
    const double a = col.slowest_gpu_compute_us, b = comm_series;
    col.bound_by = std::abs(a - b) <= 0.01 * std::max(a, b) ? "both" : a > b ? "compute" : "network";

    // Bands: the device's members move every GPU's kernels by the ratio they move the slowest
    // GPU's (simulated again under each member); the cluster's members run every all-to-all again.
    std::vector<double> times{col.schedule.end_us};
    const auto slow = static_cast<std::size_t>(col.slowest_gpu);
    for (std::size_t m = 1; m < device_members.size(); ++m) {
      auto chains_m = col.chains;
      for (std::size_t c = 0; c < plans.size(); ++c) {
        const auto& best = sims.compute(device, 0, lowering[i], plans[c].micro_batch, slow);
        const auto& mine = sims.compute(device_members[m], m, lowering[i], plans[c].micro_batch, slow);
        for (std::size_t s = 0; s < chains_m[c].steps.size(); ++s) {
          if (chains_m[c].steps[s].alltoall) continue;
          const double b0 = best.operators[plans[c].first + s].time_us();
          const double ratio = b0 > 0.0 ? mine.operators[plans[c].first + s].time_us() / b0 : 1.0;
          for (auto& d : chains_m[c].steps[s].gpu_us) d *= ratio;
        }
      }
      times.push_back(schedule_overlap(chains_m, out.gpus).end_us);
    }
    for (std::size_t m = 1; m < cluster_members; ++m) {
      auto chains_m = col.chains;
      for (std::size_t c = 0; c < plans.size(); ++c)
        for (std::size_t s = 0; s < chains_m[c].steps.size(); ++s) {
          if (!chains_m[c].steps[s].alltoall) continue;
          const auto& op = w.micro_batches[plans[c].micro_batch].gpus.front().operators[plans[c].first + s];
          const auto dir = op.kind == wl::OperatorKind::kDispatch ? network::CommOp::kDispatch : network::CommOp::kCombine;
          chains_m[c].steps[s].gpu_us = sims.alltoall(plans[c].micro_batch, dir, communication[i], m).gpu_time_us;
        }
      times.push_back(schedule_overlap(chains_m, out.gpus).end_us);
    }
    col.time_us = band_of(times);
    member_times.push_back(std::move(times));
    out.columns.push_back(std::move(col));
  }
  for (std::size_t i = 0; i < out.columns.size(); ++i) {
    std::vector<double> speedups;
    for (std::size_t m = 0; m < member_times[i].size(); ++m) speedups.push_back(member_times[0][m] / member_times[i][m]);
    out.columns[i].speedup = band_of(speedups);
  }
  out.kernels_total = sims.kernels_total();
  out.kernels_simulated = sims.kernels_simulated();
  out.alltoalls_simulated = sims.alltoalls_simulated();
  out.alltoalls_shared = sims.alltoalls_shared();
  if (trace != nullptr && trace_column_index < out.columns.size()) trace_column(out.columns[trace_column_index], out, *trace);
  return out;
}

}  // namespace codesim::sim
