// codesim validate | calibrate: the timing model against measured GEMMs, what the data say
// about each calibration parameter (profiles, leave-one-out), and writing a calibrated device.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "emulator/calibration/identifiability.hpp"
#include "emulator/calibration/parameter_fit.hpp"
#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/cluster_option.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/device_option.hpp"
#include "emulator/cli/network_validation.hpp"
#include "emulator/cli/path_option.hpp"
#include "emulator/io/atomic_file.hpp"
#include "emulator/sim/gemm_calibration.hpp"
#include "emulator/sim/gemm_validation.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::cli {
namespace {

namespace cal = codesim::calibration;

// The targets for the published H800 rows (issue 12).
constexpr double kLeaveOneOutTarget = 6.0;
constexpr double kHeldOutTarget = 8.0;
constexpr double kWorstRowTarget = 15.0;

struct PublishedRows {
  std::filesystem::path dense_file;
  std::filesystem::path grouped_file;
  std::filesystem::path more_file;
  std::vector<sim::MeasuredGemm> dense;    ///< fitted
  std::vector<sim::MeasuredGemm> grouped;  ///< held out: the issue's grouped rows, never fitted
  std::vector<sim::MeasuredGemm> more;     ///< held out: the rest of the first published table
};

PublishedRows read_published(const std::string& folder) {
  const std::filesystem::path dir(folder);
  if (!std::filesystem::is_directory(dir))
    throw InputError(fmt::format("--published {}: not a directory", io::bounded_quote(folder)));
  const std::filesystem::path data(CODESIM_PUBLISHED_DATA_DEFAULT);
  PublishedRows r;
  r.dense_file = dir / "deepgemm_dense_fp8_gemm.csv";
  r.grouped_file = data / "h800_deepgemm_grouped.csv";
  r.more_file = data / "h800_deepgemm_2025-02_more.csv";
  try {
    r.dense = sim::read_published_dense_gemms(r.dense_file);
    sim::apply_measurement_conditions(r.dense, data / "h800_deepgemm_dense_conditions.csv");
    r.grouped = sim::read_published_grouped_gemms(r.grouped_file);
    r.more = sim::read_published_grouped_gemms(r.more_file);
  } catch (const io::DataFileError& e) {
    throw InputError(e.what());
  }
  return r;
}

std::string shape_text(const sim::MeasuredGemm& g) {
  return fmt::format("{}{}x{}x{}", g.shape.m.size() > 1 ? fmt::format("{} x ", g.shape.m.size()) : "", g.shape.m[0],
                     g.shape.n, g.shape.k);
}

std::string verdict(double value, double target) {
  return value <= target ? fmt::format("target <= {:g}%: met", target) : fmt::format("target <= {:g}%: NOT met", target);
}

// ------------------------------------------------------------------------------------ printing
void print_parameters(const hw::DeviceConfig& device, const std::string& origin) {
  fmt::print("Device {} ({}), calibration {}:\n", device.name, device.file.string(), origin);
  fmt::print("  {:<26} {:>9}  {:<7} {:>21}  {}\n", "parameter", "value", "unit", "range", "");
  for (const auto& p : device.calibration.parameters)
    fmt::print("  {:<26} {:>9.4g}  {:<7} {:>21}  {}\n", p.name, hw::get(device.calibration.values, p.name), p.unit,
               fmt::format("[{:g}, {:g}]", p.lo, p.hi), p.fitted ? "fitted" : "fixed");
  fmt::print("\n");
}

void print_predictions(const std::string& title, const std::vector<sim::GemmPrediction>& p) {
  fmt::print("{}\n", title);
  fmt::print("  {:>6} {:>6} {:>6} {:>6} {:>11} {:>11} {:>9} {:>9} {:>8}  {}\n", "groups", "m", "n", "k", "measured_us",
             "predicted_us", "meas_TF", "pred_TF", "error", "tiling");
  for (const auto& x : p) {
    fmt::print("  {:>6} {:>6} {:>6} {:>6} {:>11.1f} {:>11.1f} {:>9.0f} {:>9.0f} {:>+7.1f}%  {}\n", x.measured.shape.m.size(),
               x.measured.shape.m[0], x.measured.shape.n, x.measured.shape.k, x.measured.measured_us, x.predicted_us,
               x.measured.measured_tflops, x.predicted_tflops, x.error_percent(), x.config);
  }
  fmt::print("  MAPE {:.2f}%, largest error {:.1f}% over {} rows\n\n", sim::mean_absolute_percent_error(p),
             sim::max_absolute_percent_error(p), p.size());
}

nlohmann::ordered_json predictions_json(const std::vector<sim::GemmPrediction>& p) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& x : p)
    rows.push_back({{"groups", x.measured.shape.m.size()},
                    {"m", x.measured.shape.m[0]},
                    {"n", x.measured.shape.n},
                    {"k", x.measured.shape.k},
                    {"measured_us", x.measured.measured_us},
                    {"predicted_us", x.predicted_us},
                    {"error_percent", x.error_percent()},
                    {"tiling", x.config}});
  return {{"rows", rows},
          {"mape_percent", sim::mean_absolute_percent_error(p)},
          {"max_abs_error_percent", sim::max_absolute_percent_error(p)}};
}

