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

// Logits for the shape tests: normal, or rounded to a few values so that equal logits and
// equal group scores (the tie rule, and the gate's fallbacks for them) come up often.
std::vector<float> shape_logits(std::mt19937_64& rng, std::size_t n, bool coarse) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> logits(n);
  for (auto& x : logits) x = coarse ? std::round(normal(rng) * 2.0f) / 2.0f : normal(rng);
  return logits;
}

// The DeepSeek-V3 gate has fast paths for its own shape (8 groups of 32, 4 kept, top-8) and
// for other group shapes; all must give the literal rule's experts, ties included.
TEST(DeepSeekV3Gate, EveryGroupShapeMatchesTheLiteralRuleTiesIncluded) {
  struct Shape {
    int experts, groups, topk_groups, k;
  };
  for (const Shape shape : {Shape{256, 8, 4, 8}, Shape{256, 8, 4, 6}, Shape{128, 8, 4, 8}, Shape{64, 4, 2, 4},
                            Shape{256, 8, 3, 6}, Shape{512, 16, 4, 8}, Shape{256, 8, 2, 8}, Shape{96, 8, 4, 8}}) {
    auto m = load_model("deepseek-v3");
    m.routed_experts = shape.experts;
    m.router.groups = shape.groups;
    m.router.topk_groups = shape.topk_groups;
    m.experts_per_token = shape.k;
    SCOPED_TRACE(std::to_string(shape.experts) + " experts in " + std::to_string(shape.groups) + " groups");
    std::mt19937_64 rng(static_cast<std::uint64_t>(shape.experts * 31 + shape.k));
    for (int trial = 0; trial < 3000; ++trial) {
      const auto logits = shape_logits(rng, static_cast<std::size_t>(shape.experts), trial % 2 == 1);
      const auto want = reference_deepseek(logits, shape.groups, shape.topk_groups, 2, shape.k, 2.5);
      ASSERT_EQ(run_gate(m, logits).experts, want.experts) << "trial " << trial;
    }
  }
}

// choose() routes many tokens at once (the gate may overlap their work); it must give what
// route() gives for each token.
TEST(Gates, ChooseManyTokensEqualsRouteOneByOne) {
  for (const char* name : {"deepseek-v3", "kimi-k2", "qwen3-235b-a22b", "mixtral-8x22b"}) {
    SCOPED_TRACE(name);
    const auto m = load_model(name);
    const auto gate = GateRegistry::instance().at(m.router.gate).make(m);
    const auto e = static_cast<std::size_t>(m.routed_experts);
    const auto k = static_cast<std::size_t>(m.experts_per_token);
    std::mt19937_64 rng(3);
    for (const std::size_t tokens : {std::size_t{1}, std::size_t{2}, std::size_t{17}, std::size_t{300}}) {
      std::vector<float> logits;
      for (std::size_t t = 0; t < tokens; ++t) {
        const auto one = shape_logits(rng, e, t % 3 == 2);
        logits.insert(logits.end(), one.begin(), one.end());
      }
      std::vector<int> together(tokens * k);
      gate->choose(logits, tokens, together);
      for (std::size_t t = 0; t < tokens; ++t) {
        std::vector<int> alone(k);
        std::vector<float> w(k);
        gate->route(std::span<const float>(logits).subspan(t * e, e), {}, alone, w);
        ASSERT_EQ(std::vector<int>(together.begin() + static_cast<std::ptrdiff_t>(t * k),
                                   together.begin() + static_cast<std::ptrdiff_t>((t + 1) * k)),
                  alone)
            << tokens << " tokens, token " << t;
      }
    }
  }
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
