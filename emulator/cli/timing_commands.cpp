// codesim gemm | run | compare: the timing model from the command line. Every time and
// speedup is printed with its band: the spread over the device's consistent set.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/prediction_band.hpp"
#include "emulator/sim/proposal_comparison.hpp"
#include "emulator/sim/scenario_gpu.hpp"
#include "proposals/proposal.hpp"
#include "workloads/config/workload_error.hpp"

namespace codesim::cli {
namespace {

namespace wl = codesim::workloads;

/// The proposal's lowering switches on top of `base` (what the scenario itself fixes).
kernels::LoweringFeatures features_of(const proposals::ProposalInstance& p, kernels::LoweringFeatures base = {}) {
  kernels::LoweringFeatures f = base;
  p.proposal->adjust_lowering(f, p.values);
  return f;
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

/// `key`, `key_low` and `key_high` side by side, as reference_gpu writes time_us_min/max.
void put_band(nlohmann::ordered_json& j, const std::string& key, const sim::Band& b) {
  j[key] = b.value;
  j[key + "_low"] = b.low;
  j[key + "_high"] = b.high;
}

void write_trace(const sim::ChromeTrace& trace, const std::string& file) {
  try {
    trace.write(file);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("--trace {}: {}", file, e.what()));
  }
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
  try {
    conditions.kernel = kernels::parse_gemm_kernel_generation(o.kernel);
    conditions.b_tail_stream_ratio = sim::parse_l2_at_start(o.l2_at_start);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("--kernel {} / --l2-at-start {}: {}", o.kernel, o.l2_at_start, e.what()));
  }
  sim::ChromeTrace trace;
  std::vector<hw::KernelRun> runs;  // one per member of the consistent set, the best fit first
  try {
    for (const auto& member : sim::band_members(device))
      runs.push_back(sim::simulate_gemm(member, shape, features_of(proposal), o.sms,
                                        runs.empty() && !o.trace.empty() ? &trace : nullptr, conditions));
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  const auto& run = runs.front();
  std::vector<double> times, tflops;
  for (const auto& r : runs) {
    times.push_back(r.time_us);
    tflops.push_back(r.tflops());
  }
  const auto time_band = sim::band_of(times);
  const auto tflops_band = sim::band_of(tflops);
  if (!o.trace.empty()) {
    trace.name_process(0, fmt::format("{} ({})", device.name, proposal.spec()));
    trace.name_track(0, 0, "kernels");
    for (int i = 0; i < device.sms; ++i) trace.name_track(0, i + 1, fmt::format("SM {}", i));
    write_trace(trace, o.trace);
  }
  if (o.json) {
    nlohmann::ordered_json j;
    j["schema"] = "codesim.result/1";
    j["source"] = "codesim";
    j["device"] = device.name;
    j["operator"] = shape.layout == kernels::GemmLayout::kDense ? "fp8_gemm" : run.kind;
    j["shape"] = {{"m", o.m}, {"n", o.n}, {"k", o.k}, {"groups", o.groups}, {"layout", o.layout}};
    j["proposal"] = proposal.spec();
    j["kernel_release"] = o.kernel;
    j["l2_at_start"] = o.l2_at_start;
    put_band(j, "time_us", time_band);
    put_band(j, "tflops", tflops_band);
    j["gbps"] = run.gbps();
    j["band_members"] = runs.size();
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
  bool json = false;
  std::string trace;
};

struct Comparison {
  hw::DeviceConfig device;
  sim::ScenarioGpu gpu;
  sim::ProposalComparison result;
  sim::ChromeTrace trace;
};

/// Loads the scenario's GPU and runs the baseline and every proposal with every member.
/// "all" stands for every registered proposal.
std::unique_ptr<Comparison> compare(const ScenarioOptions& o) {
  auto c = std::make_unique<Comparison>();
  c->device = device_or_input_error(o.device);
  std::vector<proposals::ProposalInstance> columns{proposal_or_input_error("baseline")};
  for (const auto& p : o.proposals) {
    if (p == "all") {
      for (const auto* all : proposals::ProposalRegistry::instance().all())
        if (all->name() != "baseline") columns.push_back(proposal_or_input_error(all->name()));
    } else if (p != "baseline") {
      columns.push_back(proposal_or_input_error(p));
    }
  }
  try {
    c->gpu = sim::load_scenario_gpu(o.workload, o.gpu, o.micro_batch, o.seed);
  } catch (const wl::WorkloadError& e) {
    throw InputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  // The communication kernels hold their SMs while the expert GEMMs run beside them.
  kernels::LoweringFeatures scenario;
  scenario.reserved_sms = c->gpu.comm_sms;
  std::vector<std::pair<std::string, kernels::LoweringFeatures>> specs;
  for (const auto& p : columns) specs.emplace_back(p.spec(), features_of(p, scenario));
  try {
    c->result = sim::compare_proposals(c->device, c->gpu.operators, specs, o.trace.empty() ? nullptr : &c->trace,
                                       worker_count());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!o.trace.empty()) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const int process = static_cast<int>(i);
      c->trace.name_process(process, fmt::format("{} GPU {} ({})", c->gpu.scenario, o.gpu, specs[i].first));
      c->trace.name_track(process, 0, "kernels");
      for (int s = 0; s < c->device.sms; ++s) c->trace.name_track(process, s + 1, fmt::format("SM {}", s));
    }
    write_trace(c->trace, o.trace);
  }
  return c;
}

nlohmann::ordered_json comparison_json(const Comparison& c, bool with_operators) {
  nlohmann::ordered_json j;
  j["schema"] = "codesim.result/1";
  j["source"] = "codesim";
  j["device"] = c.device.name;
  j["workload"] = {{"scenario", c.gpu.scenario}, {"gpu", c.gpu.gpu},
                   {"micro_batch", c.gpu.micro_batch}, {"seed", c.gpu.seed},
                   {"compute_sms", c.device.sms - c.gpu.comm_sms}};
  j["band_members"] = c.result.members;
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& p : c.result.proposals) {
    nlohmann::ordered_json r;
    r["proposal"] = p.spec;
    put_band(r, "total_us", p.total_us);
    put_band(r, "speedup", p.speedup);
    if (&p != &c.result.proposals.front()) r["speedup_verdict"] = sim::speedup_verdict(p.speedup);
    put_band(r, "hbm_bytes", p.hbm_bytes);
    if (with_operators) {
      const auto& best = p.per_member.front();
      r["operators"] = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < best.operators.size(); ++i) {
        const auto& op = best.operators[i];
        nlohmann::ordered_json oj{{"name", op.name}, {"kind", op.kind}, {"status", op.status}};
        put_band(oj, "time_us", p.operator_us[i]);
        oj["kernels"] = nlohmann::ordered_json::array();
        for (const auto& k : op.kernels) oj["kernels"].push_back(kernel_json(k));
        r["operators"].push_back(oj);
      }
    }
    j["runs"].push_back(r);
  }
  return j;
}

