#include "emulator/network/cluster_calibration.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include "emulator/calibration/forked_tasks.hpp"
#include "emulator/network/link_class.hpp"

namespace codesim::network {
namespace {

/// The link class a parameter acts on, and whether it scales that class's capacity (rather
/// than, say, the bytes a message costs). kernel_fixed_us re-times a run instead.
struct ParameterLinks {
  const char* parameter;
  LinkClass link_class;
  bool scales_capacity;
};
constexpr ParameterLinks kParameterLinks[] = {
    {"nvlink_efficiency", LinkClass::kNvlink, true},
    {"rdma_efficiency", LinkClass::kNic, true},
    {"nic_message_overhead_ns", LinkClass::kNic, false},
    {"sm_copy_gbps", LinkClass::kSm, true},
};
constexpr const char* kKernelFixed = "kernel_fixed_us";

const LinkClassStats* stats_of(const AllToAllResult& run, LinkClass c) {
  for (const auto& s : run.link_classes)
    if (s.link_class == c) return &s;
  return nullptr;
}

}  // namespace

bool same_run(const AllToAllResult& run, const NetworkCalibrationValues& ran_at, const NetworkCalibrationValues& at) {
  for (const auto& d : network_parameter_decls()) {
    const std::string name(d.name);
    const double was = get(ran_at, name);
    const double is = get(at, name);
    if (name == kKernelFixed || was == is) continue;
    const ParameterLinks* links = nullptr;
    for (const auto& p : kParameterLinks)
      if (name == p.parameter) links = &p;
    if (links == nullptr) return false;
    const auto* stats = stats_of(run, links->link_class);
    if (stats == nullptr || stats->out_bytes + stats->in_bytes + stats->other_bytes <= 0.0) continue;  // idle class
    // A class that was never full was nobody's bottleneck: max-min rates do not depend on its
    // capacity as long as the capacity stays above the heaviest load it carried.
    constexpr double kMargin = 1e-9;
    if (links->scales_capacity && stats->peak_utilisation < 1.0 - kMargin &&
        is >= was * stats->peak_utilisation * (1.0 + kMargin))
      continue;
    return false;
  }
  return true;
}

namespace {

std::vector<double> measured_of(const std::vector<MeasuredAllToAll>& rows) {
  std::vector<double> m;
  for (const auto& r : rows) m.push_back(r.measured);
  return m;
}

/// What a row costs to simulate, roughly: its flows grow with the GPU pairs.
std::vector<double> simulation_costs(const std::vector<MeasuredAllToAll>& rows) {
  std::vector<double> c;
  for (const auto& r : rows) c.push_back(static_cast<double>(r.request.ep) * r.request.ep);
  return c;
}

std::vector<std::string> fitted_of(const ClusterConfig& cluster) {
  auto names = calibration::fitted_parameter_names(cluster.calibration);
  if (names.empty()) throw std::invalid_argument("cluster " + cluster.name + " has no fitted calibration parameter");
  return names;
}

const ClusterConfig& checked(const ClusterConfig& cluster, const std::vector<MeasuredAllToAll>& rows) {
  for (const auto& r : rows)
    if (const auto problem = alltoall_problem(cluster, r.request))
      throw std::invalid_argument(r.label() + " (line " + std::to_string(r.line) + "): " + *problem);
  return cluster;
}

}  // namespace

AllToAllBand run_alltoall_band(const ClusterConfig& cluster, const AllToAllRequest& request) {
  AllToAllBand band;
  band.best = run_alltoall(cluster, request);
  band.time_us_low = band.time_us_high = band.best.time_us;
  band.max_time_us_low = band.max_time_us_high = band.best.max_time_us;
  band.bandwidth_gbps_low = band.bandwidth_gbps_high = band.best.bandwidth_gbps;
  band.member_time_us.push_back(band.best.time_us);
  struct Done {
    NetworkCalibrationValues values;
    const AllToAllResult* run;
  };
  std::vector<AllToAllResult> runs;
  runs.reserve(cluster.calibration.consistent_set.size());
  std::vector<Done> done{{cluster.calibration.values, &band.best}};
  for (const auto& member : cluster.calibration.consistent_set) {
    const auto& v = member.values;
    const auto same =
        std::find_if(done.begin(), done.end(), [&](const Done& d) { return same_run(*d.run, d.values, v); });
    AllToAllResult r;
    if (same != done.end()) {
      r = *same->run;
      r.set_kernel_fixed(v.kernel_fixed_us);
    } else {
      runs.push_back(run_alltoall(cluster.with_calibration(v), request));
      done.push_back({v, &runs.back()});
      r = runs.back();
      ++band.simulations;
    }
    ++band.members;
    band.member_time_us.push_back(r.time_us);
    band.time_us_low = std::min(band.time_us_low, r.time_us);
    band.time_us_high = std::max(band.time_us_high, r.time_us);
    band.max_time_us_low = std::min(band.max_time_us_low, r.max_time_us);
    band.max_time_us_high = std::max(band.max_time_us_high, r.max_time_us);
    band.bandwidth_gbps_low = std::min(band.bandwidth_gbps_low, r.bandwidth_gbps);
    band.bandwidth_gbps_high = std::max(band.bandwidth_gbps_high, r.bandwidth_gbps);
  }
  return band;
}

ClusterCalibration::ClusterCalibration(const ClusterConfig& cluster, std::vector<MeasuredAllToAll> rows,
                                       std::size_t workers)
    : cluster_(checked(cluster, rows)),
      rows_(std::move(rows)),
      fitted_(fitted_of(cluster_)),
      cache_(rows_.size()),
      pool_([this](const std::vector<double>& x, std::size_t row) { return predict_row(values_at(x), row); },
            simulation_costs(rows_), workers),
      problem_(calibration::fitted_parameter_ranges(cluster_.calibration), measured_of(rows_),
               [this](const std::vector<double>& x) { return pool_.predict(x); }) {}

std::vector<double> ClusterCalibration::start() const {
  std::vector<double> x;
  for (const auto& name : fitted_) x.push_back(get(cluster_.calibration.values, name));
  return x;
}

NetworkCalibrationValues ClusterCalibration::values_at(const std::vector<double>& x) const {
  auto v = cluster_.calibration.values;
  for (std::size_t i = 0; i < fitted_.size(); ++i) set(v, fitted_[i], x[i]);
  return v;
}

double ClusterCalibration::predict_row(const NetworkCalibrationValues& v, std::size_t row) {
  const auto& r = rows_[row];
  auto& cached = cache_[row];
  const auto hit =
      std::find_if(cached.begin(), cached.end(), [&](const CachedRun& c) { return same_run(c.run, c.values, v); });
  if (hit == cached.end()) {
    CachedRun c;
    c.values = v;
    c.run = run_alltoall(cluster_.with_calibration(v), r.request);
    cached.push_back(std::move(c));
    return deepep_figure(r, cached.back().run);
  }
  AllToAllResult run = hit->run;
  run.set_kernel_fixed(v.kernel_fixed_us);
  return deepep_figure(r, run);
}

ClusterCalibrationOutcome calibrate_cluster(const ClusterConfig& cluster, const std::vector<MeasuredAllToAll>& rows,
                                            const std::string& fitted_on,
                                            const calibration::SectionFitOptions& options) {
  ClusterCalibration cal(cluster, rows, options.workers);
  return calibration::fit_section<NetworkCalibrationValues>(
      cal.problem(), cluster.calibration, cal.start(), [&](const std::vector<double>& x) { return cal.values_at(x); },
      [](const NetworkCalibrationValues& v, const std::string& name) { return get(v, name); }, fitted_on, options);
}

std::vector<DeepEpPrediction> predict_deepep_rows(const ClusterConfig& cluster, const std::vector<MeasuredAllToAll>& rows,
                                                  std::size_t workers) {
  // Each row is one all-to-all banded over the consistent set (run_alltoall_band); the rows
  // run on worker processes and come back as text (exact: %a keeps every bit).
  std::vector<std::function<std::string()>> tasks;
  for (const auto& r : rows)
    tasks.emplace_back([&cluster, &r] {
      const auto band = run_alltoall_band(cluster, r.request);
      const bool latency = r.metric == DeepEpMetric::kLatencyUs;
      const double v[3] = {deepep_figure(r, band.best), latency ? band.time_us_low : band.bandwidth_gbps_low,
                           latency ? band.time_us_high : band.bandwidth_gbps_high};
      char text[128];
      std::snprintf(text, sizeof text, "%a %a %a", v[0], v[1], v[2]);
      return std::string(text);
    });
  const auto results = calibration::run_forked(tasks, workers);
  std::vector<DeepEpPrediction> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    DeepEpPrediction p{rows[i], 0.0, 0.0, 0.0};
    if (std::sscanf(results[i].c_str(), "%la %la %la", &p.predicted, &p.low, &p.high) != 3)
      throw std::runtime_error("a worker returned '" + results[i] + "' for " + rows[i].label());
    out.push_back(p);
  }
  return out;
}

}  // namespace codesim::network
