// The gates against a literal, sort-based transcription of the published rules
// (DeepSeek-V3 inference/model.py Gate; HF Mixtral/Qwen3-MoE routing), on random logits, and
// on hand-made cases where the group limit changes the answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "workloads/config/workload_catalog.hpp"
#include "workloads/routing/gate.hpp"

namespace codesim::workloads {
namespace {

struct Choice {
  std::vector<int> experts;
  std::vector<double> weights;
};

// Sorts everything, as torch.topk would, ties to the lower index.
std::vector<int> order_desc(const std::vector<double>& v) {
  std::vector<int> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return v[static_cast<std::size_t>(a)] > v[static_cast<std::size_t>(b)]; });
  return idx;
}

Choice reference_deepseek(const std::vector<float>& logits, int groups, int topk_groups, int group_top, int k,
                          double scale) {
  const std::size_t n = logits.size();
  std::vector<double> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i])));
  std::vector<double> masked = s;
  if (groups > 1) {
    const std::size_t per = n / static_cast<std::size_t>(groups);
    std::vector<double> gscore(static_cast<std::size_t>(groups));
    for (std::size_t g = 0; g < gscore.size(); ++g) {
      std::vector<double> v(s.begin() + static_cast<std::ptrdiff_t>(g * per), s.begin() + static_cast<std::ptrdiff_t>((g + 1) * per));
      std::sort(v.rbegin(), v.rend());
      gscore[g] = std::accumulate(v.begin(), v.begin() + group_top, 0.0);
    }
    const auto go = order_desc(gscore);
    std::vector<bool> keep(static_cast<std::size_t>(groups), false);
    for (int j = 0; j < topk_groups; ++j) keep[static_cast<std::size_t>(go[static_cast<std::size_t>(j)])] = true;
    for (std::size_t i = 0; i < n; ++i)
      if (!keep[i / per]) masked[i] = -INFINITY;
  }
  const auto eo = order_desc(masked);
  Choice c;
  double sum = 0;
  for (int j = 0; j < k; ++j) {
    c.experts.push_back(eo[static_cast<std::size_t>(j)]);
    sum += s[static_cast<std::size_t>(eo[static_cast<std::size_t>(j)])];
  }
  for (const int e : c.experts) c.weights.push_back(s[static_cast<std::size_t>(e)] / sum * scale);
  return c;
}

Choice run_gate(const ModelConfig& m, const std::vector<float>& logits) {
  const auto gate = GateRegistry::instance().at(m.router.gate).make(m);
  Choice c;
  std::vector<int> e(static_cast<std::size_t>(m.experts_per_token));
  std::vector<float> w(e.size());
  gate->route(logits, {}, e, w);
  c.experts = e;
  for (const float x : w) c.weights.push_back(x);
  return c;
}

TEST(DeepSeekV3Gate, MatchesTheLiteralRuleOnRandomLogits) {
  const auto m = load_model("deepseek-v3");
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<float> logits(256);
    for (auto& x : logits) x = normal(rng);
    const auto want = reference_deepseek(logits, 8, 4, 2, 8, 2.5);
    const auto got = run_gate(m, logits);
    ASSERT_EQ(got.experts, want.experts) << "trial " << trial;
    for (std::size_t j = 0; j < 8; ++j) EXPECT_NEAR(got.weights[j], want.weights[j], 1e-5);
  }
}

TEST(DeepSeekV3Gate, NeverLeavesTheFourBestGroups) {
  // Group 0 holds the single best expert, but its second-best is weak; groups 1-4 have two
  // good experts each. The group score (sum of the top two) keeps groups 1-4 and drops the
  // best single expert: the rule limits the token to four groups (nodes in training).
  const auto m = load_model("deepseek-v3");
  std::vector<float> logits(256, -6.0f);
  logits[0] = 6.0f;
  for (int g = 1; g <= 4; ++g) {
    logits[static_cast<std::size_t>(g * 32)] = 2.0f;
    logits[static_cast<std::size_t>(g * 32 + 1)] = 1.5f;
  }
  const auto got = run_gate(m, logits);
  EXPECT_EQ(std::count(got.experts.begin(), got.experts.end(), 0), 0);
  for (const int e : got.experts) EXPECT_TRUE(e / 32 >= 1 && e / 32 <= 4) << e;
  double sum = 0;
  for (const double w : got.weights) sum += w;
  EXPECT_NEAR(sum, 2.5, 1e-5);  // normalised, then scaled by routed_scaling_factor
}

TEST(DeepSeekV3Gate, TiesGoToTheLowerExpert) {
  const auto m = load_model("deepseek-v3");
  const std::vector<float> logits(256, 0.0f);
  const auto got = run_gate(m, logits);
  EXPECT_EQ(got.experts, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(SoftmaxTopKGate, MatchesSoftmaxThenTopKThenRenormalise) {
  const auto m = load_model("qwen3-235b-a22b");
  std::mt19937_64 rng(11);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<float> logits(128);
    for (auto& x : logits) x = normal(rng);
    std::vector<double> p(128);
    double z = 0;
    for (std::size_t i = 0; i < 128; ++i) z += p[i] = std::exp(static_cast<double>(logits[i]));
    for (auto& x : p) x /= z;
    const auto order = order_desc(p);
    double chosen = 0;
    for (int j = 0; j < 8; ++j) chosen += p[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
    const auto got = run_gate(m, logits);
    for (std::size_t j = 0; j < 8; ++j) {
      ASSERT_EQ(got.experts[j], order[j]);
      EXPECT_NEAR(got.weights[j], p[static_cast<std::size_t>(order[j])] / chosen, 1e-5);
    }
  }
}

}  // namespace
}  // namespace codesim::workloads
