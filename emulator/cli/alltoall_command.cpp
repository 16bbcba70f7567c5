// codesim alltoall: one DeepEP all-to-all (mode, direction, EP size) on a modelled cluster.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/network/alltoall.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::cli {
namespace {

struct AllToAllOptions {
  std::string cluster = "h800";
  std::string mode;
  std::string op;
  network::AllToAllRequest request;
  bool sms_given = false;
  bool json = false;
  std::string trace;
};

nlohmann::ordered_json result_json(const network::AllToAllResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "codesim.alltoall/1";
  j["cluster"] = r.cluster;
  j["mode"] = r.request.mode;
  j["op"] = r.request.op == network::CommOp::kDispatch ? "dispatch" : "combine";
  j["ep"] = r.request.ep;
  j["tokens"] = r.request.tokens;
  j["hidden"] = r.request.hidden;
  j["sms"] = r.request.sms;
  j["seed"] = r.request.seed;
  j["time_us"] = r.time_us;
  j["max_time_us"] = r.max_time_us;
  j["bandwidth_gbps"] = r.bandwidth_gbps;
  j["bytes_counted_as"] = r.counted_as;
  j["links"] = nlohmann::ordered_json::array();
  for (const auto& s : r.link_classes)
    j["links"].push_back({{"class", std::string(network::link_class_name(s.link_class))},
                          {"links", s.links},
                          {"bytes_out", s.out_bytes},
                          {"bytes_in", s.in_bytes},
                          {"bytes_other", s.other_bytes},
                          {"busy_us_max", s.busy_us_max},
                          {"busy_us_mean", s.busy_us_mean},
                          {"peak_utilisation", s.peak_utilisation}});
  j["flows"] = r.flows;
  j["rate_computations"] = r.rate_computations;
  return j;
}

/// A --trace that cannot be written fails before the simulation, not after it.
void check_trace_path(const std::string& trace) {
  if (trace.empty()) return;
  const auto parent = std::filesystem::absolute(trace).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw InputError(fmt::format("--trace {}: the folder {} does not exist", trace, parent.string()));
  if (std::filesystem::is_directory(trace)) throw InputError(fmt::format("--trace {}: is a folder", trace));
}

void run(AllToAllOptions& o) {
  check_trace_path(o.trace);
  network::ClusterConfig cluster;
  try {
    cluster = network::load_cluster(o.cluster);
  } catch (const io::DataFileError& e) {
    throw InputError(fmt::format("--cluster {}: {}", o.cluster, e.what()));
  }
  auto& q = o.request;
  q.mode = o.mode;
  q.op = o.op == "dispatch" ? network::CommOp::kDispatch : network::CommOp::kCombine;
  const auto* kind = network::CollectiveRegistry::instance().find(q.mode);
  if (kind != nullptr && !kind->holds_sms && !o.sms_given) q.sms = 0;
  if (kind != nullptr && !kind->holds_sms && o.sms_given)
    throw InputError(fmt::format("--sms: mode {} holds no SMs once its messages are issued", q.mode));
  if (const auto problem = network::alltoall_problem(cluster, q)) throw InputError(*problem);
  sim::ChromeTrace trace;
  const auto r = network::run_alltoall(cluster, q, o.trace.empty() ? nullptr : &trace);
  if (!o.trace.empty()) {
    try {
      trace.write(o.trace);
    } catch (const std::exception& e) {
      throw InputError(fmt::format("--trace {}: {}", o.trace, e.what()));
    }
  }
  if (o.json) {
    std::cout << result_json(r).dump(2) << "\n";
    return;
  }
  fmt::print("cluster {}  mode {}  op {}  EP {}  tokens {}  hidden {}{}\n", r.cluster, q.mode, o.op, q.ep, q.tokens,
             q.hidden, kind->holds_sms ? fmt::format("  SMs {}", q.sms) : "");
  fmt::print("time_us         {:.1f}   (mean over GPUs; slowest {:.1f})\n", r.time_us, r.max_time_us);
  fmt::print("bandwidth_gbps  {:.1f}   (DeepEP's count: {})\n", r.bandwidth_gbps, r.counted_as);
  fmt::print("\n{:<8} {:>6} {:>14} {:>14} {:>14} {:>12} {:>12}\n", "link", "links", "bytes out", "bytes in",
             "bytes (mem)", "busy max us", "busy mean us");
  for (const auto& s : r.link_classes)
    fmt::print("{:<8} {:>6} {:>14.0f} {:>14.0f} {:>14.0f} {:>12.1f} {:>12.1f}\n", network::link_class_name(s.link_class),
               s.links, s.out_bytes, s.in_bytes, s.other_bytes, s.busy_us_max, s.busy_us_mean);
}

}  // namespace

void add_alltoall_command(CLI::App& app) {
  auto o = std::make_shared<AllToAllOptions>();
  auto* c = app.add_subcommand("alltoall", "one DeepEP dispatch or combine on a modelled cluster");
  c->add_option("--cluster", o->cluster, "cluster name or file (data/clusters/)")->default_val("h800");
  c->add_option("--mode", o->mode, "normal | low-latency | low-latency-nvlink")->required();
  c->add_option("--op", o->op, "dispatch | combine")->required()->check(CLI::IsMember({"dispatch", "combine"}));
  c->add_option("--ep", o->request.ep, "GPUs taking part (expert parallelism)")->required();
  c->add_option("--tokens", o->request.tokens, "tokens per GPU")->required();
  c->add_option("--hidden", o->request.hidden, "hidden size")->default_val(7168);
  c->add_option("--sms", o->request.sms, "SMs a normal-mode kernel holds (DeepEP's tests: 24)")
      ->default_val(24)
      ->each([o](const std::string&) { o->sms_given = true; });
  c->add_option("--seed", o->request.seed, "routing seed")->default_val(1);
  c->add_option("--trace", o->trace, "write a Chrome trace (a track per GPU and per link class)");
  c->add_flag("--json", o->json, "print JSON");
  c->callback([o] { run(*o); });
}

}  // namespace codesim::cli
