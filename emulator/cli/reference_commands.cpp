// codesim numerics inputs | numerics check, codesim reference shapes, and the --reference side
// of codesim validate: the emulator's half of the reference_gpu loop.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/path_option.hpp"
#include "emulator/cli/seed_option.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"
#include "emulator/io/work_limit.hpp"
#include "emulator/reference/numerics_check.hpp"
#include "emulator/reference/numerics_input_sets.hpp"
#include "emulator/reference/reference_validation.hpp"
#include "emulator/reference/shape_export.hpp"
#include "reference_gpu/common/dot_product_files.hpp"

namespace codesim::cli {
namespace {

namespace er = codesim::emulator_reference;

// ---- numerics inputs -------------------------------------------------------------------
struct InputsOptions {
  std::string out;
  er::InputSetOptions sets;
};

void run_inputs(const InputsOptions& o) {
  try {
    io::kMaxInputRows.check(fmt::format("--rows {}", o.sets.rows), static_cast<double>(o.sets.rows));
    er::write_numerics_inputs(o.out, o.sets);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  } catch (const std::runtime_error& e) {
    throw InputError(fmt::format("--out {}: {}", io::bounded_quote(o.out), e.what()));
  }
  const auto sets = reference::find_dot_product_sets(std::filesystem::path(o.out) / "dot");
  const auto cases = reference::find_gemm_cases(std::filesystem::path(o.out) / "gemm");
  fmt::print("wrote {} dot-product sets and {} GEMM cases to {} (seed {})\n", sets.size(), cases.size(), o.out,
             o.sets.seed);
}

// ---- numerics check --------------------------------------------------------------------
struct CheckOptions {
  std::string reference;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  bool json = false;
};

std::string hex(std::uint32_t v) { return fmt::format("{:08x}", v); }

void print_check(const CheckOptions& o, const std::vector<er::DotFileCheck>& dots,
                 const std::vector<er::GemmFileCheck>& gemms, std::size_t rows, std::size_t mismatches);

void run_check(const CheckOptions& o) {
  std::vector<er::DotFileCheck> dots;
  std::vector<er::GemmFileCheck> gemms;
  try {
    dots = er::check_dot_sets(o.reference);
    gemms = er::check_gemm_cases(o.reference, o.threads);
  } catch (const reference::FormatError& e) {
    throw InputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (dots.empty() && gemms.empty())
    throw InputError(fmt::format("--reference {}: no GPU outputs found (d*.txt beside a dot-product set, or "
                                 "d_<mode>.txt/.bin in a GEMM case)",
                                 io::bounded_quote(o.reference)));
  std::size_t rows = 0, mismatches = 0;
  for (const auto& d : dots) rows += d.rows, mismatches += d.mismatches;
  if (o.json) {
    nlohmann::ordered_json j;
    j["reference"] = o.reference;
    j["dot"] = nlohmann::ordered_json::array();
    for (const auto& d : dots) {
      nlohmann::ordered_json x{{"set", std::filesystem::relative(d.set, o.reference).string()},
                               {"d_file", d.d_file}, {"model", d.model}, {"format", d.format},
                               {"output", d.output}, {"k", d.k}, {"rows", d.rows},
                               {"mismatches", d.mismatches}, {"nan_payload_only", d.nan_payload_only}};
      x["first_mismatches"] = nlohmann::ordered_json::array();
      for (const auto& m : d.first)
        x["first_mismatches"].push_back({{"row", m.row}, {"emulator", hex(m.expected)}, {"gpu", hex(m.got)}});
      j["dot"].push_back(x);
    }
    j["gemm"] = nlohmann::ordered_json::array();
    for (const auto& g : gemms) {
      nlohmann::ordered_json x{{"case", std::filesystem::relative(g.case_dir, o.reference).string()},
                               {"mode", g.mode}, {"status", g.status}, {"elements", g.elements}};
      x["candidates"] = nlohmann::ordered_json::array();
      for (const auto& c : g.candidates)
        x["candidates"].push_back({{"recipe", c.recipe}, {"mismatches", c.mismatches},
                                   {"max_relative_difference", c.max_relative_difference}});
      j["gemm"].push_back(x);
    }
    j["dot_rows"] = rows;
    j["dot_mismatches"] = mismatches;
    std::cout << j.dump(2) << "\n";
  } else {
    print_check(o, dots, gemms, rows, mismatches);
  }
  // Dot products are compared bit for bit: any difference fails the comparison (the GEMM
  // candidates are an exploration of which recipe the GPU follows, not a pass or fail).
  if (mismatches > 0)
    throw ComparisonMismatch(
        fmt::format("numerics check: {} of {} dot-product rows differ from the emulator", mismatches, rows));
}

void print_check(const CheckOptions& o, const std::vector<er::DotFileCheck>& dots,
                 const std::vector<er::GemmFileCheck>& gemms, std::size_t rows, std::size_t mismatches) {
  if (!dots.empty()) {
    fmt::print("Dot products: GPU results against the emulator, bit for bit\n");
    fmt::print("  {:<40} {:<16} {:<12} {:>5} {:>8} {:>10}  {}\n", "set", "d file", "model", "k", "rows", "mismatches",
               "first mismatch (row: emulator / gpu)");
    for (const auto& d : dots) {
      const std::string first =
          d.first.empty() ? "" : fmt::format("{}: {} / {}", d.first[0].row, hex(d.first[0].expected), hex(d.first[0].got));
      fmt::print("  {:<40} {:<16} {:<12} {:>5} {:>8} {:>10}  {}{}\n", std::filesystem::relative(d.set, o.reference).string(),
                 d.d_file, d.model + (d.output == "fp16" ? "/fp16" : ""), d.k, d.rows, d.mismatches, first,
                 d.nan_payload_only > 0 ? fmt::format(" ({} NaN payload only)", d.nan_payload_only) : "");
    }
    fmt::print("  total: {} mismatches in {} rows\n", mismatches, rows);
  }
  if (!gemms.empty()) {
    fmt::print("FP8 GEMMs (cuBLASLt) against each emulator recipe: elements whose FP32 bits differ\n");
    for (const auto& g : gemms) {
      fmt::print("  {} {} ({} elements): ", std::filesystem::relative(g.case_dir, o.reference).string(), g.mode,
                 g.elements);
      if (g.status != "ok") {
        fmt::print("not run on the GPU: {}\n", g.status);
        continue;
      }
      for (std::size_t i = 0; i < g.candidates.size(); ++i)
        fmt::print("{}{} {} (max rel diff {:.2e})", i ? ", " : "", g.candidates[i].recipe, g.candidates[i].mismatches,
                   g.candidates[i].max_relative_difference);
      fmt::print("\n");
    }
  }
}

// ---- reference shapes ------------------------------------------------------------------
struct ShapesOptions {
  std::string published;
  std::string out;
  std::uint64_t seed = 1;
};

void run_shapes(const ShapesOptions& o) {
  er::ShapeLists lists;
  try {
    lists = er::make_shape_lists(o.published, std::filesystem::path(CODESIM_PUBLISHED_DATA_DEFAULT) /
                                                  "h800_deepgemm_grouped.csv", o.seed);
    er::write_shape_lists(o.out, lists);
  } catch (const io::DataFileError& e) {  // also workloads::WorkloadError, an alias
    throw InputError(e.what());
  } catch (const std::runtime_error& e) {
    throw InputError(fmt::format("--out {}: {}", io::bounded_quote(o.out), e.what()));
  }
  fmt::print("wrote {} dense GEMM shapes, {} grouped GEMM shapes and {} MoE cases to {}\n", lists.dense.size(),
             lists.grouped.size(), lists.moe.size(), o.out);
}

}  // namespace

// ---- validate --reference ----------------------------------------------------------------
void run_validate_reference(const std::string& dir, const std::string& device_name, bool json) {
  er::ReferenceValidation v;
  hw::DeviceConfig device;
  try {
    std::string name = device_name;
    if (name.empty()) {
      const auto gpu = er::measured_device_name(dir);
      const auto matched = er::device_for_gpu_name(gpu);
      if (!matched)
        throw InputError(fmt::format("--reference {}: no device file matches the GPU '{}'; give --device",
                                         io::bounded_quote(dir), io::bounded_quote(gpu)));
      name = *matched;
    }
    device = hw::load_device(name);
    v = er::validate_against_reference(device, dir);
  } catch (const io::DataFileError& e) {
    throw InputError(e.what());
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (v.rows.empty())
    throw InputError(fmt::format("--reference {}: no timed result the model predicts ({} skipped)",
                                     io::bounded_quote(dir), v.skipped.size()));
  if (json) {
    nlohmann::ordered_json j;
    j["reference"] = dir;
    j["measured_device"] = v.measured_device;
    j["device"] = device.name;
    j["rows"] = nlohmann::ordered_json::array();
    for (const auto& r : v.rows)
      j["rows"].push_back({{"file", r.file}, {"operator", r.op}, {"shape", r.shape}, {"measured_us", r.measured_us},
                           {"predicted_us", r.predicted_us}, {"error_percent", r.error_percent()}});
    j["skipped"] = nlohmann::ordered_json::array();
    for (const auto& s : v.skipped) j["skipped"].push_back({{"file", s.file}, {"operator", s.op}, {"reason", s.reason}});
    j["warnings"] = v.warnings;
    j["mape_percent"] = v.mape_percent();
    j["max_abs_error_percent"] = v.max_abs_error_percent();
    std::cout << j.dump(2) << "\n";
    return;
  }
  fmt::print("Measured on {} ({}), predicted with device {} ({})\n", v.measured_device, dir, device.name,
             device.file.string());
  for (const auto& w : v.warnings) fmt::print("  warning: {}\n", w);
  fmt::print("  {:<20} {:<18} {:<44} {:>12} {:>12} {:>8}\n", "file", "operator", "shape", "measured_us", "predicted_us",
             "error");
  for (const auto& r : v.rows)
    fmt::print("  {:<20} {:<18} {:<44} {:>12.2f} {:>12.2f} {:>+7.1f}%\n", r.file.substr(0, 20), r.op, r.shape.substr(0, 44),
               r.measured_us, r.predicted_us, r.error_percent());
  fmt::print("  MAPE {:.2f}%, largest error {:.1f}% over {} results ({} not predicted: numerics runs, copies, "
             "unsupported)\n",
             v.mape_percent(), v.max_abs_error_percent(), v.rows.size(), v.skipped.size());
}

void add_reference_commands(CLI::App& app) {
  CLI::App* numerics = app.get_subcommand("numerics");
  {
    auto o = std::make_shared<InputsOptions>();
    CLI::App* c = numerics->add_subcommand(
        "inputs", "Writes the input sets for the GPU numerics probes (reference_gpu/probe): dot-product sets "
                  "(random rows with non-zero c, long chained K, FP8 subnormals, exponent gaps, cancellation, "
                  "NaN and infinity) and FP8 GEMM cases for cuBLASLt");
    c->add_option("--out", o->out, "folder to create (must not exist or be empty)")->required()->check(non_empty_path());
    c->add_option("--rows", o->sets.rows, "rows of each random set (edge-case sets are a fraction of it)")
        ->capture_default_str();
    add_seed_option(c, o->sets.seed, "random seed");
    c->callback([o] { run_inputs(*o); });
  }
  {
    auto o = std::make_shared<CheckOptions>();
    CLI::App* c = numerics->add_subcommand(
        "check", "Compares GPU outputs (reference_gpu probe results, or the published tensor-core files) with the "
                 "emulator bit for bit");
    c->add_option("--reference", o->reference, "folder of GPU outputs")->required();
    c->add_option("--threads", o->threads, "worker threads for the GEMM emulation")->check(CLI::Range(1, 256));
    c->add_flag("--json", o->json, "JSON output");
    c->callback([o] { run_check(*o); });
  }
  {
    CLI::App* reference = app.add_subcommand("reference", "Inputs for the reference_gpu programs");
    reference->require_subcommand(1);
    auto o = std::make_shared<ShapesOptions>();
    CLI::App* c = reference->add_subcommand(
        "shapes", "Writes the GEMM shape lists and MoE cases the GPU benchmarks run (reference_gpu/shapes)");
    c->add_option("--published", o->published, "folder with deepgemm_dense_fp8_gemm.csv (../shared/reference/h800)")
        ->required();
    c->add_option("--out", o->out, "folder for the CSV files")->required()->check(non_empty_path());
    add_seed_option(c, o->seed, "routing seed of the workload shapes");
    c->callback([o] { run_shapes(*o); });
  }
}

}  // namespace codesim::cli
