#include "emulator/reference/numerics_input_sets.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

#include "emulator/io/atomic_file.hpp"
#include "emulator/numerics/float_format.hpp"
#include "emulator/numerics/gemm.hpp"
#include "emulator/numerics/splitmix.hpp"

namespace codesim::emulator_reference {
namespace {

using numerics::FloatFormat;
using numerics::Rounding;
using reference::DotProductSet;
using reference::GemmCase;

constexpr std::uint32_t kNanBits = 0x7fc00000U;
constexpr std::uint32_t kInfBits = 0x7f800000U;
constexpr std::uint32_t kSignBit = 0x80000000U;

// splitmix64, so that a seed gives the same files on every platform.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return numerics::splitmix_next(state_); }
  double unit() { return numerics::splitmix_unit(state_); }
  int integer(int lo, int hi) {  // uniform in [lo, hi]
    if (hi < lo) throw std::logic_error("Draw::integer: empty range");
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool coin(double p = 0.5) { return unit() < p; }
  double normal() {  // Box-Muller on two open-interval uniforms
    const double u = (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53;
    const double v = unit();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  std::uint64_t state_;
};

std::uint32_t f32_bits(double x) { return std::bit_cast<std::uint32_t>(static_cast<float>(x)); }

/// binary32 pattern of the value of `x` rounded to nearest even in `fmt` (saturating).
std::uint32_t representable(double x, const FloatFormat& fmt) {
  const std::uint64_t code = numerics::convert(f32_bits(x), FloatFormat::fp32(), fmt, Rounding::kNearestEven, true);
  return static_cast<std::uint32_t>(numerics::convert(code, fmt, FloatFormat::fp32(), Rounding::kNearestEven, false));
}

/// binary32 pattern of an FP8/BF16 code.
std::uint32_t code_bits(std::uint64_t code, const FloatFormat& fmt) {
  return static_cast<std::uint32_t>(numerics::convert(code, fmt, FloatFormat::fp32(), Rounding::kNearestEven, false));
}

const FloatFormat& format_named(const std::string& name) {
  if (name == "e4m3") return FloatFormat::e4m3();
  if (name == "e5m2") return FloatFormat::e5m2();
  return FloatFormat::bf16();
}

/// A value of magnitude around 1 (a normal draw times 2^[-spread, spread]) in the format.
std::uint32_t around_one(Draw& d, const FloatFormat& fmt, int spread) {
  return representable(d.normal() * std::ldexp(1.0, d.integer(-spread, spread)), fmt);
}

/// A non-zero binary32 accumulator input: normal draw times 2^[lo, hi].
std::uint32_t accumulator(Draw& d, int lo, int hi) {
  double x = 0;
  while (x == 0) x = d.normal();
  return f32_bits(x * std::ldexp(1.0, d.integer(lo, hi)));
}

DotProductSet empty_set(const std::string& format, int k, std::size_t rows, std::string description, bool with_c) {
  DotProductSet s;
  s.format = format;
  s.k = k;
  s.description = std::move(description);
  s.a.assign(rows * static_cast<std::size_t>(k), 0);
  s.b.assign(rows * static_cast<std::size_t>(k), 0);
  if (with_c) s.c.assign(rows, 0);
  return s;
}

DotProductSet random_set(Draw& d, const std::string& format, int k, std::size_t rows, bool with_c, int spread,
                         std::string description) {
  const auto& fmt = format_named(format);
  auto s = empty_set(format, k, rows, std::move(description), with_c);
  for (auto& v : s.a) v = around_one(d, fmt, spread);
  for (auto& v : s.b) v = around_one(d, fmt, spread);
  for (auto& c : s.c) c = accumulator(d, -12, 12);
  return s;
}

// FP8 subnormals take part in products: codes with exponent field 0 half the time.
DotProductSet subnormal_set(Draw& d, const std::string& format, std::size_t rows) {
  const auto& fmt = format_named(format);
  auto s = empty_set(format, 32, rows, "FP8 subnormal and smallest-normal operands, small non-zero c", true);
  const int man = fmt.man_bits;
  const auto draw = [&] {
    const std::uint64_t sign = d.coin() ? (1ULL << (fmt.exp_bits + man)) : 0;
    const std::uint64_t exp_field = d.coin() ? 0 : static_cast<std::uint64_t>(d.integer(1, 3));
    const std::uint64_t frac = static_cast<std::uint64_t>(d.integer(0, (1 << man) - 1));
    return code_bits(sign | (exp_field << man) | frac, fmt);
  };
  for (auto& v : s.a) v = draw();
  for (auto& v : s.b) v = draw();
  for (auto& c : s.c) c = d.coin(0.2) ? 0U : accumulator(d, -24, -12);
  return s;
}

// One large product and small ones a chosen number of binades below it, with c at either end:
// the alignment window (13 bits on Hopper FP8) and shifts past 31 bits.
DotProductSet exponent_gap_set(Draw& d, const std::string& format, std::size_t rows) {
  const auto& fmt = format_named(format);
  auto s = empty_set(format, 32, rows, "products and c separated by 0 to 40 binades", true);
  const int lo = fmt.min_exponent() - fmt.man_bits;  // smallest subnormal exponent
  const int hi = fmt.max_exponent();
  for (std::size_t r = 0; r < rows; ++r) {
    const int big_lane = d.integer(0, 31);
    for (int k = 0; k < 32; ++k) {
      const std::size_t i = r * 32 + static_cast<std::size_t>(k);
      const int ea = k == big_lane ? d.integer(hi - 4, hi) : d.integer(lo, lo + 8);
      const int eb = k == big_lane ? d.integer(0, hi / 2) : d.integer(lo, lo + 8);
      s.a[i] = representable((d.coin() ? -1.0 : 1.0) * (1.0 + d.unit()) * std::ldexp(1.0, ea), fmt);
      s.b[i] = d.coin(0.3) ? 0U : representable((1.0 + d.unit()) * std::ldexp(1.0, eb), fmt);
    }
    const int gap = d.integer(0, 40);
    const int c_exponent = d.coin() ? gap : -gap;  // c far above or far below the products
    s.c[r] = d.coin(0.25) ? 0U : accumulator(d, c_exponent, c_exponent);
  }
  return s;
}

// Products that cancel exactly in pairs, plus a small residual, and c near minus the sum:
// massive cancellation, where truncation at alignment and the sign of zero show.
DotProductSet cancellation_set(Draw& d, const std::string& format, std::size_t rows) {
  const auto& fmt = format_named(format);
  auto s = empty_set(format, 32, rows, "pairwise exactly cancelling products, small residuals, c near -sum", true);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t base = r * 32;
    double sum = 0;
    for (int k = 0; k < 16; ++k) {
      const auto a = around_one(d, fmt, 3);
      const auto b = around_one(d, fmt, 3);
      s.a[base + static_cast<std::size_t>(k)] = a;
      s.b[base + static_cast<std::size_t>(k)] = b;
      const bool cancel = d.coin(0.8);
      // The partner lane holds -a * b (exact) or a small residual product.
      s.a[base + 16 + static_cast<std::size_t>(k)] = cancel ? (a ^ kSignBit) : around_one(d, fmt, 3);
      s.b[base + 16 + static_cast<std::size_t>(k)] = cancel ? b : representable(std::ldexp(d.normal(), -10), fmt);
      sum += static_cast<double>(std::bit_cast<float>(s.a[base + 16 + static_cast<std::size_t>(k)])) *
                 static_cast<double>(std::bit_cast<float>(s.b[base + 16 + static_cast<std::size_t>(k)])) +
             (cancel ? 0.0 : static_cast<double>(std::bit_cast<float>(a)) * static_cast<double>(std::bit_cast<float>(b)));
    }
    const int shape = d.integer(0, 3);
    if (shape == 0) s.c[r] = 0;
    else if (shape == 1) s.c[r] = f32_bits(-sum);  // c cancels the rest to rounding
    else if (shape == 2) s.c[r] = f32_bits(-sum * (1 + std::ldexp(d.normal(), -12)));
    else s.c[r] = accumulator(d, -20, -8);
  }
  return s;
}

// NaN and infinities where the format has them, in a, b and c, and Inf * 0, +Inf + -Inf.
DotProductSet special_set(Draw& d, const std::string& format, int k, std::size_t rows) {
  const auto& fmt = format_named(format);
  auto s = random_set(d, format, k, rows, true, 2, "NaN and infinity in a, b or c (where the format has them)");
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t base = r * static_cast<std::size_t>(k);
    const auto lane = [&] { return base + static_cast<std::size_t>(d.integer(0, k - 1)); };
    switch (d.integer(0, 6)) {
      case 0: s.a[lane()] = kNanBits; break;
      case 1: s.b[lane()] = kNanBits | (d.coin() ? kSignBit : 0U); break;
      case 2: s.c[r] = kNanBits; break;
      case 3: s.c[r] = kInfBits | (d.coin() ? kSignBit : 0U); break;
      case 4:
        if (fmt.has_inf) {  // Inf times a finite value, or Inf * 0
          const auto i = lane();
          s.a[i] = kInfBits | (d.coin() ? kSignBit : 0U);
          if (d.coin()) s.b[i] = 0;
        } else {
          s.c[r] = kInfBits;
        }
        break;
      case 5:
        if (fmt.has_inf) {  // +Inf and -Inf products in one block
          s.a[base] = kInfBits;
          s.a[base + 1] = kInfBits | kSignBit;
          s.b[base] = s.b[base + 1] = representable(1.0, fmt);
        } else {
          s.a[lane()] = kNanBits;
        }
        break;
      default: {  // largest finite values: the biggest products the format can make
        const auto max = code_bits(numerics::pack_max_finite(false, fmt), fmt);
        for (int j = 0; j < k; ++j) s.a[base + static_cast<std::size_t>(j)] = s.b[base + static_cast<std::size_t>(j)] = max;
        s.c[r] = d.coin() ? 0U : f32_bits(3.0e38);
      }
    }
  }
  return s;
}

// numerics.md §8.4: single-instruction vectors whose predicted result separates the hypotheses
// (13 vs 14 bits, truncation vs rounding at alignment, one 32-block vs two 16-blocks, C in the
// maximum exponent, unnormalised product exponents). Each with its C, with C = 0 where it had
// one, and in both sign mirror images.
DotProductSet edge_vector_set() {
  struct Vec {
    std::vector<std::pair<int, std::pair<double, double>>> lanes;  // lane -> (a, b)
    double c;
  };
  const double e6 = std::ldexp(1.0, -6), e7 = std::ldexp(1.0, -7), e8 = std::ldexp(1.0, -8);
  const std::vector<Vec> vecs = {
      {{}, 1.0 + std::ldexp(1.0, -23)},                                          // T1
      {{}, -(1.0 + std::ldexp(1.0, -13) + std::ldexp(1.0, -14))},                // T1b
      {{{0, {1, 1}}, {1, {e6, e7}}}, 0},                                         // T2
      {{{0, {1, 1}}, {1, {e6, e8}}}, 0},                                         // T2b
      {{{0, {1, 1}}, {1, {1.5 * e6, e8}}}, 0},                                   // T3
      {{{0, {1, 1}}, {1, {-e6, e8}}}, 0},                                        // T4
      {{{0, {1, 1}}, {1, {1, 1}}, {2, {e6, e7}}, {3, {e6, e6}}}, 0},             // T5
      {{{0, {e6, e8}}, {1, {e6, e8}}, {16, {1, 1}}}, 0},                         // T6
      {{{0, {e6, e8}}, {2, {e6, e8}}, {1, {1, 1}}}, 0},                          // T6b
      {{{0, {1, 1}}, {1, {0.25, 0.25}}}, 1024},                                  // T7
      {{{0, {1.5, 1.5}}, {1, {-1.5, 1}}, {2, {e6, e7}}}, 0},                     // T8
  };
  const auto& fmt = FloatFormat::e4m3();
  auto s = empty_set("e4m3", 32, 0, "numerics.md 8.4 vectors T1-T8, with and without C, both signs", true);
  for (const auto& v : vecs) {
    for (const double c : {v.c, v.c == 0 ? 1.0 : 0.0}) {
      for (const double sign : {1.0, -1.0}) {
        std::vector<std::uint32_t> a(32, 0), b(32, 0);
        for (const auto& [lane, ab] : v.lanes) {
          a[static_cast<std::size_t>(lane)] = representable(sign * ab.first, fmt);
          b[static_cast<std::size_t>(lane)] = representable(ab.second, fmt);
        }
        s.a.insert(s.a.end(), a.begin(), a.end());
        s.b.insert(s.b.end(), b.begin(), b.end());
        s.c.push_back(f32_bits(sign * c));
      }
    }
  }
  return s;
}

}  // namespace

std::vector<NamedDotProductSet> make_dot_product_sets(const InputSetOptions& o) {
  if (o.rows < 64 || o.rows > 10'000'000)
    throw std::invalid_argument("--rows " + std::to_string(o.rows) + ": must be between 64 and 10000000");
  const auto n = static_cast<std::size_t>(o.rows);
  Draw d(o.seed);
  std::vector<NamedDotProductSet> sets;
  const auto add = [&](std::string name, DotProductSet s) { sets.push_back({std::move(name), std::move(s)}); };
  add("e4m3-random-c", random_set(d, "e4m3", 32, n, true, 3, "random E4M3 around 1, non-zero random c"));
  add("e4m3-random-zero-c", random_set(d, "e4m3", 32, n, false, 3, "random E4M3 around 1, no c (scale-d 0)"));
  add("e5m2-random-c", random_set(d, "e5m2", 32, n, true, 6, "random E5M2, non-zero random c"));
  add("e4m3-chained-k4096",
      random_set(d, "e4m3", 4096, std::max<std::size_t>(64, n / 50), true, 3, "128 chained k32 instructions, c"));
  add("e5m2-chained-k1024",
      random_set(d, "e5m2", 1024, std::max<std::size_t>(64, n / 50), false, 3, "32 chained instructions, first scale-d 0"));
  add("e4m3-subnormals", subnormal_set(d, "e4m3", n / 4));
  add("e5m2-subnormals", subnormal_set(d, "e5m2", n / 4));
  add("e4m3-exponent-gaps", exponent_gap_set(d, "e4m3", n / 4));
  add("e4m3-cancellation", cancellation_set(d, "e4m3", n / 4));
  add("e4m3-special", special_set(d, "e4m3", 32, std::max<std::size_t>(64, n / 20)));
  add("e5m2-special", special_set(d, "e5m2", 32, std::max<std::size_t>(64, n / 20)));
  add("e4m3-edge-vectors", edge_vector_set());
  add("bf16-random-c", random_set(d, "bf16", 16, n, true, 3, "random BF16 around 1, non-zero random c"));
  add("bf16-chained-k256",
      random_set(d, "bf16", 256, std::max<std::size_t>(64, n / 20), true, 3, "16 chained k16 instructions, c"));
  add("bf16-special", special_set(d, "bf16", 16, std::max<std::size_t>(64, n / 20)));
  return sets;
}

std::vector<GemmCase> make_gemm_cases(std::uint64_t seed) {
  using numerics::Distribution;
  const auto& e4m3 = FloatFormat::e4m3();
  std::uint64_t state = seed;
  std::vector<GemmCase> cases;
  // Per-tensor: one power-of-two scale per operand, so the order in which cuBLASLt applies the
  // scales cannot change a bit; what remains is the accumulation (FAST_ACCUM on or off).
  for (const auto& [m, n, k] : {std::tuple{128, 256, 4096}, std::tuple{64, 128, 16384}}) {
    GemmCase c;
    c.m = m, c.n = n, c.k = k;
    c.name = "per-tensor-m" + std::to_string(m) + "-n" + std::to_string(n) + "-k" + std::to_string(k);
    c.scaling = "per-tensor";
    c.description = "N(0,1) data, power-of-two per-tensor scales";
    for (auto [rows, codes, scale] : {std::tuple{m, &c.a, &c.a_scale}, std::tuple{n, &c.b, &c.b_scale}}) {
      const auto x = numerics::draw_matrix(rows, k, Distribution::kNormal, state);
      float amax = 0;
      for (const float v : x) amax = std::max(amax, std::fabs(v));
      // The smallest power of two that maps amax inside E4M3's 448.
      const float s = std::ldexp(1.0F, static_cast<int>(std::ceil(std::log2(amax / 448.0F))));
      codes->resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        (*codes)[i] = static_cast<std::uint8_t>(numerics::convert(f32_bits(x[i] / s), FloatFormat::fp32(), e4m3,
                                                                  Rounding::kNearestEven, true));
      *scale = {s};
    }
    cases.push_back(std::move(c));
  }
  // Blockwise: DeepSeek's quantisation (1x128 activations, 128x128 weights) with its FP32 scales.
  for (const auto& [m, n, k] : {std::tuple{128, 256, 4096}, std::tuple{128, 128, 7168}}) {
    GemmCase c;
    c.m = m, c.n = n, c.k = k;
    c.name = "blockwise-m" + std::to_string(m) + "-n" + std::to_string(n) + "-k" + std::to_string(k);
    c.scaling = "blockwise";
    c.description = "N(0,1) data quantised as DeepSeek-V3 does (1x128 activations, 128x128 weights)";
    const auto xa = numerics::draw_matrix(m, k, Distribution::kNormal, state);
    const auto xb = numerics::draw_matrix(n, k, Distribution::kNormal, state);
    const auto qa = numerics::quantise(xa, m, k, 1, 128, e4m3);
    const auto qb = numerics::quantise(xb, n, k, 128, 128, e4m3);
    c.a = qa.data.bits;
    c.b = qb.data.bits;
    c.a_scale = qa.scales;
    c.b_scale = qb.scales;
    cases.push_back(std::move(c));
  }
  return cases;
}

void write_numerics_inputs(const std::filesystem::path& out, const InputSetOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_empty(out, ec))
    throw std::runtime_error(out.string() + ": exists and is not empty; remove it or choose another folder");
  // Built in a hidden sibling named after this process, `.<name>.partial-<pid>`, so that the
  // partial folder of a run that was killed is told from one still being written, and removed
  // by the next run.
  auto absolute = std::filesystem::absolute(out).lexically_normal();
  while (!absolute.has_filename() && absolute.has_relative_path()) absolute = absolute.parent_path();  // "x/"
  const auto parent = absolute.has_parent_path() ? absolute.parent_path() : std::filesystem::path(".");
  std::string prefix = ".";  // appended: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string
  prefix += absolute.filename().string();
  prefix += ".partial-";
  io::remove_stale_work_folders(parent, prefix);
  const auto partial = parent / (prefix + std::to_string(static_cast<long long>(::getpid())));
  std::filesystem::remove_all(partial, ec);
  try {
    for (const auto& s : make_dot_product_sets(options)) reference::write_dot_product_set(partial / "dot" / s.name, s.set);
    for (const auto& c : make_gemm_cases(options.seed)) reference::write_gemm_case(partial / "gemm" / c.name, c);
    std::filesystem::remove(out, ec);  // an empty folder may be replaced
    std::filesystem::rename(partial, out);
  } catch (...) {
    std::filesystem::remove_all(partial, ec);
    throw;
  }
}

}  // namespace codesim::emulator_reference
