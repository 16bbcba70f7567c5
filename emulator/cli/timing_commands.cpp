// codesim gemm | run | compare: the timing model from the command line. Every time and
// speedup is printed with its band: the spread over the device's consistent set. The scenario
// layer (emulator/sim/scenario_simulation) computes; this file parses options and prints.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/cluster_layer_command.hpp"
#include "emulator/cli/cluster_option.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/cli/path_option.hpp"
#include "emulator/cli/timing_output.hpp"
#include "emulator/cli/seed_option.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/sim/prediction_band.hpp"
#include "emulator/sim/scenario_simulation.hpp"
#include "proposals/proposal.hpp"
#include "reference_gpu/common/result_schema.hpp"
#include "workloads/config/workload_error.hpp"

namespace codesim::cli {
namespace {

namespace wl = codesim::workloads;

/// How a column changed NVLink, for its phase headings ("" when it did not).
std::string nvlink_text(const kernels::CommunicationFeatures& c) {
  std::string s;
  if (c.nvlink_gbps_per_direction > 0.0) s += fmt::format(", NVLink {:g} GB/s per direction", c.nvlink_gbps_per_direction);
  if (c.nvlink_bandwidth_scale != 1.0) s += fmt::format(", NVLink x{}", c.nvlink_bandwidth_scale);
  return s;
}



nlohmann::ordered_json kernel_json(const hw::KernelRun& k) {
  return {{"name", k.name},
          {"kind", k.kind},
          {"config", k.config},
          {"time_us", k.time_us},
          {"tflops", k.tflops()},
          {"gbps", k.gbps()},
          {"sms_used", k.sms_used},
          {"tensor_busy_us", k.tensor_busy_us},
          {"cuda_core_busy_us", k.cuda_busy_us},
          {"tensor_utilisation", k.tensor_utilisation()},
          {"l2_to_sm_bytes", k.l2_to_sm_bytes},
          {"l2_hit_bytes", k.l2_hit_bytes},
          {"hbm_read_bytes", k.hbm_read_bytes},
          {"hbm_write_bytes", k.hbm_write_bytes},
          {"hbm_busy_us", k.hbm_busy_us},
          {"l2_busy_us", k.l2_busy_us}};
}



std::string band_note(const hw::DeviceConfig& device) {
  const auto n = device.calibration.consistent_set.size();
  if (n == 0) return fmt::format("device {} has no consistent set: no bands", device.name);
  return fmt::format("[low, high] over the {} members of {}'s consistent set (calibration values the published "
                     "measurements cannot tell apart)",
                     n, device.name);
}

// ---------------------------------------------------------------------------------------- gemm
struct GemmOptions {
  std::string device = "h800";
  std::int64_t m = 0, n = 0, k = 0;
  int groups = 1;
  std::string layout = "dense";
  std::string proposal = "baseline";
  int sms = 0;
  std::string kernel = "deepgemm-2025-04";
  std::string l2_at_start = "flushed";
  bool json = false;
  std::string trace;
};

void run_gemm(const GemmOptions& o) {
  const auto device = device_or_input_error(o.device);
  const auto proposal = proposal_or_input_error(o.proposal);
  kernels::GemmShape shape;
  shape.m.assign(static_cast<std::size_t>(o.groups), o.m);
  shape.n = o.n;
  shape.k = o.k;
  if (o.layout == "contiguous") shape.layout = kernels::GemmLayout::kContiguous;
  else if (o.layout == "masked") shape.layout = kernels::GemmLayout::kMasked;
  else if (o.groups > 1)
    throw InputError(fmt::format("--groups {} needs --layout contiguous or masked (got {})", o.groups, o.layout));
  sim::GemmConditions conditions;
  // Each parser quotes a bounded prefix of the bad value; the option is named here.
  try {
    conditions.kernel = kernels::parse_gemm_kernel_generation(o.kernel);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("--kernel: {}", e.what()));
  }
  try {
    conditions.b_tail_stream_ratio = sim::parse_l2_at_start(o.l2_at_start);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("--l2-at-start: {}", e.what()));
  }
  sim::ChromeTrace trace;
  sim::ScenarioResult result;
  try {
    result = sim::simulate_gemm_scenario({shape, conditions, o.sms}, device, column_of(proposal),
                                         o.trace.empty() ? nullptr : &trace);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  const auto& computation = result.columns.front().computation;
  const auto& run = computation.per_member.front().operators.front().kernels.front();
  std::vector<double> tflops;  // one per member of the consistent set, the best fit first
  for (const auto& member : computation.per_member) tflops.push_back(member.operators.front().kernels.front().tflops());
  const auto time_band = computation.operator_us.front();
  const auto tflops_band = sim::band_of(tflops);
  if (!o.trace.empty()) write_trace(trace, o.trace);
  if (o.json) {
    auto j = result_header(device.name);
    j["operator"] = shape.layout == kernels::GemmLayout::kDense ? "fp8_gemm" : run.kind;
    j["shape"] = {{"m", o.m}, {"n", o.n}, {"k", o.k}, {"groups", o.groups}, {"layout", o.layout}};
    j["proposal"] = proposal.spec();
    j["kernel_release"] = o.kernel;
    j["l2_at_start"] = o.l2_at_start;
    put_band(j, "time_us", time_band);
    put_band(j, "tflops", tflops_band);
    j["gbps"] = run.gbps();
    j["band_members"] = computation.per_member.size();
    j["kernel"] = kernel_json(run);
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("FP8 GEMM {}{}x{}x{} ({}), device {}, proposal {}\n", o.groups > 1 ? fmt::format("{} x ", o.groups) : "",
             o.m, o.n, o.k, o.layout, device.name, proposal.spec());
  fmt::print("  tiling        {}\n", run.config);
  fmt::print("  time_us       {}\n  tflops        {}\n  gbps          {:.0f}\n", sim::format_band(time_band, 2),
             sim::format_band(tflops_band, 1), run.gbps());
  fmt::print("  tensor pipe   {:.1f}% busy on {} SMs\n", 100 * run.tensor_utilisation(), run.sms_used);
  fmt::print("  L2 -> SM      {:.1f} MB ({:.0f}% hits)   HBM read {:.1f} MB, write {:.1f} MB\n", run.l2_to_sm_bytes / 1e6,
             run.l2_to_sm_bytes > 0 ? 100 * run.l2_hit_bytes / run.l2_to_sm_bytes : 0.0, run.hbm_read_bytes / 1e6,
             run.hbm_write_bytes / 1e6);
  fmt::print("  {}\n", band_note(device));
}

// ------------------------------------------------------------------------------ run | compare
struct ScenarioOptions {
  std::string workload;
  std::string device = "h800";
  std::vector<std::string> proposals;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 1;
  std::string cluster;  ///< empty: the all-to-alls are not timed
  bool json = false;
  std::string trace;
  bool cluster_given = false;  ///< --cluster, with or without a name
  bool gpu_given = false;      ///< --gpu: with --cluster, that GPU's operators and its all-to-alls
  bool best_fit_only = false;  ///< run --cluster without the bands
};

/// The baseline, then the proposals named ("all": every registered one).
std::vector<sim::ProposalColumn> columns_of(const std::vector<std::string>& names) {
  std::vector<sim::ProposalColumn> columns{column_of(proposal_or_input_error("baseline"))};
  for (const auto& p : names) {
    if (p == "all") {
      for (const auto* all : proposals::ProposalRegistry::instance().all())
        if (all->name() != "baseline") columns.push_back(column_of(proposal_or_input_error(all->name())));
    } else if (p != "baseline") {
      columns.push_back(column_of(proposal_or_input_error(p)));
    }
  }
  return columns;
}

struct Simulated {
  hw::DeviceConfig device;
  sim::ScenarioResult result;
};

/// Runs the baseline and every proposal with every member (and the all-to-alls on the
/// cluster, when one is named); writes the trace when asked.
Simulated simulate(const ScenarioOptions& o) {
  Simulated s;
  s.device = device_or_input_error(o.device);
  const auto columns = columns_of(o.proposals);
  std::optional<network::ClusterConfig> cluster;
  if (!o.cluster.empty()) cluster = cluster_or_input_error(o.cluster);
  sim::ChromeTrace trace;
  try {
    s.result = sim::simulate_scenario({o.workload, o.seed, o.gpu, o.micro_batch}, s.device,
                                       cluster ? &*cluster : nullptr, columns, o.trace.empty() ? nullptr : &trace,
                                       worker_count());
  } catch (const wl::WorkloadError& e) {
    throw InputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!o.trace.empty()) write_trace(trace, o.trace);
  return s;
}

nlohmann::ordered_json alltoall_json(const sim::ScenarioResult& r, const sim::AllToAllPhaseTiming& phase) {
  nlohmann::ordered_json j{{"phase", phase.phase}, {"collective", r.collective}, {"sms", phase.best_fit.request.sms}};
  sim::put_statistics(j, phase.statistics());
  j["bytes_counted_as"] = phase.best_fit.counted_as;
  return j;
}

nlohmann::ordered_json comparison_json(const Simulated& s, bool with_operators) {
  const auto& r = s.result;
  auto j = result_header(s.device.name);
  j["workload"] = {{"scenario", r.scenario}, {"gpu", r.gpu},
                   {"micro_batch", r.micro_batch}, {"seed", r.seed},
                   {"compute_sms", r.columns.front().compute_sms}};
  j["band_members"] = r.members;
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& col : r.columns) {
    const auto& p = col.computation;
    nlohmann::ordered_json run;
    run["proposal"] = p.spec;
    put_band(run, "total_us", p.total_us);
    put_band(run, "speedup", p.speedup);
    if (&col != &r.columns.front()) run["speedup_verdict"] = sim::speedup_verdict(p.speedup);
    put_band(run, "hbm_bytes", p.hbm_bytes);
    if (with_operators) {
      const auto& best = p.per_member.front();
      run["operators"] = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < best.operators.size(); ++i) {
        const auto& op = best.operators[i];
        nlohmann::ordered_json oj{{"name", op.name}, {"kind", op.kind}, {"status", op.status}};
        put_band(oj, "time_us", p.operator_us[i]);
        oj["kernels"] = nlohmann::ordered_json::array();
        for (const auto& k : op.kernels) oj["kernels"].push_back(kernel_json(k));
        if (const auto* phase = col.phase_of(r.operators[i])) {
          oj["network_phase"] = phase->phase;
          put_band(oj, "network_time_us", phase->time_us);
        }
        run["operators"].push_back(oj);
      }
    }
    run["compute_sms"] = col.compute_sms;
    run["communication_sms"] = col.communication.sms;
    if (!col.phases.empty()) {
      run["alltoall"] = nlohmann::ordered_json::array();
      for (const auto& phase : col.phases) run["alltoall"].push_back(alltoall_json(r, phase));
    }
    j["runs"].push_back(run);
  }
  if (!r.cluster.empty())
    j["cluster"] = {{"name", r.cluster}, {"collective", r.collective}, {"band_members", r.cluster_members}};
  return j;
}

