// The numerics report's data (declared in reports/numerics_report.hpp): the options checked,
// every recipe x distribution x K run on the emulator, DeepSeek-V3's observation read off.
#include "reports/numerics_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

namespace codesim::reports {
namespace {

using numerics::Distribution;
using numerics::GemmErrorStats;
using numerics::GemmRecipe;

// The two recipes of DeepSeek-V3's observation.
constexpr std::string_view kFastAccum = "fast-accum";
constexpr std::string_view kPromote128 = "promote:128";

}  // namespace

const GemmErrorStats* NumericsReportTable::find(std::string_view recipe, Distribution d, int k) const {
  for (const auto& p : points)
    if (p.recipe == recipe && p.distribution == d && p.k == k) return &p.error;
  return nullptr;
}

const GemmErrorStats& NumericsReportTable::at(std::string_view recipe, Distribution d, int k) const {
  if (const GemmErrorStats* e = find(recipe, d, k)) return *e;
  throw std::out_of_range(fmt::format("numerics report: no point for recipe '{}', {} inputs, K = {}", recipe,
                                      numerics::to_string(d), k));
}

NumericsHeadline NumericsReportTable::headline() const {
  NumericsHeadline h;
  const GemmErrorStats* fast = find(kFastAccum, Distribution::kNormal, kHeadlineK);
  const GemmErrorStats* promoted = find(kPromote128, Distribution::kNormal, kHeadlineK);
  if (fast == nullptr || promoted == nullptr) return h;
  h.measured = true;
  h.fast_accum = fast->max_abs_err_over_mean_abs_ref;
  h.promote_128 = promoted->max_abs_err_over_mean_abs_ref;
  h.ratio = h.promote_128 > 0 ? h.fast_accum / h.promote_128
                              : (h.fast_accum > 0 ? std::numeric_limits<double>::infinity() : 1.0);
  h.about_two_percent = h.fast_accum >= kAboutTwoPercentLow && h.fast_accum <= kAboutTwoPercentHigh;
  h.ten_times_lower = h.ratio >= 10;
  return h;
}

NumericsReportOptions normalise_options(const NumericsReportOptions& options) {
  NumericsReportOptions o = options;
  if (o.m <= 0 || o.n <= 0)
    throw std::invalid_argument(fmt::format("numerics report: M and N must be positive (got M = {}, N = {})", o.m, o.n));
  if (o.threads == 0) throw std::invalid_argument("numerics report: threads must be at least 1");
  if (o.ks.empty()) throw std::invalid_argument("numerics report: no K values");
  if (o.recipes.empty()) throw std::invalid_argument("numerics report: no recipes");
  std::sort(o.ks.begin(), o.ks.end());
  o.ks.erase(std::unique(o.ks.begin(), o.ks.end()), o.ks.end());
  if (o.ks.front() <= 0)
    throw std::invalid_argument(fmt::format("numerics report: K must be positive (got {})", o.ks.front()));
  std::vector<std::string> names;
  for (const auto& text : o.recipes) {
    GemmRecipe r;
    try {
      r = numerics::parse_gemm_recipe(text);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("numerics report: ") + e.what());
    }
    if (std::find(names.begin(), names.end(), r.name) != names.end())
      throw std::invalid_argument("numerics report: recipe '" + r.name + "' is listed twice");
    for (const int k : o.ks)
      if (k % r.k_multiple() != 0)
        throw std::invalid_argument(fmt::format("numerics report: K = {} is not a multiple of {}, as recipe '{}' needs",
                                                k, r.k_multiple(), r.name));
    names.push_back(r.name);
  }
  o.recipes = std::move(names);
  return o;
}

NumericsReportTable compute_numerics_report(const NumericsReportOptions& options) {
  NumericsReportTable t;
  t.options = normalise_options(options);
  t.distributions = {Distribution::kNormal, Distribution::kUniform};
  for (const auto& name : t.options.recipes) t.recipes.push_back(numerics::parse_gemm_recipe(name));
  for (const auto& recipe : t.recipes)
    for (const Distribution d : t.distributions)
      for (const int k : t.options.ks) t.points.push_back(NumericsReportPoint{recipe.name, d, k, {}});

  // The points are independent: workers take them largest K first (the costliest), each run
  // on the remaining threads. Every point's figures are the same whatever thread runs it.
  std::vector<std::size_t> order(t.points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&t](std::size_t a, std::size_t b) { return t.points[a].k > t.points[b].k; });
  const unsigned workers =
      static_cast<unsigned>(std::min<std::size_t>(t.options.threads, std::max<std::size_t>(order.size(), 1)));
  const unsigned inner_threads = std::max(1U, t.options.threads / workers);
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&]() {
    for (std::size_t j = next.fetch_add(1); j < order.size(); j = next.fetch_add(1)) {
      NumericsReportPoint& p = t.points[order[j]];
      const auto recipe_index = static_cast<std::size_t>(order[j] / (t.distributions.size() * t.options.ks.size()));
      try {
        const numerics::GemmProblem problem{t.options.m, t.options.n, p.k, numerics::FloatFormat::e4m3(),
                                            p.distribution, t.options.seed};
        p.error = numerics::run_gemm(problem, t.recipes[recipe_index], inner_threads).error;
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = order.size();  // stop the others early
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
  }
  if (error) std::rethrow_exception(error);
  return t;
}

}  // namespace codesim::reports
