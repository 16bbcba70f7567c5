// codesim alltoall: one DeepEP all-to-all (mode, direction, EP size) on a modelled cluster,
// with the band of the cluster's consistent set, for the baseline and each proposal given
// (through the proposals' communication hook). The network layer computes; this file parses
// options and prints.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/cluster_option.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/cli/path_option.hpp"
#include "emulator/cli/seed_option.hpp"
#include "emulator/kernels/communication_features.hpp"
#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_calibration.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/io/json_fields.hpp"
#include "proposals/proposal.hpp"

namespace codesim::cli {
namespace {

struct AllToAllOptions {
  std::string cluster = "h800";
  std::string mode;
  std::string op;
  network::AllToAllRequest request;
  bool sms_given = false;
  std::vector<std::string> proposals;
  bool json = false;
  std::string trace;
};

/// One column: the baseline or a proposal, its communication features, and the band.
struct Column {
  std::string spec;
  kernels::CommunicationFeatures features;
  double nvlink_gbps = 0.0;  ///< per direction, after the features
  network::AllToAllRequest request;
  network::AllToAllBand band;
  double speedup = 1.0, speedup_low = 1.0, speedup_high = 1.0;  ///< baseline / this, member by member
};

nlohmann::ordered_json links_json(const network::AllToAllResult& r) {
  auto links = nlohmann::ordered_json::array();
  for (const auto& s : r.link_classes)
    links.push_back({{"class", std::string(network::link_class_name(s.link_class))},
                     {"links", s.links},
                     {"bytes_out", s.out_bytes},
                     {"bytes_in", s.in_bytes},
                     {"bytes_other", s.other_bytes},
                     {"busy_us_max", s.busy_us_max},
                     {"busy_us_mean", s.busy_us_mean},
                     {"peak_utilisation", s.peak_utilisation}});
  return links;
}

void put_band(nlohmann::ordered_json& j, const std::string& key, double value, double low, double high) {
  j[key] = value;
  j[key + "_low"] = low;
  j[key + "_high"] = high;
}

nlohmann::ordered_json column_json(const Column& c) {
  const auto& b = c.band;
  const auto& r = b.best;
  nlohmann::ordered_json j;
  j["proposal"] = c.spec;
  j["sms"] = r.request.sms;
  j["nvlink_bandwidth_scale"] = c.features.nvlink_bandwidth_scale;
  j["nvlink_gbps_per_direction"] = c.nvlink_gbps;
  put_band(j, "time_us", r.time_us, b.time_us_low, b.time_us_high);
  put_band(j, "max_time_us", r.max_time_us, b.max_time_us_low, b.max_time_us_high);
  put_band(j, "bandwidth_gbps", r.bandwidth_gbps, b.bandwidth_gbps_low, b.bandwidth_gbps_high);
  put_band(j, "speedup", c.speedup, c.speedup_low, c.speedup_high);
  j["links"] = links_json(r);
  return j;
}

nlohmann::ordered_json result_json(const std::vector<Column>& columns) {
  const auto& base = columns.front();
  const auto& r = base.band.best;
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
  j["backend"] = r.request.backend;
  put_band(j, "time_us", r.time_us, base.band.time_us_low, base.band.time_us_high);
  put_band(j, "max_time_us", r.max_time_us, base.band.max_time_us_low, base.band.max_time_us_high);
  put_band(j, "bandwidth_gbps", r.bandwidth_gbps, base.band.bandwidth_gbps_low, base.band.bandwidth_gbps_high);
  j["band_members"] = base.band.members;
  j["band_simulations"] = base.band.simulations;  // members that needed a run of their own
  j["bytes_counted_as"] = r.counted_as;
  j["links"] = links_json(r);
  j["flows"] = r.flows;
  j["rate_computations"] = r.rate_computations;
  j["proposals"] = nlohmann::ordered_json::array();
  for (std::size_t i = 1; i < columns.size(); ++i) j["proposals"].push_back(column_json(columns[i]));
  return j;
}

/// A --trace that cannot be written fails before the simulation, not after it.
void check_trace_path(const std::string& trace) {
  if (trace.empty()) return;
  const auto parent = std::filesystem::absolute(trace).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw InputError(fmt::format("--trace {}: the folder {} does not exist", io::bounded_quote(trace),
                                 io::bounded_quote(parent.string())));
  if (std::filesystem::is_directory(trace)) throw InputError(fmt::format("--trace {}: is a folder", io::bounded_quote(trace)));
}

std::string band_text(double value, double low, double high, const char* format) {
  return fmt::format(fmt::runtime(std::string(format) + " [" + format + ", " + format + "]"), value, low, high);
}

void print_text(const std::vector<Column>& columns, const network::CollectiveKind& kind, const std::string& op) {
  const auto& base = columns.front();
  const auto& r = base.band.best;
  const auto& q = r.request;
  fmt::print("cluster {}  mode {}  op {}  EP {}  tokens {}  hidden {}{}\n", r.cluster, q.mode, op, q.ep, q.tokens,
             q.hidden, kind.holds_sms ? fmt::format("  SMs {}", q.sms) : "");
  fmt::print("time_us         {}   (mean over GPUs; slowest {})\n",
             band_text(r.time_us, base.band.time_us_low, base.band.time_us_high, "{:.1f}"),
             band_text(r.max_time_us, base.band.max_time_us_low, base.band.max_time_us_high, "{:.1f}"));
  fmt::print("bandwidth_gbps  {}   (DeepEP's count: {})\n",
             band_text(r.bandwidth_gbps, base.band.bandwidth_gbps_low, base.band.bandwidth_gbps_high, "{:.1f}"),
             r.counted_as);
  fmt::print("  [band]: lowest and highest over the {} members of the cluster's consistent set (docs/network.md)\n",
             base.band.members);
  fmt::print("\n{:<8} {:>6} {:>14} {:>14} {:>14} {:>12} {:>12}\n", "link", "links", "bytes out", "bytes in",
             "bytes (mem)", "busy max us", "busy mean us");
  for (const auto& s : r.link_classes)
    fmt::print("{:<8} {:>6} {:>14.0f} {:>14.0f} {:>14.0f} {:>12.1f} {:>12.1f}\n", network::link_class_name(s.link_class),
               s.links, s.out_bytes, s.in_bytes, s.other_bytes, s.busy_us_max, s.busy_us_mean);
  if (columns.size() == 1) return;
  fmt::print("\n{:<28} {:>5} {:>11} {:>28} {:>26}\n", "proposal", "SMs", "NVLink GB/s", "time_us", "speedup");
  for (const auto& c : columns) {
    const auto& b = c.band;
    const bool unclear = c.speedup_low <= 1.0 && c.speedup_high >= 1.0 && &c != &columns.front();
    fmt::print("{:<28} {:>5} {:>11.0f} {:>28} {:>26}{}\n", c.spec, c.request.sms, c.nvlink_gbps,
               band_text(b.best.time_us, b.time_us_low, b.time_us_high, "{:.1f}"),
               band_text(c.speedup, c.speedup_low, c.speedup_high, "{:.3f}x"),
               unclear ? "  (band includes 1.0)" : "");
  }
}

void run(AllToAllOptions& o) {
  check_trace_path(o.trace);
  const auto cluster = cluster_or_input_error(o.cluster);
  std::vector<proposals::ProposalInstance> instances;
  for (const auto& spec : o.proposals) instances.push_back(proposal_or_input_error(spec));
  auto& q = o.request;
  q.mode = o.mode;
  q.op = o.op == "dispatch" ? network::CommOp::kDispatch : network::CommOp::kCombine;
  const auto* kind = network::CollectiveRegistry::instance().find(q.mode);
  if (kind != nullptr && !kind->holds_sms && !o.sms_given) q.sms = 0;
  if (kind != nullptr && !kind->holds_sms && o.sms_given)
    throw InputError(fmt::format("--sms: mode {} holds no SMs once its messages are issued", q.mode));
  if (const auto problem = network::alltoall_problem(cluster, q)) throw InputError(*problem);

  // Columns: the baseline, then each proposal through its communication hook.
  std::vector<Column> columns(1);
  columns[0].spec = "baseline";
  columns[0].features.sms = q.sms;
  for (const auto& p : instances) {
    Column c;
    c.spec = p.spec();
    c.features.sms = q.sms;
    p.proposal->adjust_communication(c.features, p.values);
    columns.push_back(c);
  }
  std::vector<network::ClusterConfig> clusters;
  for (auto& c : columns) {
    if (!(c.features.nvlink_bandwidth_scale > 0.0) || !(c.features.nvlink_gbps_per_direction >= 0.0))
      throw InputError(fmt::format("--proposal {}: NVLink bandwidth {} GB/s x {} is not positive", io::bounded_quote(c.spec),
                                   c.features.nvlink_gbps_per_direction, c.features.nvlink_bandwidth_scale));
    c.request = q;
    if (kind->holds_sms) c.request.sms = c.features.sms;
    c.request.offload = c.features.offload;
    auto columns_cluster = cluster;
    columns_cluster.device.nvlink_gbps = c.features.nvlink_gbps(cluster.device.nvlink_gbps);
    c.nvlink_gbps = columns_cluster.device.nvlink_gbps;
    if (const auto problem = network::alltoall_problem(columns_cluster, c.request))
      throw InputError(fmt::format("--proposal {}: {}", io::bounded_quote(c.spec), *problem));
    clusters.push_back(std::move(columns_cluster));
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    auto& c = columns[i];
    c.band = network::run_alltoall_band(clusters[i], c.request);
    const auto& base = columns.front().band.member_time_us;
    const auto& mine = c.band.member_time_us;
    c.speedup = base.front() / mine.front();
    c.speedup_low = c.speedup_high = c.speedup;
    for (std::size_t k = 0; k < std::min(base.size(), mine.size()); ++k) {
      c.speedup_low = std::min(c.speedup_low, base[k] / mine[k]);
      c.speedup_high = std::max(c.speedup_high, base[k] / mine[k]);
    }
  }
  if (!o.trace.empty()) {  // the baseline's best fit, simulated again with its trace
    sim::ChromeTrace trace;
    (void)network::run_alltoall(clusters.front(), columns.front().request, &trace);
    try {
      trace.write(o.trace);
    } catch (const std::exception& e) {
      throw InputError(fmt::format("--trace {}: {}", io::bounded_quote(o.trace), e.what()));
    }
  }
  if (o.json) {
    std::cout << result_json(columns).dump(2) << "\n";
    return;
  }
  print_text(columns, *kind, o.op);
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
  add_seed_option(c, o->request.seed, "routing seed");
  c->add_option("--proposal", o->proposals, "a proposal (repeatable): a column through its communication hook");
  c->add_option("--backend", o->request.backend, "network backend: fluid | fluid-exact")->default_val("fluid");
  c->add_option("--trace", o->trace, "write a Chrome trace (a track per GPU and per link class)")->check(non_empty_path());
  c->add_flag("--json", o->json, "print JSON");
  c->callback([o] { run(*o); });
}

}  // namespace codesim::cli