std::string speedup_text(const sim::ComparedProposal& p, bool baseline) {
  const auto verdict = baseline ? std::string() : sim::speedup_verdict(p.speedup);
  return sim::format_band(p.speedup, 3, "x") + (verdict.empty() ? "" : " (" + verdict + ")");
}

std::size_t spec_width(const std::vector<sim::ScenarioColumn>& columns) {
  std::size_t w = 8;
  for (const auto& c : columns) w = std::max(w, c.computation.spec.size());
  return w;
}

/// An operator's cell in the table of `run`: its time, or what times it instead.
std::string operator_cell(const sim::ScenarioColumn& col, const workloads::Operator& op, const sim::OperatorTiming& t,
                          bool with_cluster) {
  if (t.status == "communication") {
    if (const auto* phase = col.phase_of(op)) return fmt::format("{:.1f} (net)", phase->time_us.value);
    return with_cluster ? "(network)" : "(give --cluster)";
  }
  if (t.status == "removed") return "removed";
  return fmt::format("{:.1f}", t.time_us());
}

void print_alltoalls(const sim::ScenarioResult& r) {
  fmt::print("\nAll-to-alls of micro-batch {} on cluster {} (DeepEP {} kernels, EP{}), which overlap the expert "
             "computation:\n",
             r.micro_batch, r.cluster, r.collective, r.columns.front().phases.front().best_fit.request.ep);
  for (std::size_t i = 0; i < r.columns.size(); ++i) {
    const auto& col = r.columns[i];
    // A column whose communication is an earlier column's has that column's all-to-alls.
    const auto earlier = r.columns.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::any_of(r.columns.begin(), earlier, [&](const auto& c) { return c.communication == col.communication; }))
      continue;
    for (const auto& phase : col.phases) {
      const int sms = phase.best_fit.request.sms;
      fmt::print("  {} ({}, {}{})\n", phase.phase, col.computation.spec,
                 sms > 0 ? fmt::format("{} SMs", sms) : "no SMs held",
                 nvlink_text(col.communication));
      fmt::print("{}", sim::format_statistics(phase.statistics(), "    "));
    }
  }
  if (r.cluster_members.size() > 1)
    fmt::print("[low, high] over the {} members of cluster {}'s consistent set.\n", r.cluster_members.size(),
               r.cluster);
}

