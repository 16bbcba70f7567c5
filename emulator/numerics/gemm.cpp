#include "emulator/numerics/gemm.hpp"
#include "emulator/numerics/splitmix.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "emulator/numerics/exact_accumulator.hpp"
#include "emulator/numerics/fp8_mma_step.hpp"

namespace codesim::numerics {
namespace {

constexpr float kAmaxFloor = 1e-4F;  // DeepGEMM's clamp, so an all-zero group gets a finite scale
constexpr long long kMaxElements = 1LL << 26;

double next_unit(std::uint64_t& state) { return splitmix_unit(state); }

struct Scale {  // an FP32 scale as an exact integer significand and exponent
  std::uint64_t significand;
  int exponent;
};
Scale split(float s) {
  const Unpacked u = unpack(std::bit_cast<std::uint32_t>(s), FloatFormat::fp32());
  return Scale{u.significand, u.exponent};
}

/// tc-group-scaling: one MMA that takes the group scales. Each product is multiplied by
/// sa*sb exactly, its alignment exponent grows by the scales' exponents (as block-scaled
/// MMAs add scale exponents, numerics.md §6.4), and the scaled products are fused with C
/// by the recipe's datapath (exact then RNE, or N bits truncated).
float group_scaled_step(const Fp8MmaStep& step, const DecodedFp8& a, std::size_t ai, const DecodedFp8& b,
                        std::size_t bi, float c, float sa, float sb) {
  const BlockFmaConfig& cfg = step.model().config();
  const Scale xa = split(sa);
  const Scale xb = split(sb);
  const UInt128 scale_sig = UInt128{xa.significand} * xb.significand;
  // Scale exponents counted at the binade (hidden-bit) position, like the products'.
  const int scale_align = xa.exponent + 23 + xb.exponent + 23;
  const int scale_lsb = xa.exponent + xb.exponent;
  Term terms[kMmaK + 1];
  std::size_t n = 0;
  for (int k = 0; k < kMmaK; ++k) {
    const std::size_t ka = ai + static_cast<std::size_t>(k);
    const std::size_t kb = bi + static_cast<std::size_t>(k);
    const int p = a.significand[ka] * b.significand[kb];
    if (p == 0) continue;
    terms[n++] = Term{p < 0, static_cast<UInt128>(p < 0 ? -p : p) * scale_sig, a.lsb[ka] + b.lsb[kb] + scale_lsb,
                      a.alignment[ka] + b.alignment[kb] + scale_align};
  }
  if (cfg.frac_bits == kExactAlignment && cfg.fp32_rounding == Rounding::kNearestEven &&
      cfg.fp32_result.man_bits == 23) {  // exact: the scaled products add up to s * sum(products)
    const Int128 sum = Fp8MmaStep::exact_product_sum(a, ai, b, bi, kMmaK);
    const Int128 mag = static_cast<Int128>(static_cast<UInt128>(sum < 0 ? -sum : sum) * scale_sig);
    return exact_sum_rne(sum < 0 ? -mag : mag, a.product_lsb_min + scale_lsb, c);
  }
  if (c != 0.0F) terms[n++] = accumulator_term(std::bit_cast<std::uint32_t>(c));
  const auto r = fuse_terms(std::span<const Term>(terms, n), cfg.frac_bits, cfg.fp32_result, cfg.fp32_rounding);
  return std::bit_cast<float>(
      static_cast<std::uint32_t>(convert(r, cfg.fp32_result, FloatFormat::fp32(), Rounding::kNearestEven, false)));
}

float emulate_one(const Fp8MmaStep& step, const QuantisedMatrix& a, const QuantisedMatrix& b,
                  const GemmRecipe& recipe, int i, int j) {
  const int k_total = a.data.cols;
  const std::size_t ai = static_cast<std::size_t>(i) * static_cast<std::size_t>(k_total);
  const std::size_t bj = static_cast<std::size_t>(j) * static_cast<std::size_t>(k_total);
  if (recipe.scales_in_mma) {
    float acc = 0.0F;
    for (int k = 0; k < k_total; k += kMmaK)
      acc = group_scaled_step(step, a.data, ai + static_cast<std::size_t>(k), b.data,
                              bj + static_cast<std::size_t>(k), acc, a.scale(i, k), b.scale(j, k));
    return acc;
  }
  if (recipe.promote_interval == 0) {  // whole K on the tensor core, one scale at the end
    float acc = 0.0F;
    for (int k = 0; k < k_total; k += kMmaK)
      acc = step(a.data, ai + static_cast<std::size_t>(k), b.data, bj + static_cast<std::size_t>(k), kMmaK, acc);
    return acc * (a.scale(i, 0) * b.scale(j, 0));
  }
  float result = 0.0F;
  for (int g = 0; g < k_total; g += recipe.promote_interval) {
    float acc = 0.0F;  // the first MMA of a group runs with scale-d = 0
    for (int k = g; k < g + recipe.promote_interval; k += kMmaK)
      acc = step(a.data, ai + static_cast<std::size_t>(k), b.data, bj + static_cast<std::size_t>(k), kMmaK, acc);
    const float s = a.scale(i, g) * b.scale(j, g);  // DeepGEMM: scale product first, then one FFMA
    result = std::fma(s, acc, result);
  }
  return result;
}

/// Runs body(row) for every row, split over threads in contiguous bands.
template <typename Body>
void for_rows(int rows, unsigned threads, const Body& body) {
  const unsigned t = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(rows)));
  if (t == 1) {
    for (int r = 0; r < rows; ++r) body(r);
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < t; ++w) {
    const int lo = static_cast<int>(static_cast<long long>(rows) * w / t);
    const int hi = static_cast<int>(static_cast<long long>(rows) * (w + 1) / t);
    pool.emplace_back([lo, hi, &body] {
      for (int r = lo; r < hi; ++r) body(r);
    });
  }
  for (auto& th : pool) th.join();
}

