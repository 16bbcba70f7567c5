// codesim numerics dot | convert | gemm
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/cli/line_reader.hpp"
#include "emulator/cli/numerics_text.hpp"
#include "emulator/cli/seed_option.hpp"
#include "emulator/io/work_limit.hpp"
#include "emulator/numerics/block_fma.hpp"
#include "emulator/numerics/gemm.hpp"
#include "proposals/proposal.hpp"

namespace codesim::cli {
namespace {

using namespace codesim::numerics;

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

FloatFormat format_option(const std::string& option, const std::string& value) {
  const auto f = parse_format(value);
  if (!f)
    throw InputError(option + " '" + value + "': unknown format (presets: " + joined(preset_format_names()) +
                     ", or eXmY)");
  return *f;
}

// ---- dot -------------------------------------------------------------------------------
struct DotOptions {
  std::string model;
  std::string out = "fp32";
  std::string in;
  std::string input = "-";
};

void run_dot(const DotOptions& o) {
  const auto cfg = block_fma_preset(o.model);
  if (!cfg) throw InputError("--model '" + o.model + "': unknown model (known: " + joined(block_fma_preset_names()) + ")");
  const std::string in_name = o.in.empty() ? cfg->input_formats.front() : o.in;
  if (std::find(cfg->input_formats.begin(), cfg->input_formats.end(), in_name) == cfg->input_formats.end())
    throw InputError("--in '" + in_name + "': model " + o.model + " takes " + joined(cfg->input_formats));
  if (o.out == "fp16" && !cfg->fp16_output) throw InputError("--out fp16: model " + o.model + " has no FP16 output");
  const FloatFormat in = *parse_format(in_name);
  const BlockFmaModel model(*cfg, in, o.out == "fp16" ? OutputFormat::kFp16 : OutputFormat::kFp32);
  LineReader reader(o.input);
  const std::string out = dot_product_lines(reader, model, in);
  std::cout << out;  // all or nothing: a bad line anywhere means no results at all
}

// ---- convert ---------------------------------------------------------------------------
struct ConvertOptions {
  std::string to;
  std::string round = "rne";
  bool saturate = false;
  std::string input = "-";
};

void run_convert(const ConvertOptions& o) {
  const FloatFormat to = format_option("--to", o.to);
  const Rounding rounding = o.round == "rz" ? Rounding::kTowardZero : Rounding::kNearestEven;
  LineReader reader(o.input);
  const std::string out = converted_lines(reader, to, rounding, o.saturate);
  std::cout << out;
}

// ---- gemm ------------------------------------------------------------------------------
struct GemmOptions {
  int m = 64;
  int n = 64;
  int k = 4096;
  std::string in = "e4m3";
  std::string recipe;
  std::string proposal;
  std::string dist = "normal";
  std::uint64_t seed = 1;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  bool json = false;
};

void run_gemm_command(const GemmOptions& o) {
  if (o.recipe.empty() == o.proposal.empty()) throw InputError("give exactly one of --recipe and --proposal");
  GemmRecipe recipe;
  std::string label;
  if (!o.recipe.empty()) {
    try {
      recipe = parse_gemm_recipe(o.recipe);
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string("--recipe: ") + e.what());
    }
  } else {
    proposals::ProposalInstance inst;
    try {
      inst = proposals::ProposalRegistry::instance().parse(o.proposal);
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string("--proposal: ") + e.what());
    }
    const auto r = inst.proposal->gemm_recipe(inst.values);
    if (!r) throw InputError("--proposal " + o.proposal + ": this proposal does not change GEMM numerics");
    recipe = *r;
    label = inst.spec();
  }
  GemmProblem p;
  p.m = o.m;
  p.n = o.n;
  p.k = o.k;
  p.input = format_option("--in", o.in);
  p.distribution = o.dist == "uniform" ? Distribution::kUniform : Distribution::kNormal;
  p.seed = o.seed;
  GemmResult r;
  try {
    io::kMaxEmulatedMacs.check(fmt::format("--m {} --n {} --k {}", p.m, p.n, p.k),
                               static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k));
    r = run_gemm(p, recipe, o.threads);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  const GemmErrorStats& s = r.error;
  if (o.json) {
    nlohmann::ordered_json j;
    j["m"] = p.m;
    j["n"] = p.n;
    j["k"] = p.k;
    j["in"] = p.input.name;
    j["recipe"] = recipe.name;
    if (!label.empty()) j["proposal"] = label;
    j["scaling"] = recipe.scaling == GemmScaling::kBlockwise ? "1x128+128x128" : "per-tensor";
    j["promote_interval"] = recipe.promote_interval;
    j["dist"] = to_string(p.distribution);
    j["seed"] = p.seed;
    j["max_abs_err_over_mean_abs_ref"] = s.max_abs_err_over_mean_abs_ref;
    j["frobenius_rel_err"] = s.frobenius_rel_err;
    j["max_elementwise_rel_err"] = s.max_elementwise_rel_err;
    j["max_abs_err"] = s.max_abs_err;
    j["mean_abs_ref"] = s.mean_abs_ref;
    std::cout << j.dump() << "\n";
    return;
  }
  fmt::print("recipe {}{}: {}\n", recipe.name, label.empty() ? "" : " (proposal " + label + ")", recipe.summary);
  fmt::print("M={} N={} K={} in={} dist={} seed={}\n", p.m, p.n, p.k, p.input.name, to_string(p.distribution), p.seed);
  fmt::print("error against the exact product of the dequantised quantised inputs:\n");
  fmt::print("  max_abs_err_over_mean_abs_ref  {:.4e}\n", s.max_abs_err_over_mean_abs_ref);
  fmt::print("  frobenius_rel_err              {:.4e}\n", s.frobenius_rel_err);
  fmt::print("  max_elementwise_rel_err        {:.4e}\n", s.max_elementwise_rel_err);
}

}  // namespace