void run_workload(ScenarioOptions o) {
  if (o.cluster_given && !o.gpu_given) {
    run_cluster_layer({o.workload, o.device, o.cluster, o.seed, !o.best_fit_only, o.json, o.trace},
                      columns_of(o.proposals));
    return;
  }
  if (o.best_fit_only) throw InputError("--best-fit-only: only with --cluster and no --gpu (the whole layer)");
  if (o.cluster_given && o.cluster.empty()) o.cluster = "h800";
  const auto s = simulate(o);
  if (o.json) {
    std::cout << comparison_json(s, true).dump(2) << "\n";
    return;
  }
  const auto& r = s.result;
  const auto& columns = r.columns;
  const bool with_cluster = !r.cluster.empty();
  fmt::print("Expert computation of {} GPU {} (micro-batch {}, seed {}) on {}, {} of {} SMs (the rest run "
             "communication); time per operator in us, best fit\n",
             r.scenario, o.gpu, o.micro_batch, o.seed, r.device, columns.front().compute_sms, r.device_sms);
  fmt::print("{:<34}", "operator");
  for (const auto& c : columns) fmt::print(" {:>16}", c.computation.spec.substr(0, 16));
  fmt::print("\n");
  const auto& base = columns.front().computation.per_member.front();
  for (std::size_t i = 0; i < base.operators.size(); ++i) {
    fmt::print("{:<34}", base.operators[i].name.substr(0, 34));
    for (const auto& c : columns)
      fmt::print(" {:>16}", operator_cell(c, r.operators[i], c.computation.per_member.front().operators[i], with_cluster));
    fmt::print("\n");
  }
  fmt::print("{:<34}", with_cluster ? "total of the compute rows" : "total (sum of the rows)");
  for (const auto& c : columns) fmt::print(" {:>16.1f}", c.computation.total_us.value);
  fmt::print("\n{:<34}", "HBM traffic (MB)");
  for (const auto& c : columns) fmt::print(" {:>16.1f}", c.computation.hbm_bytes.value / 1e6);
  fmt::print("\n\nWith the band over the consistent set:\n");
  const auto w = spec_width(columns);
  for (std::size_t i = 0; i < columns.size(); ++i)
    fmt::print("  {:<{}} time_us {:<28} speedup {}\n", columns[i].computation.spec, w,
               sim::format_band(columns[i].computation.total_us, 1), speedup_text(columns[i].computation, i == 0));
  fmt::print("{}.\n", band_note(s.device));
  if (!with_cluster) {
    fmt::print("Communication operators are timed by the network model, not here.\n");
    return;
  }
  fmt::print("(net): this GPU's all-to-all kernel on cluster {}, overlapped with the expert computation and not in "
             "the total.\n",
             r.cluster);
  print_alltoalls(r);
}

