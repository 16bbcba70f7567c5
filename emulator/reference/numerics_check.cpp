#include "emulator/reference/numerics_check.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <stdexcept>

#include "emulator/numerics/block_fma.hpp"
#include "emulator/numerics/float_format.hpp"
#include "emulator/numerics/gemm.hpp"
#include "reference_gpu/common/dot_product_files.hpp"
#include "reference_gpu/common/gemm_case_files.hpp"

namespace codesim::emulator_reference {
namespace {

using numerics::FloatFormat;
using numerics::OutputFormat;
using numerics::Rounding;
constexpr std::size_t kMismatchesKept = 5;

bool is_nan32(std::uint32_t bits) { return (bits & 0x7f800000U) == 0x7f800000U && (bits & 0x007fffffU) != 0; }

std::string model_for(const std::string& format) {
  if (format == "e4m3" || format == "e5m2") return "hopper-fp8";
  return "hopper-" + format;  // bf16, fp16, tf32
}

/// One set's inputs, whichever layout it came in, and its d files with their output format.
struct LoadedSet {
  std::filesystem::path dir;
  reference::DotProductSet set;
  std::vector<std::pair<std::filesystem::path, std::string>> d_files;  // file, fp32 | fp16
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

// The published layout: a_<gpu>_<FMT>.txt, b_<gpu>_<FMT>.txt, c_<gpu>_fp32.txt (absent for
// FP8: C = 0), d_<gpu>_fp32.txt and d_<gpu>_fp16.txt (FP16 results widened to binary32).
bool load_published_layout(const std::filesystem::path& dir, LoadedSet& out) {
  std::filesystem::path a_file, b_file, c_file;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".txt") continue;
    if (name.rfind("a_", 0) == 0) a_file = e.path();
    else if (name.rfind("b_", 0) == 0) b_file = e.path();
    else if (name.rfind("c_", 0) == 0) c_file = e.path();
    else if (name.rfind("d_", 0) == 0)
      out.d_files.emplace_back(e.path(), name.find("_fp16") != std::string::npos ? "fp16" : "fp32");
  }
  if (a_file.empty() && b_file.empty() && c_file.empty() && out.d_files.empty()) return false;
  // Part of a set is a damaged copy, never a set to leave out: skipping it would report fewer
  // rows checked as a clean pass.
  std::string missing;
  if (a_file.empty()) missing += " a_<gpu>_<format>.txt";
  if (b_file.empty()) missing += " b_<gpu>_<format>.txt";
  if (out.d_files.empty()) missing += " d_<gpu>_<fp32|fp16>.txt";
  if (!missing.empty())
    throw reference::FormatError(dir.string() + ": an incomplete dot-product set, missing" + missing);
  const std::string stem = a_file.stem().string();  // a_H100_E4M3
  out.set.format = lower(stem.substr(stem.rfind('_') + 1));
  if (out.set.format != "e4m3" && out.set.format != "e5m2" && out.set.format != "bf16" &&
      out.set.format != "fp16" && out.set.format != "tf32")
    throw reference::FormatError(a_file.string() + ": format '" + out.set.format + "' from the file name is not known");
  int k = 0;
  out.set.a = reference::read_hex_rows(a_file, k);
  out.set.k = k;
  out.set.b = reference::read_hex_rows(b_file, k);
  if (out.set.b.size() != out.set.a.size()) throw reference::FormatError(b_file.string() + ": row count differs from a");
  if (!c_file.empty()) {
    out.set.c = reference::read_bit_strings(c_file);
    if (out.set.c.size() != out.set.rows())
      throw reference::FormatError(c_file.string() + ": " + std::to_string(out.set.c.size()) + " rows, " +
                                   a_file.filename().string() + " has " + std::to_string(out.set.rows()));
  }
  return true;
}

std::vector<LoadedSet> load_sets(const std::filesystem::path& root) {
  if (!std::filesystem::is_directory(root)) throw reference::FormatError(root.string() + ": not a folder");
  std::vector<std::filesystem::path> dirs{root};
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<LoadedSet> sets;
  for (const auto& dir : dirs) {
    LoadedSet s;
    s.dir = dir;
    if (std::filesystem::exists(dir / "info.txt") && std::filesystem::exists(dir / "a.txt")) {
      s.set = reference::read_dot_product_set(dir);
      for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("d", 0) == 0 && e.path().extension() == ".txt") s.d_files.emplace_back(e.path(), "fp32");
      }
    } else if (!load_published_layout(dir, s)) {
      continue;
    }
    std::sort(s.d_files.begin(), s.d_files.end());
    sets.push_back(std::move(s));
  }
  return sets;
}

}  // namespace