void validate(const GemmProblem& p, const GemmRecipe& recipe) {
  auto fail = [](const std::string& msg) { throw std::invalid_argument(msg); };
  if (p.m < 1 || p.n < 1 || p.k < 1) fail("m, n and k must be at least 1");
  if (static_cast<long long>(p.m) * p.k > kMaxElements || static_cast<long long>(p.n) * p.k > kMaxElements ||
      static_cast<long long>(p.m) * p.n > kMaxElements)
    fail("matrix too large: at most 2^26 elements per operand");
  if (p.k % recipe.k_multiple() != 0)
    fail("k = " + std::to_string(p.k) + " is not a multiple of " + std::to_string(recipe.k_multiple()) +
         " (recipe " + recipe.name +
         (recipe.scaling == GemmScaling::kBlockwise ? " uses 128-element scale groups)" : " uses K=32 MMAs)"));
  const auto& ins = recipe.mma.input_formats;
  if (std::find(ins.begin(), ins.end(), p.input.name) == ins.end())
    fail("input format " + p.input.name + " is not an FP8 format of recipe " + recipe.name);
}

}  // namespace

std::string to_string(Distribution d) { return d == Distribution::kNormal ? "normal" : "uniform"; }

std::vector<float> draw_matrix(int rows, int cols, Distribution d, std::uint64_t& state) {
  std::vector<float> x(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  if (d == Distribution::kUniform) {
    for (auto& v : x) v = static_cast<float>(next_unit(state));
    return x;
  }
  // Marsaglia's polar method: needs only log and sqrt.
  for (std::size_t i = 0; i < x.size();) {
    double u = 0;
    double v = 0;
    double s = 0;
    do {
      u = 2.0 * next_unit(state) - 1.0;
      v = 2.0 * next_unit(state) - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    x[i++] = static_cast<float>(u * f);
    if (i < x.size()) x[i++] = static_cast<float>(v * f);
  }
  return x;
}

QuantisedMatrix quantise(const std::vector<float>& x, int rows, int cols, int group_rows, int group_cols,
                         const FloatFormat& fmt) {
  QuantisedMatrix q;
  q.group_rows = group_rows;
  q.group_cols = group_cols;
  q.scale_cols = (cols + group_cols - 1) / group_cols;
  const int scale_rows = (rows + group_rows - 1) / group_rows;
  q.scales.assign(static_cast<std::size_t>(scale_rows) * static_cast<std::size_t>(q.scale_cols), 0.0F);
  const auto fmt_max = static_cast<float>(to_double(pack_max_finite(false, fmt), fmt));
  std::vector<std::uint8_t> codes(x.size());
  for (int gr = 0; gr < scale_rows; ++gr) {
    for (int gc = 0; gc < q.scale_cols; ++gc) {
      const int r0 = gr * group_rows;
      const int r1 = std::min(rows, r0 + group_rows);
      const int c0 = gc * group_cols;
      const int c1 = std::min(cols, c0 + group_cols);
      float amax = kAmaxFloor;
      for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c)
          amax = std::max(amax, std::fabs(x[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) +
                                           static_cast<std::size_t>(c)]));
      const float up = fmt_max / amax;
      q.scales[static_cast<std::size_t>(gr) * static_cast<std::size_t>(q.scale_cols) +
               static_cast<std::size_t>(gc)] = amax / fmt_max;
      for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) {
          const std::size_t idx = static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) +
                                  static_cast<std::size_t>(c);
          codes[idx] = static_cast<std::uint8_t>(convert(std::bit_cast<std::uint32_t>(x[idx] * up),
                                                         FloatFormat::fp32(), fmt, Rounding::kNearestEven, true));
        }
    }
  }
  q.data = DecodedFp8(rows, cols, fmt, std::move(codes));
  return q;
}

