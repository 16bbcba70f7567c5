// codesim workload list | show NAME
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <memory>
#include <numeric>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/finite_range.hpp"
#include "emulator/cli/path_option.hpp"
#include "emulator/cli/seed_option.hpp"
#include "emulator/io/atomic_file.hpp"
#include "workloads/config/workload_error.hpp"
#include "workloads/config/workload_catalog.hpp"
#include "workloads/moe_layer/workload_json.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::cli {
namespace {

namespace wl = codesim::workloads;

/// The whole listing, built before anything is printed: a bad file in the catalogue then stops
/// it with its error alone, not after half a listing.
std::string list_workloads(bool json) {
  const auto models = wl::model_names();
  const auto scenarios = wl::scenario_names();
  if (json) {
    nlohmann::ordered_json out;
    out["data"] = wl::workload_data_dir().string();
    out["models"] = nlohmann::ordered_json::array();
    for (const auto& n : models) out["models"].push_back(wl::model_config_json(wl::load_model(n)));
    out["scenarios"] = nlohmann::ordered_json::array();
    for (const auto& n : scenarios) out["scenarios"].push_back(wl::scenario_config_json(wl::load_scenario(n)));
    out["score_generators"] = nlohmann::ordered_json::array();
    for (const auto* k : wl::ScoreGeneratorRegistry::instance().all())
      out["score_generators"].push_back({{"name", k->name}, {"summary", k->summary}, {"uses_skew", k->uses_skew}});
    return out.dump(2) + "\n";
  }
  std::string text;
  const auto to = std::back_inserter(text);
  fmt::format_to(to, "scenarios ({}/scenarios):\n", wl::workload_data_dir().string());
  for (const auto& n : scenarios) {
    const auto s = wl::load_scenario(n);
    fmt::format_to(to, "  {:<14} {} {}, {} nodes x {} GPUs, {} tokens/GPU x {} micro-batch(es), {} all-to-all\n", n,
                   s.model, wl::phase_name(s.phase), s.nodes, s.gpus_per_node, s.tokens_per_micro_batch,
                   s.micro_batches, wl::communication_mode_name(s.comm_mode));
  }
  fmt::format_to(to, "models ({}/models):\n", wl::workload_data_dir().string());
  for (const auto& n : models) {
    const auto m = wl::load_model(n);
    fmt::format_to(to, "  {:<16} {}: {} routed + {} shared experts, top-{}, {:.1f}B total / {:.1f}B activated parameters\n",
                   n, m.display_name, m.routed_experts, m.shared_experts, m.experts_per_token,
                   static_cast<double>(m.total_parameters()) / 1e9, static_cast<double>(m.activated_parameters()) / 1e9);
  }
  fmt::format_to(to, "score generators (--scores):\n");
  for (const auto* k : wl::ScoreGeneratorRegistry::instance().all())
    fmt::format_to(to, "  {:<12} {}{}\n", k->name, k->summary, k->uses_skew ? " [--skew]" : "");
  return text;
}

std::string mb(std::int64_t bytes) { return fmt::format("{:.2f}", static_cast<double>(bytes) / 1e6); }

/// "8062,8128,..." or, when that would not fit a line, "9 groups, sum 65717".
std::string join_ints(const std::vector<std::int64_t>& v) {
  std::string s;
  for (const auto x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  if (s.size() <= 60) return s;
  return fmt::format("{} groups, sum {}", v.size(), std::accumulate(v.begin(), v.end(), std::int64_t{0}));
}

void print_summary(const wl::MoeLayerWorkload& w, int gpu) {
  const auto& s = w.scenario;
  const auto& m = w.model;
  fmt::print("workload {}: {}\n", s.name, s.description);
  fmt::print("  model      {} ({}): {} layers ({} MoE), hidden {}, {} routed + {} shared experts of width {}, top-{}",
             m.name, m.display_name, m.layers, m.moe_layers(), m.hidden, m.routed_experts, m.shared_experts,
             m.expert_intermediate, m.experts_per_token);
  if (m.router.groups > 1) fmt::print(" within {} of {} groups", m.router.topk_groups, m.router.groups);
  fmt::print("\n  cluster    {} nodes x {} GPUs = {} GPUs; EP{}, attention TP{} x DP{}, PP{}\n", s.nodes,
             s.gpus_per_node, s.gpus(), s.gpus(), s.attention_tensor_parallel, s.attention_data_parallel,
             s.pipeline_parallel);
  fmt::print("  tokens     {} per GPU per micro-batch, {} micro-batch(es), {}\n", s.tokens_per_micro_batch,
             s.micro_batches, wl::phase_name(s.phase));
  fmt::print("  experts    {} instance(s) per GPU ({} routed + {} redundant + {} shared replicas), placement {}, "
             "shared expert {}\n",
             w.placement.per_gpu, m.routed_experts, s.redundant_experts, s.shared_replicas,
             wl::placement_policy_name(s.placement),
             s.shared == wl::SharedExpertPlacement::kLocal ? "local" : "routed replicas");
  fmt::print("  all-to-all {} mode, {} SMs; dispatch {} {} B/token, combine {} {} B/token\n",
             wl::communication_mode_name(s.comm_mode), s.comm_sms, s.dispatch_format,
             wl::dispatch_bytes_per_token(s, m), s.combine_format, wl::combine_bytes_per_token(s, m));
  fmt::print("  precision  GEMM inputs {} (activations {}, weights {}), outputs {}\n", s.gemm_input_format,
             s.activation_scaling, s.weight_scaling, s.gemm_output_format);
  fmt::print("  routing    seed {}, scores {}, skew {}\n", w.routing.seed, *w.routing.scores, *w.routing.skew);
  for (const auto& b : w.micro_batches) {
    fmt::print("\nmicro-batch {}: {} routed (token, expert) pairs\n", b.index, b.routed_pairs);
    fmt::print("  per token   {:.3f} nodes (max {}), {:.3f} remote nodes, {:.3f} GPUs\n",
               b.routing.mean_nodes_per_token, b.routing.max_nodes_per_token, b.routing.mean_remote_nodes_per_token,
               b.routing.mean_gpus_per_token);
    fmt::print("  load        expert max/mean {:.3f}; routed rows per GPU: max/mean {:.3f} (max {}) with one copy per "
               "expert, {:.3f} (max {}) as placed; rows per instance mean {:.1f}, max {}\n",
               b.balance.expert_max_over_mean, b.balance.gpu_max_over_mean_before, b.balance.gpu_max_rows_before,
               b.balance.gpu_max_over_mean_after, b.balance.gpu_max_rows_after, b.balance.mean_rows_per_instance,
               b.balance.max_rows_per_instance);
    fmt::print("  traffic     {:<18} {:>12} {:>14} {:>10}   (MB, whole cluster)\n", "phase", "NVLink", "InfiniBand",
               "local");
    for (const auto& p : b.traffic) {
      std::int64_t local = 0;
      for (const auto x : p.local) local += x;
      fmt::print("              {:<18} {:>12} {:>14} {:>10}\n", p.name, mb(p.nvlink.total()), mb(p.infiniband.total()),
                 mb(local));
    }
    const auto& g = b.gpus[static_cast<std::size_t>(gpu)];
    fmt::print("  GPU {} (node {}): {} tokens; instances", g.gpu, g.node, g.tokens);
    for (const auto& i : g.instances)
      fmt::print(" {}{}:{}", i.shared ? "shared" : "e", i.shared ? "" : std::to_string(i.expert), i.rows);
    fmt::print("\n");
    for (const auto& p : b.traffic)
      fmt::print("    {:<18} sends NVLink {} MB, IB {} MB; receives NVLink {} MB, IB {} MB\n", p.name,
                 mb(p.nvlink.sent_by(g.gpu)), mb(p.infiniband.sent_by(g.gpu)), mb(p.nvlink.received_by(g.gpu)),
                 mb(p.infiniband.received_by(g.gpu)));
    for (const auto& op : g.operators) {
      const std::string kind = wl::operator_kind_name(op.kind);
      if (op.kind == wl::OperatorKind::kGemm || op.kind == wl::OperatorKind::kGroupedGemm) {
        fmt::print("    {:<16} {:<32} {} m={} n={} k={} ({} x {})\n", kind, op.name, op.layout, join_ints(op.m), op.n,
                   join_ints(op.k), op.a_scaling, op.b_scaling);
      } else if (op.kind == wl::OperatorKind::kDispatch || op.kind == wl::OperatorKind::kCombine) {
        fmt::print("    {:<16} {}\n", kind, op.name);
      } else {
        fmt::print("    {:<16} {:<32} {} x {} {} -> {}\n", kind, op.name, op.rows, op.cols, op.in_format,
                   op.out_format);
      }
    }
  }
}

struct ShowOptions {
  std::string name;
  std::uint64_t seed = 1;
  std::optional<double> skew;
  std::optional<std::string> scores;
  bool json = false;
  int gpu = 0;
  std::string out;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
};

void show_workload(const ShowOptions& o) {
  try {
    const auto scenario = wl::load_scenario(o.name);
    const auto model = wl::load_model(scenario.model, std::filesystem::path(scenario.file).parent_path());
    if (o.gpu >= scenario.gpus())
      throw InputError(fmt::format("--gpu {}: scenario {} has GPUs 0..{}", o.gpu, scenario.name, scenario.gpus() - 1));
    wl::RoutingOptions options;
    options.seed = o.seed;
    options.skew = o.skew;
    options.scores = o.scores;
    // --skew alone asks for skewed popularity: switch an unskewed scenario to the zipf generator.
    if (o.skew && !o.scores && *o.skew > 0.0) {
      const auto* k = wl::ScoreGeneratorRegistry::instance().find(scenario.scores);
      if (k != nullptr && !k->uses_skew) options.scores = "zipf";
    }
    options.threads = static_cast<int>(o.threads);
    const auto workload = wl::build_moe_layer_workload(scenario, model, options);
    if (o.json || !o.out.empty()) {
      const std::string text = wl::workload_json(workload).dump(1) + "\n";
      if (o.out.empty()) {
        std::cout << text;
      } else {
        io::write_file_atomically(o.out, text);
        fmt::print("wrote {}\n", o.out);
      }
      return;
    }
    print_summary(workload, o.gpu);
  } catch (const wl::WorkloadError& e) {
    throw InputError(e.what());
  }
}

}  // namespace

void add_workload_commands(CLI::App& app) {
  CLI::App* workload = app.add_subcommand("workload", "DeepSeek-V3 MoE scenarios: routing, expert load, GEMMs, traffic");
  workload->require_subcommand(1);
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = workload->add_subcommand("list", "Lists the scenarios, models and score generators");
  list->add_flag("--json", *list_json, "print JSON");
  list->callback([list_json] {
    try {
      const std::string listing = list_workloads(*list_json);
      std::cout << listing;
    } catch (const wl::WorkloadError& e) {
      throw InputError(e.what());
    }
  });

  auto o = std::make_shared<ShowOptions>();
  CLI::App* show = workload->add_subcommand(
      "show", "Routes one MoE layer of a scenario and prints per-GPU expert rows, operators and traffic");
  show->add_option("name", o->name, "scenario name (see workload list) or path to a scenario file")->required();
  add_seed_option(show, o->seed, "routing seed (same seed, same draw)");
  show->add_option("--skew", o->skew, "expert popularity skew (Zipf exponent; implies --scores zipf)")
      ->check(finite_range(0.0, wl::kMaxSkew));
  show->add_option("--scores", o->scores, "score generator (see workload list)");
  show->add_option("--gpu", o->gpu, "GPU whose operators the summary lists")->check(CLI::NonNegativeNumber);
  show->add_flag("--json", o->json, "print the full workload as JSON (what the emulator consumes)");
  show->add_option("--out", o->out, "write the JSON to this file (atomically) instead of standard output")
      ->check(non_empty_path());
  show->add_option("--threads", o->threads, "routing threads (results do not depend on it)")
      ->check(CLI::Range(1, 256));
  show->callback([o] { show_workload(*o); });
}

}  // namespace codesim::cli
