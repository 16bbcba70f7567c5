#include "emulator/network/alltoall.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "emulator/network/cluster_topology.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::network {

namespace {

/// Why an offload description is inconsistent (nullopt: it is not).
std::optional<std::string> offload_problem(const CommunicationOffload& o) {
  const auto number = [](double v) { return std::to_string(v); };
  if (!std::isfinite(o.coprocessor_gbps) || o.coprocessor_gbps < 0.0)
    return "coprocessor_gbps " + number(o.coprocessor_gbps) + ": must be a finite rate >= 0";
  if (o.coprocessor && o.coprocessor_gbps <= 0.0)
    return "a communication co-processor needs its throughput: coprocessor_gbps must be > 0";
  if (!std::isfinite(o.coprocessor_latency_us) || o.coprocessor_latency_us < 0.0)
    return "coprocessor_latency_us " + number(o.coprocessor_latency_us) + ": must be a finite time >= 0";
  if (!std::isfinite(o.scale_out_gbps) || o.scale_out_gbps < 0.0)
    return "scale_out_gbps " + number(o.scale_out_gbps) + ": must be a finite rate >= 0 (0: the NIC's line rate)";
  if (o.scale_out_gbps > 0.0 && !o.unified_network)
    return "scale_out_gbps is the unified network's rate per GPU: it needs unified_network";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> alltoall_problem(const ClusterConfig& cluster, const AllToAllRequest& q) {
  if (flow::NetworkBackendRegistry::instance().find(q.backend) == nullptr)
    return "unknown network backend '" + q.backend + "' (known: " + flow::NetworkBackendRegistry::instance().known_names() +
           ")";
  const auto* kind = CollectiveRegistry::instance().find(q.mode);
  if (kind == nullptr)
    return "unknown mode '" + q.mode + "' (known: " + CollectiveRegistry::instance().known_names() + ")";
  if (q.ep < 2) return "EP " + std::to_string(q.ep) + ": an all-to-all needs at least 2 GPUs";
  if (q.ep > cluster.gpus())
    return "EP " + std::to_string(q.ep) + " is more than the " + std::to_string(cluster.gpus()) + " GPUs of cluster " +
           cluster.name;
  if (q.experts % q.ep != 0)
    return "EP " + std::to_string(q.ep) + " does not divide the " + std::to_string(q.experts) + " experts";
  if (q.tokens < 1) return "--tokens must be at least 1";
  if (q.hidden < 128 || q.hidden % 128 != 0)
    return "--hidden " + std::to_string(q.hidden) + ": FP8 scales need a multiple of 128";
  if (q.top_k < 1 || q.top_k > q.experts) return "top-k " + std::to_string(q.top_k) + " out of range";
  if (const auto problem = offload_problem(q.offload)) return problem;
  return kind->check(cluster, q);
}

void AllToAllResult::set_kernel_fixed(double kernel_fixed_us) {
  gpu_time_us.clear();
  double sum = 0.0;
  double bandwidth_sum = 0.0;
  for (std::size_t g = 0; g < gpu_transfer_us.size(); ++g) {
    const double t = gpu_transfer_us[g] + kernel_fixed_us;
    gpu_time_us.push_back(t);
    sum += t;
    bandwidth_sum += gpu_bytes[g] / (t * 1e-6) / 1e9;
  }
  const auto n = static_cast<double>(gpu_transfer_us.size());
  time_us = sum / n;
  max_time_us = *std::max_element(gpu_time_us.begin(), gpu_time_us.end());
  bandwidth_gbps = bandwidth_sum / n;  // each rank prints its own bytes / time; DeepEP quotes their level
}

namespace {

void add_trace(const AllToAllResult& r, const flow::NetworkBackend& net, sim::ChromeTrace& trace) {
  const int gpus = r.request.ep;
  for (int g = 0; g < gpus; ++g) {
    trace.name_process(g, "GPU " + std::to_string(g));
    trace.name_track(g, 0, "communication kernel");
    trace.add(sim::TraceEvent{r.request.mode + (r.request.op == CommOp::kDispatch ? " dispatch" : " combine"),
                              "kernel", g, 0, 0.0, r.gpu_time_us[static_cast<std::size_t>(g)],
                              {{"counted_bytes", std::to_string(r.gpu_bytes[static_cast<std::size_t>(g)])}}});
  }
  // One track per link class: the intervals during which any of its links carried a flow.
  const int links_process = gpus;
  trace.name_process(links_process, "links");
  std::array<std::vector<std::pair<double, double>>, kLinkClasses> busy;
  for (const auto& f : net.flows()) {
    if (f.bytes <= 0.0 || f.data_end <= f.start) continue;
    std::array<bool, kLinkClasses> seen{};
    for (const auto& use : f.path) {
      const auto c = static_cast<std::size_t>(class_of_label(net.links()[static_cast<std::size_t>(use.link)].link_class));
      if (!seen[c]) busy[c].emplace_back(f.start, f.data_end);
      seen[c] = true;
    }
  }
  for (int c = 0; c < kLinkClasses; ++c) {
    auto& v = busy[static_cast<std::size_t>(c)];
    if (v.empty()) continue;
    trace.name_track(links_process, c, std::string(link_class_name(static_cast<LinkClass>(c))));
    std::sort(v.begin(), v.end());
    double s = v.front().first, e = v.front().second;
    auto flush = [&] {
      trace.add(sim::TraceEvent{std::string(link_class_name(static_cast<LinkClass>(c))) + " busy", "link",
                                links_process, c, s * 1e6, (e - s) * 1e6, {}});
    };
    for (const auto& [a, b] : v) {
      if (a > e) {
        flush();
        s = a;
        e = b;
      } else {
        e = std::max(e, b);
      }
    }
    flush();
  }
}

}  // namespace

namespace {

/// Every run on one network; link statistics are the network's (shared by the runs).
std::vector<AllToAllResult> run_on_one_network(const ClusterConfig& cluster,
                                               const std::vector<ConcurrentAllToAll>& runs, sim::ChromeTrace* trace,
                                               SolvedNetworkCache* cache) {
  if (runs.empty()) throw std::invalid_argument("no all-to-all to run");
  const auto& first = runs.front().request;
  for (const auto& r : runs) {
    if (const auto problem = alltoall_problem(cluster, r.request)) throw std::invalid_argument(*problem);
    if (r.request.ep != first.ep || r.request.sms != first.sms || r.request.backend != first.backend ||
        CollectiveRegistry::instance().at(r.request.mode).holds_sms !=
            CollectiveRegistry::instance().at(first.mode).holds_sms)
      throw std::invalid_argument("concurrent all-to-alls must share EP, SMs and backend (one topology)");
    if (!(r.start_us >= 0.0) || !std::isfinite(r.start_us))
      throw std::invalid_argument("an all-to-all's start must be a finite time >= 0");
    if (r.counts.gpus != r.request.ep) throw std::invalid_argument("token counts for another EP size");
    if (r.request.offload != first.offload)
      throw std::invalid_argument("concurrent all-to-alls must share the communication offload (one topology)");
    if ((r.request.offload.switch_multicast || r.request.offload.switch_reduce) &&
        r.counts.forwarded_tokens.size() != static_cast<std::size_t>(r.counts.gpus) * static_cast<std::size_t>(r.counts.nodes))
      throw std::invalid_argument("switch multicast and reduce need the token counts' forwarded_tokens "
                                  "(count_tokens and scenario_token_counts fill them)");
  }
  const bool holds_sms = CollectiveRegistry::instance().at(first.mode).holds_sms;
  const auto backend = flow::NetworkBackendRegistry::instance().at(first.backend).make();
  flow::NetworkBackend& net = *backend;
  const ClusterTopology topology(cluster, first.ep, holds_sms ? first.sms : 0, net, first.offload);
  std::vector<CollectiveContext> contexts;
  contexts.reserve(runs.size());  // the kernels keep references to their context
  for (const auto& r : runs) {
    contexts.push_back(CollectiveContext{cluster, r.request, r.counts, topology, net, r.start_us * 1e-6, {}, {}, {}});
    auto& ctx = contexts.back();
    ctx.last_arrival_s.assign(static_cast<std::size_t>(r.request.ep), ctx.start_s);
    ctx.counted_bytes.assign(static_cast<std::size_t>(r.request.ep), 0.0);
    CollectiveRegistry::instance().at(r.request.mode).start(ctx);
  }
  // A problem the cache may answer: every kernel's flows are posted now, and what they do when
  // they land only records arrivals. A trace needs the run itself.
  bool cacheable = cache != nullptr && trace == nullptr;
  std::vector<std::pair<std::string, double>> posted;
  for (const auto& ctx : contexts) {
    cacheable = cacheable && CollectiveRegistry::instance().at(ctx.request.mode).flows_fixed_at_start;
    posted.emplace_back(ctx.request.mode, ctx.start_s);
  }
  SolvedNetworkCache::Key key{};
  const SolvedNetwork* solved = nullptr;
  if (cacheable) {
    key = SolvedNetworkCache::key_of(first.backend, net, posted);
    solved = cache->find(key);
  }
  SolvedNetwork fresh;
  if (solved == nullptr) {
    net.run();
    fresh.links = net.links();
    for (const auto& ctx : contexts) fresh.arrivals_s.push_back(ctx.last_arrival_s);
    fresh.solver_steps = net.solver_steps();
    fresh.flows = net.flows().size();
    for (const auto& f : net.flows())
      if (f.bound_s > 0.0) fresh.min_flow_time_over_bound = std::min(fresh.min_flow_time_over_bound, (f.data_end - f.start) / f.bound_s);
    if (cacheable) cache->store(key, fresh);
    solved = &fresh;
  }
  const auto& links = solved->links;

  std::array<LinkClassStats, kLinkClasses> stats{};
  for (const auto& link : links) {
    auto& s = stats[static_cast<std::size_t>(class_of_label(link.link_class))];
    s.link_class = class_of_label(link.link_class);
    ++s.links;
    switch (direction_of_label(link.link_class)) {
      case LinkDirection::kOut: s.out_bytes += link.bytes; break;
      case LinkDirection::kIn: s.in_bytes += link.bytes; break;
      case LinkDirection::kNone: s.other_bytes += link.bytes; break;
    }
    s.busy_us_max = std::max(s.busy_us_max, link.busy_s * 1e6);
    s.busy_us_mean += link.busy_s * 1e6;
    s.peak_utilisation = std::max(s.peak_utilisation, link.peak_utilisation);
  }
  // The busiest link is the one whose bytes need the longest at its capacity (every flow
  // crosses its GPU's HBM, so time with any flow on it would name HBM whatever limits).
  std::size_t busiest = 0;
  auto bytes_time = [&links](std::size_t l) { return links[l].capacity > 0.0 ? links[l].bytes / links[l].capacity : 0.0; };
  for (std::size_t l = 0; l < links.size(); ++l)
    if (bytes_time(l) > bytes_time(busiest)) busiest = l;
  // Every GPU's own links are named "gpu<index>.<what>" by ClusterTopology.
  std::vector<std::vector<double>> gpu_link_busy(static_cast<std::size_t>(first.ep),
                                                 std::vector<double>(kLinkClasses, 0.0));
  for (const auto& link : links) {
    if (link.name.rfind("gpu", 0) != 0) continue;
    const auto dot = link.name.find('.');
    const int g = std::stoi(link.name.substr(3, dot - 3));
    if (g < 0 || g >= first.ep) continue;
    auto& busy = gpu_link_busy[static_cast<std::size_t>(g)][static_cast<std::size_t>(class_of_label(link.link_class))];
    busy = std::max(busy, link.busy_s * 1e6);
  }
  std::vector<AllToAllResult> out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& ctx = contexts[i];
    AllToAllResult r;
    r.request = runs[i].request;
    r.cluster = cluster.name;
    r.counted_as = ctx.counted_as;
    for (int g = 0; g < r.request.ep; ++g) {
      r.gpu_transfer_us.push_back((solved->arrivals_s[i][static_cast<std::size_t>(g)] - ctx.start_s) * 1e6);
      r.gpu_bytes.push_back(ctx.counted_bytes[static_cast<std::size_t>(g)]);
      r.gpu_hbm_bytes.push_back(links[static_cast<std::size_t>(topology.hbm(g, 1.0).link)].bytes);
    }
    r.gpu_link_busy_us = gpu_link_busy;
    if (!links.empty()) {
      const auto& b = links[busiest];
      r.busiest_link = b.name;
      r.busiest_link_busy_us = b.busy_s * 1e6;
      r.busiest_link_bytes_us = b.capacity > 0.0 ? b.bytes / b.capacity * 1e6 : 0.0;
    }
    r.set_kernel_fixed(cluster.calibration.values.kernel_fixed_us);
    for (auto s : stats)
      if (s.links > 0) {
        s.busy_us_mean /= s.links;
        r.link_classes.push_back(s);
      }
    r.flows = solved->flows;
    r.rate_computations = solved->solver_steps;
    r.min_flow_time_over_bound = solved->min_flow_time_over_bound;
    out.push_back(std::move(r));
  }
  if (trace != nullptr) add_trace(out.front(), net, *trace);
  return out;
}

}  // namespace

std::vector<AllToAllResult> run_concurrent_alltoalls(const ClusterConfig& cluster,
                                                     const std::vector<ConcurrentAllToAll>& runs) {
  return run_on_one_network(cluster, runs, nullptr, nullptr);
}

AllToAllResult run_alltoall_counts(const ClusterConfig& cluster, const AllToAllRequest& q, const TokenCounts& counts,
                                   sim::ChromeTrace* trace, SolvedNetworkCache* cache) {
  return run_on_one_network(cluster, {ConcurrentAllToAll{q, counts, 0.0}}, trace, cache).front();
}

AllToAllResult run_alltoall(const ClusterConfig& cluster, const AllToAllRequest& q, sim::ChromeTrace* trace) {
  if (const auto problem = alltoall_problem(cluster, q)) throw std::invalid_argument(*problem);
  const auto& kind = CollectiveRegistry::instance().at(q.mode);
  const auto routing = route_experts(kind.routing(cluster, q));
  return run_alltoall_counts(cluster, q, count_tokens(routing), trace);
}

}  // namespace codesim::network
