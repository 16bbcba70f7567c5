#include "emulator/cli/network_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/cluster_option.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/io/atomic_file.hpp"
#include "emulator/network/cluster_calibration.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::cli {
namespace {

// Issue 13's targets for DeepEP's published H800 rows.
constexpr double kDeepEpMapeTarget = 5.0;
constexpr double kDeepEpWorstRowTarget = 10.0;

std::vector<network::MeasuredAllToAll> read_rows(const std::filesystem::path& file) {
  try {
    return network::read_deepep_rows(file);
  } catch (const io::DataFileError& e) {
    throw InputError(e.what());
  }
}

}  // namespace

std::filesystem::path deepep_rows_file(const std::string& published) {
  const auto file = std::filesystem::path(published) / "deepep_alltoall.csv";
  if (!std::filesystem::is_regular_file(file))
    throw InputError(fmt::format("--published {}: no deepep_alltoall.csv (DeepEP's all-to-all rows)", io::bounded_quote(published)));
  return file;
}

namespace {

struct RowSummary {
  double mape = 0.0;
  double worst = 0.0;
};

RowSummary summarise(const std::vector<network::DeepEpPrediction>& predictions) {
  RowSummary s;
  for (const auto& p : predictions) {
    s.mape += std::abs(p.error_percent());
    s.worst = std::max(s.worst, std::abs(p.error_percent()));
  }
  s.mape /= static_cast<double>(predictions.size());
  return s;
}

nlohmann::ordered_json rows_json(const std::filesystem::path& file, const std::vector<network::DeepEpPrediction>& ps) {
  nlohmann::ordered_json j;
  j["file"] = file.string();
  for (const auto& p : ps)
    j["rows"].push_back({{"kernel", p.row.kernel}, {"ep", p.row.request.ep},
                         {"metric", p.row.metric == network::DeepEpMetric::kLatencyUs ? "latency_us" : "bandwidth_gbps"},
                         {"predicted", p.predicted}, {"predicted_low", p.low}, {"predicted_high", p.high},
                         {"measured", p.row.measured}, {"error_percent", p.error_percent()}});
  const auto s = summarise(ps);
  j["mape_percent"] = s.mape;
  j["max_abs_error_percent"] = s.worst;
  return j;
}

void print_rows(const std::string& title, const std::vector<network::DeepEpPrediction>& ps) {
  fmt::print("{}\n", title);
  fmt::print("  {:<28} {:>12} {:>20} {:>12} {:>8}\n", "row", "predicted", "band", "measured", "error");
  std::size_t inside = 0;
  for (const auto& p : ps) {
    fmt::print("  {:<28} {:>7.1f} {:<4} [{:>7.1f}, {:>7.1f}] {:>7.1f} {:<4} {:>+6.1f}%\n", p.row.label(), p.predicted,
               p.row.unit(), p.low, p.high, p.row.measured, p.row.unit(), p.error_percent());
    if (p.low <= p.row.measured && p.row.measured <= p.high) ++inside;
  }
  const auto s = summarise(ps);
  fmt::print("  MAPE {:.2f}%, largest {:.1f}%; measured inside the band: {} of {}\n", s.mape, s.worst, inside, ps.size());
}

std::vector<network::DeepEpPrediction> predict_or_input_error(const network::ClusterConfig& cluster,
                                                              const std::filesystem::path& file,
                                                              const std::vector<network::MeasuredAllToAll>& rows) {
  try {
    return network::predict_deepep_rows(cluster, rows, worker_count());
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("{}: {}", file.string(), e.what()));
  }
}

}  // namespace