std::string speedup_text(const sim::ComparedProposal& p, bool baseline) {
  const auto verdict = baseline ? std::string() : sim::speedup_verdict(p.speedup);
  return sim::format_band(p.speedup, 3, "x") + (verdict.empty() ? "" : " (" + verdict + ")");
}

std::size_t spec_width(const std::vector<sim::ComparedProposal>& props) {
  std::size_t w = 8;
  for (const auto& p : props) w = std::max(w, p.spec.size());
  return w;
}

void run_workload(const ScenarioOptions& o) {
  const auto c = compare(o);
  if (o.json) {
    std::cout << comparison_json(*c, true).dump(2) << "\n";
    return;
  }
  const auto& props = c->result.proposals;
  fmt::print("Expert computation of {} GPU {} (micro-batch {}, seed {}) on {}, {} of {} SMs (the rest run "
             "communication); time per operator in us, best fit\n",
             c->gpu.scenario, o.gpu, o.micro_batch, o.seed, c->device.name, c->device.sms - c->gpu.comm_sms,
             c->device.sms);
  fmt::print("{:<34}", "operator");
  for (const auto& p : props) fmt::print(" {:>16}", p.spec.substr(0, 16));
  fmt::print("\n");
  const auto& base = props.front().per_member.front();
  for (std::size_t i = 0; i < base.operators.size(); ++i) {
    fmt::print("{:<34}", base.operators[i].name.substr(0, 34));
    for (const auto& p : props) {
      const auto& op = p.per_member.front().operators[i];
      if (op.status == "communication") fmt::print(" {:>16}", "(network)");
      else if (op.status == "removed") fmt::print(" {:>16}", "removed");
      else fmt::print(" {:>16.1f}", op.time_us());
    }
    fmt::print("\n");
  }
  fmt::print("{:<34}", "total (sum of the rows)");
  for (const auto& p : props) fmt::print(" {:>16.1f}", p.total_us.value);
  fmt::print("\n{:<34}", "HBM traffic (MB)");
  for (const auto& p : props) fmt::print(" {:>16.1f}", p.hbm_bytes.value / 1e6);
  fmt::print("\n\nWith the band over the consistent set:\n");
  const auto w = spec_width(props);
  for (std::size_t i = 0; i < props.size(); ++i)
    fmt::print("  {:<{}} time_us {:<28} speedup {}\n", props[i].spec, w, sim::format_band(props[i].total_us, 1),
               speedup_text(props[i], i == 0));
  fmt::print("{}.\nCommunication operators are timed by the network model, not here.\n", band_note(c->device));
}