std::vector<float> emulate_gemm(const QuantisedMatrix& a, const QuantisedMatrix& b, const GemmRecipe& recipe,
                                unsigned threads) {
  // Every recipe reads K in whole MMAs, promotion intervals and scale groups.
  if (a.data.cols != b.data.cols || a.data.cols % recipe.k_multiple() != 0)
    throw std::invalid_argument("GEMM operands with K = " + std::to_string(a.data.cols) + " and " +
                                std::to_string(b.data.cols) + ": recipe " + recipe.name + " needs one K, a multiple of " +
                                std::to_string(recipe.k_multiple()));
  const BlockFmaModel model(recipe.mma, a.data.format, OutputFormat::kFp32);
  const Fp8MmaStep step(model);
  const int m = a.data.rows;
  const int n = b.data.rows;
  std::vector<float> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  for_rows(m, threads, [&](int i) {
    for (int j = 0; j < n; ++j)
      out[static_cast<std::size_t>(i) * static_cast<std::size_t>(n) + static_cast<std::size_t>(j)] =
          emulate_one(step, a, b, recipe, i, j);
  });
  return out;
}

GemmResult run_gemm(const GemmProblem& p, const GemmRecipe& recipe, unsigned threads) {
  validate(p, recipe);
  std::uint64_t state = p.seed;
  const std::vector<float> xa = draw_matrix(p.m, p.k, p.distribution, state);
  const std::vector<float> xb = draw_matrix(p.n, p.k, p.distribution, state);
  const bool blockwise = recipe.scaling == GemmScaling::kBlockwise;
  const QuantisedMatrix a = quantise(xa, p.m, p.k, blockwise ? 1 : p.m, blockwise ? kScaleGroup : p.k, p.input);
  const QuantisedMatrix b =
      quantise(xb, p.n, p.k, blockwise ? kScaleGroup : p.n, blockwise ? kScaleGroup : p.k, p.input);

  GemmResult result;
  result.output = emulate_gemm(a, b, recipe, threads);
  const std::size_t total = result.output.size();
  result.reference.assign(total, 0.0);
  std::vector<double> err(total, 0.0);
  for_rows(p.m, threads, [&](int i) {
    const std::size_t ai = static_cast<std::size_t>(i) * static_cast<std::size_t>(p.k);
    for (int j = 0; j < p.n; ++j) {
      const std::size_t bj = static_cast<std::size_t>(j) * static_cast<std::size_t>(p.k);
      ExactAccumulator acc;
      for (int g = 0; g < p.k; g += kScaleGroup) {  // 128-element chunks keep every term in 128 bits
        const int len = std::min(kScaleGroup, p.k - g);
        const Int128 s = Fp8MmaStep::exact_product_sum(a.data, ai + static_cast<std::size_t>(g), b.data,
                                                       bj + static_cast<std::size_t>(g), len);
        if (s == 0) continue;
        const Scale xa_s = split(a.scale(i, g));
        const Scale xb_s = split(b.scale(j, g));
        acc.add(s < 0, static_cast<UInt128>(s < 0 ? -s : s) * (UInt128{xa_s.significand} * xb_s.significand),
                a.data.product_lsb_min + xa_s.exponent + xb_s.exponent);
      }
      const std::size_t o = static_cast<std::size_t>(i) * static_cast<std::size_t>(p.n) + static_cast<std::size_t>(j);
      result.reference[o] = acc.to_double();
      acc.add(-result.output[o]);  // the error D - R is formed exactly, then rounded once
      err[o] = -acc.to_double();
    }
  });

  GemmErrorStats& st = result.error;
  double sum_abs_ref = 0;
  double sum_err2 = 0;
  double sum_ref2 = 0;
  for (std::size_t o = 0; o < total; ++o) {
    const double r = result.reference[o];
    const double e = std::fabs(err[o]);
    st.max_abs_err = std::max(st.max_abs_err, e);
    sum_abs_ref += std::fabs(r);
    sum_err2 += e * e;
    sum_ref2 += r * r;
    if (r != 0.0) st.max_elementwise_rel_err = std::max(st.max_elementwise_rel_err, e / std::fabs(r));
  }
  st.mean_abs_ref = sum_abs_ref / static_cast<double>(total);
  st.max_abs_err_over_mean_abs_ref = st.mean_abs_ref > 0 ? st.max_abs_err / st.mean_abs_ref : 0.0;
  st.frobenius_rel_err = sum_ref2 > 0 ? std::sqrt(sum_err2 / sum_ref2) : 0.0;
  return result;
}

}  // namespace codesim::numerics