void run_compare(const ScenarioOptions& o) {
  if (o.proposals.empty()) throw InputError("--proposal: give at least one proposal, or all");
  const auto s = simulate(o);
  if (o.json) {
    std::cout << comparison_json(s, false).dump(2) << "\n";
    return;
  }
  const auto& r = s.result;
  fmt::print("{} GPU {} (micro-batch {}, seed {}) on {}: the expert computation under each proposal\n", r.scenario,
             o.gpu, o.micro_batch, o.seed, r.device);
  const auto& columns = r.columns;
  const auto w = spec_width(columns);
  fmt::print("  {:<{}} {:<30} {:<40} {:>8}\n", "proposal", w, "time_us", "speedup", "HBM GB");
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& p = columns[i].computation;
    fmt::print("  {:<{}} {:<30} {:<40} {:>8.2f}\n", p.spec, w, sim::format_band(p.total_us, 1), speedup_text(p, i == 0),
               p.hbm_bytes.value / 1e9);
  }
  fmt::print("{}.\n", band_note(s.device));
}

void add_scenario_options(CLI::App* c, ScenarioOptions& o, bool run) {
  c->add_option("--workload", o.workload, "scenario name or file (codesim workload list)")->required();
  c->add_option("--device", o.device, "device name or file")->capture_default_str();
  c->add_option("--proposal", o.proposals, "proposal(s) to compare with the baseline (repeatable; all: every one)");
  auto* gpu = c->add_option("--gpu", o.gpu, "GPU index in the scenario")->capture_default_str();
  c->add_option("--micro-batch", o.micro_batch, "micro-batch index")->capture_default_str();
  add_seed_option(c, o.seed, "routing seed");
  c->add_flag("--json", o.json, "JSON in the shared result schema (bands as <key>_low and <key>_high)");
  if (!run) return;
  auto* cluster = c->add_option("--cluster", o.cluster,
                                "cluster name or file (data/clusters/; alone: h800): the MoE layer on every GPU of "
                                "the scenario, with its all-to-alls on the cluster's network and DeepSeek's overlap; "
                                "with --gpu, that GPU's operators and its all-to-alls")
                      ->expected(0, 1);
  c->add_flag("--best-fit-only", o.best_fit_only, "with --cluster: the calibrations' best fits only, no bands");
  // Whether --gpu and --cluster were given is known once the command line is parsed.
  c->parse_complete_callback([&o, gpu, cluster] {
    o.gpu_given = gpu->count() > 0;
    o.cluster_given = cluster->count() > 0;
  });
  c->add_option("--trace", o.trace, "write a Chrome trace (Perfetto) of the best fit, one process per proposal")
      ->check(non_empty_path());
}

}  // namespace