void add_numerics_commands(CLI::App& app) {
  CLI::App* numerics = app.add_subcommand("numerics", "Bit-accurate tensor-core arithmetic");
  numerics->require_subcommand(1);

  auto dot = std::make_shared<DotOptions>();
  CLI::App* d = numerics->add_subcommand(
      "dot", "Dot products on a modelled tensor core. Each input line: K values of a, K of b, then c, as "
             "binary32 hex (8 digits); prints the result as binary32 hex. K longer than the model's block "
             "chains blocks in order (a short last block is zero-filled).");
  d->add_option("--model", dot->model, "tensor-core model: " + joined(block_fma_preset_names()))->required();
  d->add_option("--out", dot->out, "output format")->check(CLI::IsMember({"fp32", "fp16"}));
  d->add_option("--in", dot->in, "input format (FP8 models: e4m3 or e5m2; default: the model's first)");
  d->add_option("--input", dot->input, "input file (default: standard input)");
  d->callback([dot] { run_dot(*dot); });

  auto cv = std::make_shared<ConvertOptions>();
  CLI::App* c = numerics->add_subcommand(
      "convert", "Converts binary32 values (hex, one per line) to a format; prints the encoded bits in hex");
  c->add_option("--to", cv->to, "target format: " + joined(preset_format_names()) + " or eXmY")->required();
  c->add_option("--round", cv->round, "rounding")->check(CLI::IsMember({"rne", "rz"}));
  c->add_flag("--saturate", cv->saturate, "clamp overflow to the largest finite value");
  c->add_option("--input", cv->input, "input file (default: standard input)");
  c->callback([cv] { run_convert(*cv); });

  auto g = std::make_shared<GemmOptions>();
  CLI::App* gm = numerics->add_subcommand(
      "gemm", "Emulates an FP8 GEMM under a recipe on random inputs and reports its error against the exact "
              "product of the dequantised quantised inputs");
  gm->add_option("--m", g->m, "rows of A and D")->capture_default_str();
  gm->add_option("--n", g->n, "rows of B (columns of D)")->capture_default_str();
  gm->add_option("--k", g->k, "reduction length")->capture_default_str();
  gm->add_option("--in", g->in, "FP8 input format")->check(CLI::IsMember({"e4m3", "e5m2"}))->capture_default_str();
  gm->add_option("--recipe", g->recipe, "recipe: " + joined(gemm_recipe_forms()));
  gm->add_option("--proposal", g->proposal, "use the recipe of a proposal (see `codesim proposals list`)");
  gm->add_option("--dist", g->dist, "input distribution: normal = N(0,1), uniform = U[0,1)")
      ->check(CLI::IsMember({"normal", "uniform"}))
      ->capture_default_str();
  add_seed_option(gm, g->seed, "random seed");
  gm->add_option("--threads", g->threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 256));
  gm->add_flag("--json", g->json, "print one JSON object");
  gm->callback([g] { run_gemm_command(*g); });
}

}  // namespace codesim::cli
