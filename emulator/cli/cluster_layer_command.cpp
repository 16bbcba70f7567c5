#include "emulator/cli/cluster_layer_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/cluster_option.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/cli/timing_output.hpp"
#include "emulator/network/link_class.hpp"
#include "emulator/sim/cluster_layer.hpp"
#include "workloads/config/workload_error.hpp"

namespace codesim::cli {
namespace {

/// Every GPU's line up to this many GPUs; beyond, the slowest ones and the fastest.
constexpr std::size_t kGpusListed = 64;
constexpr std::size_t kSlowestListed = 8;

std::string speedup_text(const sim::ClusterLayerColumn& c, bool baseline) {
  const auto verdict = baseline ? std::string() : sim::speedup_verdict(c.speedup);
  return sim::format_band(c.speedup, 3, "x") + (verdict.empty() ? "" : " (" + verdict + ")");
}

nlohmann::ordered_json gpu_json(const sim::GpuLayerBreakdown& g) {
  return {{"gpu", g.gpu},
          {"end_us", g.end_us},
          {"compute_us", g.compute_us},
          {"hbm_contention_us", g.hbm_contention_us},
          {"communication_us", g.communication_us},
          {"communication_hidden_us", g.hidden_us},
          {"communication_exposed_us", g.exposed_us},
          {"idle_us", g.idle_us},
          {"routed_rows", g.routed_rows}};
}

nlohmann::ordered_json alltoall_json(const sim::LayerAllToAll& a) {
  const auto& r = a.result;
  nlohmann::ordered_json j{{"chain", a.chain},
                           {"name", a.name},
                           {"start_us", a.start_us},
                           {"collective", r.request.mode},
                           {"sms", r.request.sms},
                           {"max_time_us", r.max_time_us},
                           {"mean_time_us", r.time_us},
                           {"bandwidth_gbps", r.bandwidth_gbps},
                           {"busiest_link", r.busiest_link},
                           {"busiest_link_busy_us", r.busiest_link_busy_us},
                           {"busiest_link_bytes_us", r.busiest_link_bytes_us}};
  for (const auto& c : r.link_classes) {
    const std::string name(network::link_class_name(c.link_class));
    if (c.out_bytes + c.in_bytes + c.other_bytes == 0.0) continue;
    j[name + "_bytes"] = c.out_bytes + c.in_bytes + c.other_bytes;
    j[name + "_busy_us_max"] = c.busy_us_max;
  }
  return j;
}

nlohmann::ordered_json layer_json(const sim::ClusterLayerResult& r) {
  auto j = result_header(r.device);
  j["workload"] = {{"scenario", r.scenario}, {"seed", r.seed}, {"phase", r.phase}, {"gpus", r.gpus}};
  j["cluster"] = {{"name", r.cluster},
                  {"collective", r.collective},
                  {"overlap", r.overlap},
                  {"band_members", r.cluster_members}};
  j["band_members"] = r.device_members;
  j["simulations"] = {{"kernel_runs", r.kernels_total},
                      {"kernels_simulated", r.kernels_simulated},
                      {"alltoalls_simulated", r.alltoalls_simulated},
                      {"alltoalls_shared", r.alltoalls_shared}};
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& c : r.columns) {
    nlohmann::ordered_json run;
    run["proposal"] = c.spec;
    put_band(run, "time_us", c.time_us);
    put_band(run, "speedup", c.speedup);
    if (&c != &r.columns.front()) run["speedup_verdict"] = sim::speedup_verdict(c.speedup);
    run["slowest_gpu"] = c.slowest_gpu;
    run["bound_by"] = c.bound_by;
    run["busiest_link"] = c.busiest_link;
    run["busiest_link_us"] = c.busiest_link_us;
    run["max_compute_us"] = c.slowest_gpu_compute_us;
    run["critical_path_us"] = c.critical_path_us;
    run["sum_of_parts_us"] = c.sum_of_parts_us;
    run["compute_sms"] = c.compute_sms;
    run["communication_sms"] = c.communication_sms;
    run["gpus"] = nlohmann::ordered_json::array();
    for (const auto& g : c.gpus) run["gpus"].push_back(gpu_json(g));
    run["alltoalls"] = nlohmann::ordered_json::array();
    for (const auto& a : c.alltoalls) run["alltoalls"].push_back(alltoall_json(a));
    j["runs"].push_back(run);
  }
  return j;
}

void print_gpu_line(const sim::GpuLayerBreakdown& g) {
  fmt::print("  {:>5} {:>10.1f} {:>10.1f} {:>9.1f} {:>10.1f} {:>9.1f} {:>9.1f} {:>8.1f} {:>11}\n", g.gpu, g.end_us,
             g.compute_us, g.hbm_contention_us, g.communication_us, g.hidden_us, g.exposed_us, g.idle_us,
             g.routed_rows);
}

void print_layer(const sim::ClusterLayerResult& r) {
  fmt::print("{} on cluster {}: one MoE layer on each of its {} GPUs (seed {}, DeepEP {} kernels, device {})\n",
             r.scenario, r.cluster, r.gpus, r.seed, r.collective, r.device);
  fmt::print("overlap: {}\n\n", r.overlap);
  std::size_t w = 8;
  for (const auto& c : r.columns) w = std::max(w, c.spec.size());
  fmt::print("  {:<{}} {:<28} {:<36} {:>5} {:>5} {:>7}  {:<8} {}\n", "proposal", w, "time_us (slowest GPU)", "speedup",
             "SMs", "comm", "GPU", "bound", "busiest link (us at capacity)");
  for (std::size_t i = 0; i < r.columns.size(); ++i) {
    const auto& c = r.columns[i];
    fmt::print("  {:<{}} {:<28} {:<36} {:>5} {:>5} {:>7}  {:<8} {} ({:.1f})\n", c.spec, w, sim::format_band(c.time_us, 1),
               speedup_text(c, i == 0), c.compute_sms, c.communication_sms, c.slowest_gpu, c.bound_by,
               c.busiest_link, c.busiest_link_us);
  }
  for (const auto& c : r.columns) {
    fmt::print("\n{}: critical path {:.1f} us (slowest compute {:.1f}, all-to-alls in series {:.1f}), parts in "
               "series {:.1f} us\n",
               c.spec, c.critical_path_us, c.slowest_gpu_compute_us,
               std::accumulate(c.alltoalls.begin(), c.alltoalls.end(), 0.0,
                               [](double s, const sim::LayerAllToAll& a) { return s + a.result.max_time_us; }),
               c.sum_of_parts_us);
    for (const auto& a : c.alltoalls)
      fmt::print("  {:<12} {:<18} starts {:>9.1f} us, slowest kernel {:>8.1f} us, busiest link {} ({:.1f} us busy)\n",
                 a.chain, a.name, a.start_us, a.result.max_time_us, a.result.busiest_link, a.result.busiest_link_busy_us);
    fmt::print("  {:>5} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8} {:>11}\n", "GPU", "end_us", "compute", "HBM wait",
               "all-to-all", "hidden", "exposed", "idle", "routed rows");
    if (c.gpus.size() <= kGpusListed) {
      for (const auto& g : c.gpus) print_gpu_line(g);
      continue;
    }
    auto order = c.gpus;
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.end_us > b.end_us; });
    for (std::size_t k = 0; k < kSlowestListed; ++k) print_gpu_line(order[k]);
    fmt::print("  ... {} more (--json lists every GPU); the fastest:\n", order.size() - kSlowestListed - 1);
    print_gpu_line(order.back());
  }
  fmt::print("\nTimes in us, best fit; [low, high] over {} members of device {}'s consistent set and {} of cluster "
             "{}'s, one set at a time (the device's members move every GPU's kernels as they move the slowest "
             "GPU's). {} kernel runs, {} simulated (identical kernels share one run); {} all-to-alls, {} of them "
             "the same network problem as another column's or member's (solved once).\n",
             r.device_members.size(), r.device, r.cluster_members.size(), r.cluster, r.kernels_total,
             r.kernels_simulated, r.alltoalls_simulated, r.alltoalls_shared);
}

}  // namespace

void run_cluster_layer(const ClusterLayerOptions& o, const std::vector<sim::ProposalColumn>& columns) {
  const auto device = device_or_input_error(o.device);
  const auto cluster = cluster_or_input_error(o.cluster.empty() ? "h800" : o.cluster);
  sim::ChromeTrace trace;
  sim::ClusterLayerResult r;
  try {
    r = sim::simulate_cluster_layer({o.workload, o.seed, o.bands}, device, cluster, columns,
                                    o.trace.empty() ? nullptr : &trace);
  } catch (const workloads::WorkloadError& e) {
    throw InputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!o.trace.empty()) write_trace(trace, o.trace);
  if (o.json) {
    std::cout << layer_json(r).dump(2) << "\n";
    return;
  }
  print_layer(r);
}

}  // namespace codesim::cli