void add_timing_commands(CLI::App& app) {
  {
    auto o = std::make_shared<GemmOptions>();
    CLI::App* c = app.add_subcommand("gemm", "Predicts one FP8 block-scaled GEMM (DeepGEMM-style) on a device");
    c->add_option("--device", o->device, "device name or file")->capture_default_str();
    c->add_option("--m", o->m, "rows (per group)")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
    c->add_option("--n", o->n, "columns")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
    c->add_option("--k", o->k, "reduction length")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
    c->add_option("--groups", o->groups, "groups (experts)")->check(CLI::Range(1, 4096))->capture_default_str();
    c->add_option("--layout", o->layout, "dense, contiguous or masked")
        ->check(CLI::IsMember({"dense", "contiguous", "masked"}))
        ->capture_default_str();
    c->add_option("--proposal", o->proposal, "a proposal (codesim proposals list)")->capture_default_str();
    c->add_option("--sms", o->sms, "at most this many SMs (0: all)")->check(CLI::Range(0, 1024));
    c->add_option("--kernel", o->kernel, "the DeepGEMM release: deepgemm-2025-04 or deepgemm-2025-02 (the first)")
        ->capture_default_str();
    c->add_option("--l2-at-start", o->l2_at_start,
                  "flushed, or b-tail/<r>: the newest L2/r bytes of B resident (a benchmark that has just written B)")
        ->capture_default_str();
    c->add_flag("--json", o->json, "JSON in the shared result schema (bands as <key>_low and <key>_high)");
    c->add_option("--trace", o->trace, "write a Chrome trace (Perfetto) of the simulated timeline (best fit)")
        ->check(non_empty_path());
    c->callback([o] { run_gemm(*o); });
  }
  {
    auto o = std::make_shared<ScenarioOptions>();
    CLI::App* c = app.add_subcommand("run", "Simulates one GPU's expert computation of a MoE-layer workload");
    add_scenario_options(c, *o, true);
    c->callback([o] { run_workload(*o); });
  }
  {
    auto o = std::make_shared<ScenarioOptions>();
    CLI::App* c = app.add_subcommand(
        "compare", "Compares proposals on one GPU's expert computation: time and speedup, each with its band");
    add_scenario_options(c, *o, false);
    c->callback([o] { run_compare(*o); });
  }
}

}  // namespace codesim::cli