nlohmann::ordered_json validate_deepep_rows(const std::string& published, const network::ClusterConfig& cluster,
                                            bool json) {
  const auto file = std::filesystem::path(published) / "deepep_alltoall.csv";
  if (!std::filesystem::exists(file)) {  // a folder of GEMM figures only: nothing to compare the network with
    const auto why = fmt::format("{} has no deepep_alltoall.csv: the network's rows are skipped", published);
    if (!json) fmt::print("{}\n", why);
    return {{"skipped", why}};
  }
  (void)deepep_rows_file(published);  // exists, but must be a regular file
  const auto held_out_file = std::filesystem::path(CODESIM_PUBLISHED_DATA_DEFAULT) / "h800_deepep_heldout.csv";
  const auto rows = read_rows(file);
  const auto held_out_rows = read_rows(held_out_file);
  const auto fitted = predict_or_input_error(cluster, file, rows);
  const auto held_out = predict_or_input_error(cluster, held_out_file, held_out_rows);
  nlohmann::ordered_json j;
  j["cluster"] = cluster.name;
  j["fitted_on"] = cluster.calibration.fitted_on;
  j["fitted"] = rows_json(file, fitted);
  j["held_out"] = rows_json(held_out_file, held_out);
  if (json) return j;
  fmt::print("Network of cluster {} (calibration fitted on {}):\n", cluster.name, cluster.calibration.fitted_on);
  print_rows(fmt::format("DeepEP all-to-all rows, {}:", file.string()), fitted);
  const auto s = summarise(fitted);
  fmt::print("  targets: MAPE <= {:g}%, no row beyond {:g}%: {}\n\n", kDeepEpMapeTarget, kDeepEpWorstRowTarget,
             s.mape <= kDeepEpMapeTarget && s.worst <= kDeepEpWorstRowTarget ? "met" : "MISSED");
  print_rows(fmt::format("DeepEP's later kernels, {} (held out: not used to fit):", held_out_file.string()), held_out);
  fmt::print("\n");
  return j;
}

void calibrate_cluster_network(const std::string& published, const std::string& cluster_name, const std::string& out,
                               std::size_t points, double threshold) {
  const auto file = deepep_rows_file(published);
  const auto rows = read_rows(file);
  const auto cluster = cluster_or_input_error(cluster_name);
  nlohmann::ordered_json doc;  // the file as it is, fields in their order; only its calibration changes
  try {
    std::ifstream in(cluster.file);
    doc = nlohmann::ordered_json::parse(in);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: {}", cluster.file.string(), e.what()));
  }
  calibration::SectionFitOptions options;
  options.workers = worker_count();
  options.threshold_points = threshold;
  options.profile_points = points;
  // The rows pin some parameters to well within one grid step (the SM issue rate moves both
  // normal-mode rows in proportion): locate each end of an interval to 1/16 of a step, so that
  // a narrow interval is not reported as a single point. A network row is cheap to re-time.
  options.refinements = 4;
  options.progress = [](const std::string& what) { fmt::print(stderr, "codesim calibrate: {}\n", what); };
  const std::string fitted_on =
      fmt::format("the {} rows of {} by `codesim calibrate --published {} --cluster {} --out {}`", rows.size(),
                  file.string(), published, cluster_name, out);
  network::ClusterCalibrationOutcome outcome;
  try {
    outcome = network::calibrate_cluster(cluster, rows, fitted_on, options);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("{}: {}", file.string(), e.what()));
  }
  doc["calibration"] = network::network_calibration_json(outcome.calibration);
  try {
    io::write_file_atomically(out, doc.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw InputError(fmt::format("--out {}: {}", io::bounded_quote(out), e.what()));
  }
  fmt::print("Calibrated the network of {} on {} DeepEP rows ({} model evaluations); best MAPE {:.2f}%.\n",
             cluster.name, rows.size(), outcome.evaluations, outcome.set.best_mape);
  fmt::print("Consistent with the data (MAPE within {:g} point of the best), each fitted parameter:\n", threshold);
  for (const auto& in : outcome.set.intervals) {
    const auto& p = outcome.calibration.parameter(outcome.fitted.at(in.parameter));
    fmt::print("  {:<26} best {:>9.4g}  consistent [{:.4g}, {:.4g}] of [{:g}, {:g}] {}\n", p.name, p.value, in.lo, in.hi,
               p.lo, p.hi, p.unit);
  }
  fmt::print("{} members in the consistent set; written to {}\n", outcome.calibration.consistent_set.size(), out);
}

}  // namespace codesim::cli