std::vector<DotFileCheck> check_dot_sets(const std::filesystem::path& root) {
  std::vector<DotFileCheck> checks;
  for (const auto& s : load_sets(root)) {
    const auto in = numerics::parse_format(s.set.format);
    const auto cfg = numerics::block_fma_preset(model_for(s.set.format));
    if (!in || !cfg) throw std::invalid_argument(s.dir.string() + ": no tensor-core model for " + s.set.format);
    // Decode the inputs once: a and b are binary32 patterns exactly representable in the format.
    const auto decode = [&](const std::vector<std::uint32_t>& v) {
      std::vector<std::uint64_t> codes(v.size());
      for (std::size_t i = 0; i < v.size(); ++i)
        codes[i] = numerics::convert(v[i], FloatFormat::fp32(), *in, Rounding::kTowardZero, false);
      return codes;
    };
    const auto a = decode(s.set.a);
    const auto b = decode(s.set.b);
    const std::size_t rows = s.set.rows();
    const auto k = static_cast<std::size_t>(s.set.k);
    for (const auto& [file, output] : s.d_files) {
      if (output == "fp16" && !cfg->fp16_output) continue;
      const numerics::BlockFmaModel model(*cfg, *in, output == "fp16" ? OutputFormat::kFp16 : OutputFormat::kFp32);
      const auto d = reference::read_bit_strings(file);
      if (d.size() != rows)
        throw reference::FormatError(file.string() + ": " + std::to_string(d.size()) + " results for " +
                                     std::to_string(rows) + " rows");
      DotFileCheck c;
      c.set = s.dir;
      c.d_file = file.filename().string();
      c.model = cfg->name;
      c.format = s.set.format;
      c.output = output;
      c.k = s.set.k;
      c.rows = rows;
      for (std::size_t r = 0; r < rows; ++r) {
        const std::uint32_t expected =
            model.dot(std::span(a).subspan(r * k, k), std::span(b).subspan(r * k, k), s.set.has_c() ? s.set.c[r] : 0U);
        if (expected == d[r]) continue;
        ++c.mismatches;
        if (is_nan32(expected) && is_nan32(d[r])) ++c.nan_payload_only;
        if (c.first.size() < kMismatchesKept) c.first.push_back({r, expected, d[r]});
      }
      checks.push_back(std::move(c));
    }
  }
  return checks;
}

namespace {

numerics::QuantisedMatrix to_quantised(const std::vector<std::uint8_t>& codes, int rows, int cols,
                                       const FloatFormat& fmt, int group_rows, int group_cols,
                                       const std::vector<float>& scales) {
  numerics::QuantisedMatrix q;
  q.data = numerics::DecodedFp8(rows, cols, fmt, codes);
  q.group_rows = group_rows;
  q.group_cols = group_cols;
  q.scale_cols = (cols + group_cols - 1) / group_cols;
  q.scales = scales;
  return q;
}

/// The candidate recipes that can run the case's K: a per-tensor case needs K only in 16s
/// (cuBLASLt's rule), but a recipe reads whole MMAs (32) and promotion intervals. Throws
/// FormatError naming the case's info.txt when none can.
std::vector<numerics::GemmRecipe> candidates_for(const reference::GemmCase& gc, const std::filesystem::path& dir) {
  std::vector<numerics::GemmRecipe> all;
  if (gc.scaling == "per-tensor") all.push_back(numerics::fast_accum_recipe());
  for (const int interval : {32, 64, 128}) {
    auto r = numerics::promote_recipe(interval);
    if (gc.scaling == "per-tensor") {
      r.scaling = numerics::GemmScaling::kPerTensor;
      r.name += " (per-tensor scales)";
    }
    all.push_back(r);
  }
  std::vector<numerics::GemmRecipe> recipes;
  for (const auto& r : all)
    if (gc.k % r.k_multiple() == 0) recipes.push_back(r);
  if (recipes.empty())
    throw reference::FormatError((dir / "info.txt").string() + ": k " + std::to_string(gc.k) +
                                 ": no candidate recipe runs it (the emulator's MMA takes K in 32s)");
  return recipes;
}

}  // namespace

std::vector<GemmFileCheck> check_gemm_cases(const std::filesystem::path& root, unsigned threads) {
  std::vector<GemmFileCheck> checks;
  for (const auto& dir : reference::find_gemm_cases(root)) {
    const auto gc = reference::read_gemm_case(dir);
    const auto fmt = *numerics::parse_format(gc.format);
    const bool blockwise = gc.scaling == "blockwise";
    const auto a = to_quantised(gc.a, gc.m, gc.k, fmt, blockwise ? 1 : gc.m, blockwise ? 128 : gc.k, gc.a_scale);
    const auto b = to_quantised(gc.b, gc.n, gc.k, fmt, blockwise ? 128 : gc.n, blockwise ? 128 : gc.k, gc.b_scale);
    std::map<std::string, std::vector<float>> emulated;  // computed on first use
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("d_", 0) != 0 || e.path().extension() != ".txt") continue;
      GemmFileCheck c;
      c.case_dir = dir;
      c.mode = e.path().stem().string().substr(2);
      const auto status = reference::read_info_file(e.path());
      c.status = status.count("status") ? status.at("status") : "missing status";
      c.elements = static_cast<std::size_t>(gc.m) * static_cast<std::size_t>(gc.n);
      if (c.status == "ok") {
        auto bin = e.path();
        bin.replace_extension(".bin");
        const auto d = reference::read_f32_file(bin, c.elements);
        for (const auto& recipe : candidates_for(gc, dir)) {
          auto& out = emulated[recipe.name];
          if (out.empty()) out = numerics::emulate_gemm(a, b, recipe, threads);
          GemmCandidateCheck cc;
          cc.recipe = recipe.name;
          for (std::size_t i = 0; i < d.size(); ++i) {
            if (std::bit_cast<std::uint32_t>(d[i]) == std::bit_cast<std::uint32_t>(out[i])) continue;
            ++cc.mismatches;
            const double ref = std::fabs(static_cast<double>(out[i]));
            const double diff = std::fabs(static_cast<double>(d[i]) - static_cast<double>(out[i]));
            cc.max_relative_difference = std::max(cc.max_relative_difference, ref > 0 ? diff / ref : diff);
          }
          c.candidates.push_back(cc);
        }
        std::stable_sort(c.candidates.begin(), c.candidates.end(),
                         [](const auto& x, const auto& y) { return x.mismatches < y.mismatches; });
      }
      checks.push_back(std::move(c));
    }
  }
  std::sort(checks.begin(), checks.end(), [](const auto& x, const auto& y) {
    return std::tie(x.case_dir, x.mode) < std::tie(y.case_dir, y.mode);
  });
  return checks;
}

}  // namespace codesim::emulator_reference
