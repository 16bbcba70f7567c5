#include "emulator/network/alltoall.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <utility>

#include "emulator/network/cluster_topology.hpp"
#include "emulator/sim/chrome_trace.hpp"

namespace codesim::network {

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

AllToAllResult run_alltoall_counts(const ClusterConfig& cluster, const AllToAllRequest& q, const TokenCounts& counts,
                                   sim::ChromeTrace* trace) {
  if (const auto problem = alltoall_problem(cluster, q)) throw std::invalid_argument(*problem);
  const auto& kind = CollectiveRegistry::instance().at(q.mode);
  const auto backend = flow::NetworkBackendRegistry::instance().at(q.backend).make();
  flow::NetworkBackend& net = *backend;
  const ClusterTopology topology(cluster, q.ep, kind.holds_sms ? q.sms : 0, net);
  CollectiveContext ctx{cluster, q, counts, topology, net, {}, {}, {}};
  ctx.last_arrival_s.assign(static_cast<std::size_t>(q.ep), 0.0);
  ctx.counted_bytes.assign(static_cast<std::size_t>(q.ep), 0.0);
  kind.start(ctx);
  net.run();

  AllToAllResult r;
  r.request = q;
  r.cluster = cluster.name;
  r.counted_as = ctx.counted_as;
  for (int g = 0; g < q.ep; ++g) {
    r.gpu_transfer_us.push_back(ctx.last_arrival_s[static_cast<std::size_t>(g)] * 1e6);
    r.gpu_bytes.push_back(ctx.counted_bytes[static_cast<std::size_t>(g)]);
  }
  r.set_kernel_fixed(cluster.calibration.values.kernel_fixed_us);

  std::array<LinkClassStats, kLinkClasses> stats{};
  for (const auto& link : net.links()) {
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
  for (auto& s : stats)
    if (s.links > 0) {
      s.busy_us_mean /= s.links;
      r.link_classes.push_back(s);
    }
  r.flows = net.flows().size();
  r.rate_computations = net.solver_steps();
  for (const auto& f : net.flows())
    if (f.bound_s > 0.0) r.min_flow_time_over_bound = std::min(r.min_flow_time_over_bound, (f.data_end - f.start) / f.bound_s);
  if (trace != nullptr) add_trace(r, net, *trace);
  return r;
}

AllToAllResult run_alltoall(const ClusterConfig& cluster, const AllToAllRequest& q, sim::ChromeTrace* trace) {
  if (const auto problem = alltoall_problem(cluster, q)) throw std::invalid_argument(*problem);
  const auto& kind = CollectiveRegistry::instance().at(q.mode);
  const auto routing = route_experts(kind.routing(cluster, q));
  return run_alltoall_counts(cluster, q, count_tokens(routing), trace);
}

}  // namespace codesim::network