nlohmann::ordered_json values_json(const sim::GemmCalibration& c, const std::vector<double>& x) {
  nlohmann::ordered_json j;
  for (std::size_t i = 0; i < x.size(); ++i) j[c.fitted()[i]] = x[i];
  return j;
}

// ------------------------------------------------------------------------------------ validate
struct ValidateOptions {
  std::string published;
  std::string reference;
  bool device_given = false;
  std::string device = "h800";
  std::string cluster = "h800";
  bool fit = false;
  std::string profile;
  std::size_t points = 9;
  double threshold = 1.0;
  bool cross_validate = false;
  bool json = false;
};

void run_profile(sim::GemmCalibration& c, const std::vector<double>& best, double best_mape, const ValidateOptions& o) {
  auto& problem = c.problem();
  std::size_t index = 0;
  try {
    index = problem.index_of(o.profile);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("--profile {}: {} (only fitted parameters have a profile)", io::bounded_quote(o.profile),
                                     e.what()));
  }
  cal::FitOptions warm;  // each refit starts at its neighbour on the grid
  warm.initial_step = 1.0 / 8.0;
  const auto in =
      cal::consistent_interval(problem, index, best, best_mape, problem.all_rows(), o.threshold, o.points, 3, warm);
  const auto& range = problem.parameters()[index];
  const double share = range.hi > range.lo ? (in.hi - in.lo) / (range.hi - range.lo) : 0.0;
  if (o.json) {
    nlohmann::ordered_json j;
    j["parameter"] = range.name;
    j["unit"] = range.unit;
    j["range"] = {range.lo, range.hi};
    j["best_mape_percent"] = best_mape;
    j["threshold_points"] = o.threshold;
    j["profile"] = nlohmann::ordered_json::array();
    for (const auto& p : in.profile)
      j["profile"].push_back({{"value", p.value},
                              {"mape_percent", p.mape},
                              {"consistent", p.mape <= best_mape + o.threshold + 1e-9},
                              {"refitted", values_json(c, p.values)}});
    j["consistent_interval"] = {{"lo", in.lo}, {"hi", in.hi}, {"lo_is_range_end", in.lo_is_range_end},
                                {"hi_is_range_end", in.hi_is_range_end}, {"share_of_range", share}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("Profile of {} ({}) over its range [{:g}, {:g}]: at each value the other fitted parameters are refitted "
             "on the {} dense rows.\n",
             range.name, range.unit, range.lo, range.hi, problem.rows());
  fmt::print("  {:>10} {:>8} {:>11}", range.name.substr(0, 10), "MAPE", "consistent");
  for (std::size_t i = 0; i < c.fitted().size(); ++i)
    if (i != index) fmt::print(" {:>14}", c.fitted()[i].substr(0, 14));
  fmt::print("\n");
  for (const auto& p : in.profile) {
    fmt::print("  {:>10.4g} {:>7.2f}% {:>11}", p.value, p.mape, p.mape <= best_mape + o.threshold + 1e-9 ? "yes" : "no");
    for (std::size_t i = 0; i < p.values.size(); ++i)
      if (i != index) fmt::print(" {:>14.4g}", p.values[i]);
    fmt::print("\n");
  }
  fmt::print("Best fit: MAPE {:.2f}% at {} = {:.4g}. Consistent with the data (MAPE within {:g} point of the best): "
             "[{:.4g}, {:.4g}]{}{}, {:.0f}% of the range: {}.\n",
             best_mape, range.name, best[index], o.threshold, in.lo, in.hi,
             in.lo_is_range_end ? " (down to the range's low end)" : "",
             in.hi_is_range_end ? " (up to the range's high end)" : "", 100.0 * share,
             share > 0.5   ? "the data cannot pin this parameter"
             : share > 0.2 ? "the data constrain it only loosely"
                           : "the data pin it down");
}

void run_cross_validation(sim::GemmCalibration& c, const std::vector<double>& best, const hw::DeviceConfig& device,
                          const PublishedRows& rows, bool json) {
  auto& problem = c.problem();
  cal::FitOptions warm;  // each fit starts at the full fit: one row less moves it a little
  warm.initial_step = 1.0 / 16.0;
  const auto loo = cal::leave_one_out(problem, best, problem.all_rows(), warm);
  const double loo_mape = cal::held_out_mape(loo);
  double loo_worst = 0.0;
  for (const auto& r : loo) loo_worst = std::max(loo_worst, std::fabs(r.error_percent));
  const auto grouped = sim::predict(device, rows.grouped);
  const double grouped_mape = sim::mean_absolute_percent_error(grouped);
  const double grouped_worst = sim::max_absolute_percent_error(grouped);
  const double worst = std::max(loo_worst, grouped_worst);
  const auto more = sim::predict(device, rows.more);
  // How often the truth lies inside the band the data allow: the band covers the parameters'
  // uncertainty, not the model's own errors.
  auto all_held_out = rows.grouped;
  all_held_out.insert(all_held_out.end(), rows.more.begin(), rows.more.end());
  const auto bands = sim::predict_bands(device, all_held_out, worker_count());
  std::size_t inside = 0;
  for (std::size_t i = 0; i < bands.size(); ++i) inside += bands[i].contains(all_held_out[i].measured_us) ? 1 : 0;
  if (json) {
    nlohmann::ordered_json j;
    j["device"] = device.name;
    j["leave_one_out"]["rows"] = nlohmann::ordered_json::array();
    for (const auto& r : loo) {
      const auto& g = c.rows()[r.row];
      j["leave_one_out"]["rows"].push_back({{"m", g.shape.m[0]}, {"n", g.shape.n}, {"k", g.shape.k},
                                            {"measured_us", r.measured}, {"predicted_us", r.predicted},
                                            {"error_percent", r.error_percent}, {"fit", values_json(c, r.values)}});
    }
    j["leave_one_out"]["mape_percent"] = loo_mape;
    j["leave_one_out"]["max_abs_error_percent"] = loo_worst;
    j["leave_one_out"]["target_mape_percent"] = kLeaveOneOutTarget;
    j["held_out"] = predictions_json(grouped);
    j["held_out"]["file"] = rows.grouped_file.string();
    j["held_out"]["target_mape_percent"] = kHeldOutTarget;
    j["held_out_more"] = predictions_json(more);
    j["held_out_more"]["file"] = rows.more_file.string();
    j["held_out_band_coverage"] = {{"rows", bands.size()}, {"measured_inside_band", inside},
                                   {"band_members", device.calibration.consistent_set.size()}};
    j["target_max_abs_error_percent"] = kWorstRowTarget;
    j["targets_met"] = loo_mape <= kLeaveOneOutTarget && grouped_mape <= kHeldOutTarget && worst <= kWorstRowTarget;
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("Leave-one-out over the {} dense rows of {}: each row predicted by a fit of the {} fitted parameters "
             "that did not see it.\n",
             loo.size(), rows.dense_file.string(), c.fitted().size());
  fmt::print("  {:>20} {:>11} {:>12} {:>8}\n", "shape", "measured_us", "predicted_us", "error");
  for (const auto& r : loo)
    fmt::print("  {:>20} {:>11.1f} {:>12.1f} {:>+7.1f}%\n", shape_text(c.rows()[r.row]), r.measured, r.predicted,
               r.error_percent);
  fmt::print("  leave-one-out MAPE {:.2f}% ({}), largest {:.1f}%\n\n", loo_mape, verdict(loo_mape, kLeaveOneOutTarget),
             loo_worst);
  fmt::print("Held out, never fitted: {} ({} rows, the full fit; band over the consistent set):\n",
             rows.grouped_file.string(), grouped.size());
  for (std::size_t i = 0; i < grouped.size(); ++i) {
    const auto& x = grouped[i];
    fmt::print("  {:>20} {:>11.1f} {:>12.1f} {:>+7.1f}%  [{:.1f}, {:.1f}]{}\n", shape_text(x.measured),
               x.measured.measured_us, x.predicted_us, x.error_percent(), bands[i].low, bands[i].high,
               bands[i].contains(x.measured.measured_us) ? "" : " measured outside");
  }
  fmt::print("  held-out MAPE {:.2f}% ({}), largest {:.1f}%\n\n", grouped_mape, verdict(grouped_mape, kHeldOutTarget),
             grouped_worst);
  fmt::print("No row worse than {:g}%: {} (largest {:.1f}%).\n\n", kWorstRowTarget,
             worst <= kWorstRowTarget ? "met" : "NOT met", worst);
  fmt::print("Held out too, never fitted: {} ({} rows, the full fit; band over the consistent set):\n",
             rows.more_file.string(), more.size());
  for (std::size_t i = 0; i < more.size(); ++i) {
    const auto& x = more[i];
    const auto& b = bands[grouped.size() + i];
    fmt::print("  {:>20} {:>11.1f} {:>12.1f} {:>+7.1f}%  [{:.1f}, {:.1f}]{}\n", shape_text(x.measured),
               x.measured.measured_us, x.predicted_us, x.error_percent(), b.low, b.high,
               b.contains(x.measured.measured_us) ? "" : " measured outside");
  }
  fmt::print("  MAPE {:.2f}%, largest {:.1f}%\n\n", sim::mean_absolute_percent_error(more),
             sim::max_absolute_percent_error(more));
  fmt::print("Held-out measurements inside their band: {} of {} (the band covers the calibration's uncertainty, not "
             "the model's own errors).\n",
             inside, bands.size());
}

void run_validate(const ValidateOptions& o) {
  if (o.published.empty() == o.reference.empty()) throw InputError("give exactly one of --published and --reference");
  if (!o.reference.empty()) {
    if (o.fit || !o.profile.empty() || o.cross_validate)
      throw InputError("--fit, --profile and --cross-validate work on --published figures: calibrate on one set, "
                       "validate on another");
    run_validate_reference(o.reference, o.device_given ? o.device : "", o.json);
    return;
  }
  if (o.points < 2 || o.points > 101) throw InputError(fmt::format("--points {}: must be in 2..101", o.points));
  if (!(o.threshold > 0.0 && o.threshold <= 100.0))
    throw InputError(fmt::format("--threshold {}: must be in (0, 100] percentage points", o.threshold));
  auto device = device_or_input_error(o.device);
  // The cluster predicts DeepEP's rows, printed last: a bad one is refused before anything is
  // printed, and whether or not the folder has those rows.
  const auto cluster = cluster_or_input_error(o.cluster);
  const auto rows = read_published(o.published);
  std::unique_ptr<sim::GemmCalibration> calibration;
  try {
    calibration = std::make_unique<sim::GemmCalibration>(device, rows.dense, worker_count());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  auto& problem = calibration->problem();
  if (!o.profile.empty()) {  // before anything is printed
    try {
      (void)problem.index_of(o.profile);
    } catch (const std::invalid_argument& e) {
      throw InputError(fmt::format("--profile {}: {} (only fitted parameters have a profile)", io::bounded_quote(o.profile),
                                     e.what()));
    }
  }
  std::vector<double> best = calibration->start();
  std::string origin = "from the device file";
  if (o.fit) {
    best = cal::fit_parameters(problem, best, problem.all_rows()).values;
    device = device.with_calibration(calibration->values_at(best));
    origin = fmt::format("fitted now on the {} dense rows ({} model evaluations)", rows.dense.size(), problem.evaluations());
  }
  const double best_mape = problem.mape(best, problem.all_rows());
  if (!o.profile.empty()) {
    if (!o.json) print_parameters(device, origin);
    run_profile(*calibration, best, best_mape, o);
    return;
  }
  if (o.cross_validate) {
    if (!o.json) print_parameters(device, origin);
    run_cross_validation(*calibration, best, device, rows, o.json);
    return;
  }
  const auto dense_p = sim::predict(device, rows.dense);
  const auto grouped_p = sim::predict(device, rows.grouped);
  const auto more_p = sim::predict(device, rows.more);
  if (o.json) {
    nlohmann::ordered_json j;
    j["device"] = device.name;
    j["fitted_here"] = o.fit;
    for (const auto& p : device.calibration.parameters)
      j["calibration"][p.name] = {{"value", hw::get(device.calibration.values, p.name)}, {"unit", p.unit},
                                  {"range", {p.lo, p.hi}}, {"fitted", p.fitted}};
    j["dense"] = predictions_json(dense_p);
    j["dense"]["file"] = rows.dense_file.string();
    j["grouped"] = predictions_json(grouped_p);
    j["grouped"]["file"] = rows.grouped_file.string();
    j["more"] = predictions_json(more_p);
    j["more"]["file"] = rows.more_file.string();
    j["deepep"] = validate_deepep_rows(o.published, cluster, true);
    std::cout << j.dump(2) << "\n";
    return;
  }
  print_parameters(device, origin);
  print_predictions(fmt::format("Dense FP8 GEMMs, {} (DeepGEMM, H800 SXM5):", rows.dense_file.string()), dense_p);
  print_predictions(fmt::format("Grouped FP8 GEMMs, {} (held out: not used to fit):", rows.grouped_file.string()),
                    grouped_p);
  print_predictions(fmt::format("The rest of the first published table, {} (held out):", rows.more_file.string()), more_p);
  (void)validate_deepep_rows(o.published, cluster, false);
}

// ----------------------------------------------------------------------------------- calibrate
struct CalibrateOptions {
  std::string published;
  std::string device = "h800";
  std::string cluster;
  std::string out;
  std::size_t points = 7;
  double threshold = 1.0;
};

void run_calibrate(const CalibrateOptions& o) {
  if (o.out.empty()) throw InputError("--out: give the device file to write");
  if (o.points < 2 || o.points > 101) throw InputError(fmt::format("--points {}: must be in 2..101", o.points));
  if (!(o.threshold > 0.0 && o.threshold <= 100.0))
    throw InputError(fmt::format("--threshold {}: must be in (0, 100] percentage points", o.threshold));
  {  // fail before minutes of fitting, not after
    const auto parent = std::filesystem::absolute(o.out).parent_path();
    if (!std::filesystem::is_directory(parent))
      throw InputError(fmt::format("--out {}: the folder {} does not exist", o.out, parent.string()));
    if (std::filesystem::is_directory(o.out)) throw InputError(fmt::format("--out {}: is a folder", o.out));
  }
  if (!o.cluster.empty()) {
    calibrate_cluster_network(o.published, o.cluster, o.out, o.points, o.threshold);
    return;
  }
  const auto device = device_or_input_error(o.device);
  const auto rows = read_published(o.published);
  nlohmann::ordered_json file;
  try {
    file = nlohmann::ordered_json::parse(io::read_json_file(device.file).dump());
  } catch (const io::DataFileError& e) {
    throw InputError(e.what());
  }
  sim::CalibrateOptions options;
  options.workers = worker_count();
  options.threshold_points = o.threshold;
  options.profile_points = o.points;
  options.progress = [](const std::string& what) { fmt::print(stderr, "codesim calibrate: {}\n", what); };
  const std::string fitted_on = fmt::format(
      "the {} dense rows of {} by `codesim calibrate --published {} --device {} --out {}`", rows.dense.size(),
      rows.dense_file.string(), o.published, o.device, o.out);
  sim::CalibrationOutcome outcome;
  try {
    outcome = sim::calibrate_device(device, rows.dense, fitted_on, options);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  file["calibration"] = hw::calibration_json(outcome.calibration);
  try {
    io::write_file_atomically(o.out, file.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw InputError(fmt::format("--out {}: {}", o.out, e.what()));
  }
  fmt::print("Calibrated {} on {} dense rows ({} model evaluations); best MAPE {:.2f}%.\n", device.name, rows.dense.size(),
             outcome.evaluations, outcome.set.best_mape);
  fmt::print("Consistent with the data (MAPE within {:g} point of the best), each fitted parameter:\n", o.threshold);
  for (const auto& in : outcome.set.intervals) {
    const auto& p = outcome.calibration.parameter(outcome.fitted.at(in.parameter));
    fmt::print("  {:<26} best {:>9.4g}  consistent [{:.4g}, {:.4g}] of [{:g}, {:g}] {}\n", p.name, p.value, in.lo, in.hi,
               p.lo, p.hi, p.unit);
  }
  fmt::print("{} members in the consistent set; written to {}\n", outcome.calibration.consistent_set.size(), o.out);
}

}  // namespace

void add_validate_commands(CLI::App& app) {
  {
    auto o = std::make_shared<ValidateOptions>();
    CLI::App* c = app.add_subcommand("validate", "Compares predictions with published or measured GPU results");
    c->add_option("--published", o->published, "folder with deepgemm_dense_fp8_gemm.csv (../shared/reference/h800)");
    c->add_option("--reference", o->reference,
                  "folder of reference_gpu result files (reference_gpu/results/<device>): every measured operator");
    auto* device = c->add_option("--device", o->device,
                                 "device name or file (with --reference: default from the GPU named in the files)")
                       ->capture_default_str();
    c->add_flag("--fit", o->fit, "re-fit the fitted calibration parameters on the dense rows before predicting");
    c->add_option("--profile", o->profile,
                  "a fitted calibration parameter: the best MAPE at each value of a grid, the others refitted");
    c->add_option("--points", o->points, "grid points of --profile")->capture_default_str();
    c->add_option("--threshold", o->threshold, "consistent: MAPE within this many points of the best")
        ->capture_default_str();
    c->add_flag("--cross-validate", o->cross_validate,
                "leave-one-out over the dense rows, and the held-out grouped rows, against the issue's targets");
    c->add_option("--cluster", o->cluster, "cluster name or file whose network predicts DeepEP's rows")
        ->capture_default_str();
    c->add_flag("--json", o->json, "JSON output");
    c->callback([o, device] {
      o->device_given = device->count() > 0;
      run_validate(*o);
    });
  }
  {
    auto o = std::make_shared<CalibrateOptions>();
    CLI::App* c = app.add_subcommand(
        "calibrate", "Fits a device's calibration parameters on published rows and writes the device file with the "
                     "set of values consistent with the data (the predictions' bands)");
    c->add_option("--published", o->published, "folder with deepgemm_dense_fp8_gemm.csv (../shared/reference/h800)")
        ->required();
    auto* device = c->add_option("--device", o->device, "device name or file to start from")->capture_default_str();
    c->add_option("--cluster", o->cluster,
                  "calibrate this cluster's network on deepep_alltoall.csv instead of a device on the GEMM rows")
        ->excludes(device);
    c->add_option("--out", o->out, "device (or cluster) file to write (may be its own file)")
        ->required()
        ->check(non_empty_path());
    c->add_option("--points", o->points, "grid points of each parameter's profile")->capture_default_str();
    c->add_option("--threshold", o->threshold, "consistent: MAPE within this many points of the best")
        ->capture_default_str();
    c->callback([o] { run_calibrate(*o); });
  }
}

}  // namespace codesim::cli