void run_compare(const ScenarioOptions& o) {
  if (o.proposals.empty()) throw InputError("--proposal: give at least one proposal, or all");
  const auto c = compare(o);
  if (o.json) {
    std::cout << comparison_json(*c, false).dump(2) << "\n";
    return;
  }
  fmt::print("{} GPU {} (micro-batch {}, seed {}) on {}: the expert computation under each proposal\n",
             c->gpu.scenario, o.gpu, o.micro_batch, o.seed, c->device.name);
  const auto& props = c->result.proposals;
  const auto w = spec_width(props);
  fmt::print("  {:<{}} {:<30} {:<40} {:>8}\n", "proposal", w, "time_us", "speedup", "HBM GB");
  for (std::size_t i = 0; i < props.size(); ++i)
    fmt::print("  {:<{}} {:<30} {:<40} {:>8.2f}\n", props[i].spec, w, sim::format_band(props[i].total_us, 1),
               speedup_text(props[i], i == 0), props[i].hbm_bytes.value / 1e9);
  fmt::print("{}.\n", band_note(c->device));
}

void add_scenario_options(CLI::App* c, ScenarioOptions& o, bool trace) {
  c->add_option("--workload", o.workload, "scenario name or file (codesim workload list)")->required();
  c->add_option("--device", o.device, "device name or file")->capture_default_str();
  c->add_option("--proposal", o.proposals, "proposal(s) to compare with the baseline (repeatable; all: every one)");
  c->add_option("--gpu", o.gpu, "GPU index in the scenario")->capture_default_str();
  c->add_option("--micro-batch", o.micro_batch, "micro-batch index")->capture_default_str();
  c->add_option("--seed", o.seed, "routing seed")->capture_default_str();
  c->add_flag("--json", o.json, "JSON in the shared result schema (bands as <key>_low and <key>_high)");
  if (trace) c->add_option("--trace", o.trace, "write a Chrome trace (Perfetto) of the best fit, one process per proposal");
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
    c->add_option("--trace", o->trace, "write a Chrome trace (Perfetto) of the simulated timeline (best fit)");
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
