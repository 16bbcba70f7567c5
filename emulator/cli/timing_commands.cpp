// codesim gemm | run: the timing model from the command line.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/io/atomic_file.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "proposals/proposal.hpp"
#include "workloads/config/workload_catalog.hpp"
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

void write_trace(const sim::ChromeTrace& trace, const std::string& file) {
  try {
    trace.write(file);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("--trace {}: {}", file, e.what()));
  }
}

// ---------------------------------------------------------------------------------------- gemm
struct GemmOptions {
  std::string device = "h800";
  std::int64_t m = 0, n = 0, k = 0;
  int groups = 1;
  std::string layout = "dense";
  std::string proposal = "baseline";
  int sms = 0;
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
  sim::ChromeTrace trace;
  hw::KernelRun run;
  try {
    run = sim::simulate_gemm(device, shape, features_of(proposal), o.sms, o.trace.empty() ? nullptr : &trace);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
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
    j["time_us"] = run.time_us;
    j["tflops"] = run.tflops();
    j["gbps"] = run.gbps();
    j["kernel"] = kernel_json(run);
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("FP8 GEMM {}{}x{}x{} ({}), device {}, proposal {}\n", o.groups > 1 ? fmt::format("{} x ", o.groups) : "",
             o.m, o.n, o.k, o.layout, device.name, proposal.spec());
  fmt::print("  tiling        {}\n", run.config);
  fmt::print("  time_us       {:.2f}\n  tflops        {:.1f}\n  gbps          {:.0f}\n", run.time_us, run.tflops(),
             run.gbps());
  fmt::print("  tensor pipe   {:.1f}% busy on {} SMs\n", 100 * run.tensor_utilisation(), run.sms_used);
  fmt::print("  L2 -> SM      {:.1f} MB ({:.0f}% hits)   HBM read {:.1f} MB, write {:.1f} MB\n", run.l2_to_sm_bytes / 1e6,
             run.l2_to_sm_bytes > 0 ? 100 * run.l2_hit_bytes / run.l2_to_sm_bytes : 0.0, run.hbm_read_bytes / 1e6,
             run.hbm_write_bytes / 1e6);
}

// ----------------------------------------------------------------------------------------- run
struct RunOptions {
  std::string workload;
  std::string device = "h800";
  std::vector<std::string> proposals;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 1;
  bool json = false;
  std::string trace;
};

void run_workload(const RunOptions& o) {
  const auto device = device_or_input_error(o.device);
  std::vector<proposals::ProposalInstance> columns{proposal_or_input_error("baseline")};
  for (const auto& p : o.proposals)
    if (p != "baseline") columns.push_back(proposal_or_input_error(p));
  std::vector<wl::Operator> operators;
  std::string scenario_name;
  // The communication kernels hold their SMs while the expert GEMMs run beside them
  // (DeepSeek overlaps dispatch/combine with computation), so compute gets the rest.
  kernels::LoweringFeatures scenario_features;
  try {
    const auto scenario = wl::load_scenario(o.workload);
    const auto model = wl::load_model(scenario.model, std::filesystem::path(scenario.file).parent_path());
    if (o.gpu < 0 || o.gpu >= scenario.gpus())
      throw InputError(fmt::format("--gpu {}: scenario {} has GPUs 0..{}", o.gpu, scenario.name, scenario.gpus() - 1));
    if (o.micro_batch < 0 || o.micro_batch >= scenario.micro_batches)
      throw InputError(fmt::format("--micro-batch {}: scenario {} has micro-batches 0..{}", o.micro_batch,
                                   scenario.name, scenario.micro_batches - 1));
    wl::RoutingOptions routing;
    routing.seed = o.seed;
    routing.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    const auto workload = wl::build_moe_layer_workload(scenario, model, routing);
    operators = workload.micro_batches[static_cast<std::size_t>(o.micro_batch)].gpus[static_cast<std::size_t>(o.gpu)].operators;
    scenario_name = scenario.name;
    scenario_features.reserved_sms = scenario.comm_sms;
  } catch (const wl::WorkloadError& e) {
    throw InputError(e.what());
  }
  sim::ChromeTrace trace;
  sim::KernelResultCache cache;
  std::vector<sim::ExpertComputation> runs;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    auto features = features_of(columns[c], scenario_features);
    try {
      runs.push_back(sim::simulate_expert_computation(device, operators, features, o.trace.empty() ? nullptr : &trace,
                                                      static_cast<int>(c), &cache));
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    trace.name_process(static_cast<int>(c), fmt::format("{} GPU {} ({})", scenario_name, o.gpu, columns[c].spec()));
    trace.name_track(static_cast<int>(c), 0, "kernels");
    for (int i = 0; i < device.sms; ++i) trace.name_track(static_cast<int>(c), i + 1, fmt::format("SM {}", i));
  }
  if (!o.trace.empty()) write_trace(trace, o.trace);
  if (o.json) {
    nlohmann::ordered_json j;
    j["schema"] = "codesim.result/1";
    j["source"] = "codesim";
    j["device"] = device.name;
    j["workload"] = {{"scenario", scenario_name}, {"gpu", o.gpu},
                     {"micro_batch", o.micro_batch}, {"seed", o.seed},
                     {"compute_sms", device.sms - scenario_features.reserved_sms}};
    j["runs"] = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      nlohmann::ordered_json r;
      r["proposal"] = columns[c].spec();
      r["total_us"] = runs[c].total_us();
      r["hbm_bytes"] = runs[c].hbm_bytes();
      r["operators"] = nlohmann::ordered_json::array();
      for (const auto& op : runs[c].operators) {
        nlohmann::ordered_json oj{{"name", op.name}, {"kind", op.kind}, {"status", op.status}, {"time_us", op.time_us()}};
        oj["kernels"] = nlohmann::ordered_json::array();
        for (const auto& k : op.kernels) oj["kernels"].push_back(kernel_json(k));
        r["operators"].push_back(oj);
      }
      j["runs"].push_back(r);
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("Expert computation of {} GPU {} (micro-batch {}, seed {}) on {}, {} of {} SMs (the rest run "
             "communication); time per operator in us\n",
             scenario_name, o.gpu, o.micro_batch, o.seed, device.name, device.sms - scenario_features.reserved_sms,
             device.sms);
  fmt::print("{:<34}", "operator");
  for (const auto& c : columns) fmt::print(" {:>16}", c.spec().substr(0, 16));
  fmt::print("\n");
  const auto& base = runs[0];
  for (std::size_t i = 0; i < base.operators.size(); ++i) {
    fmt::print("{:<34}", base.operators[i].name.substr(0, 34));
    for (const auto& r : runs) {
      const auto& op = r.operators[i];
      if (op.status == "communication") fmt::print(" {:>16}", "(network)");
      else if (op.status == "removed") fmt::print(" {:>16}", "removed");
      else fmt::print(" {:>16.1f}", op.time_us());
    }
    fmt::print("\n");
  }
  fmt::print("{:<34}", "total (sum of the rows)");
  for (const auto& r : runs) fmt::print(" {:>16.1f}", r.total_us());
  fmt::print("\n{:<34}", "speedup over baseline");
  for (const auto& r : runs) fmt::print(" {:>15.3f}x", base.total_us() / r.total_us());
  fmt::print("\n{:<34}", "HBM traffic (MB)");
  for (const auto& r : runs) fmt::print(" {:>16.1f}", r.hbm_bytes() / 1e6);
  fmt::print("\nCommunication operators are timed by the network model, not here.\n");
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
    c->add_flag("--json", o->json, "JSON in the shared result schema");
    c->add_option("--trace", o->trace, "write a Chrome trace (Perfetto) of the simulated timeline");
    c->callback([o] { run_gemm(*o); });
  }
  {
    auto o = std::make_shared<RunOptions>();
    CLI::App* c = app.add_subcommand("run", "Simulates one GPU's expert computation of a MoE-layer workload");
    c->add_option("--workload", o->workload, "scenario name or file (codesim workload list)")->required();
    c->add_option("--device", o->device, "device name or file")->capture_default_str();
    c->add_option("--proposal", o->proposals, "proposal(s) to compare with the baseline (repeatable)");
    c->add_option("--gpu", o->gpu, "GPU index in the scenario")->capture_default_str();
    c->add_option("--micro-batch", o->micro_batch, "micro-batch index")->capture_default_str();
    c->add_option("--seed", o->seed, "routing seed")->capture_default_str();
    c->add_flag("--json", o->json, "JSON in the shared result schema");
    c->add_option("--trace", o->trace, "write a Chrome trace (Perfetto), one process per proposal");
    c->callback([o] { run_workload(*o); });
  }
}

}  // namespace codesim::cli
