// Score generators: the Zipf generator's top choice follows Zipf(skew) exactly (Gumbel-max
// theorem), checked by frequency; the independent generator's logits are N(0, 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "workloads/routing/normal_ziggurat.hpp"
#include "workloads/routing/random_stream.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {
namespace {

std::vector<double> top_choice_frequencies(const std::string& name, double skew, int experts, int tokens) {
  const auto gen = ScoreGeneratorRegistry::instance().at(name).make({17, experts, skew});
  std::vector<double> count(static_cast<std::size_t>(experts), 0.0);
  std::vector<float> logits(static_cast<std::size_t>(experts));
  for (int t = 0; t < tokens; ++t) {
    gen->logits(static_cast<std::uint64_t>(t), logits);
    ++count[static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin())];
  }
  for (auto& c : count) c /= tokens;
  std::sort(count.rbegin(), count.rend());
  return count;
}

TEST(ZipfScores, TopChoiceIsZipfDistributed) {
  const int experts = 16;
  const int tokens = 200'000;
  for (const double skew : {0.0, 0.8, 1.5}) {
    SCOPED_TRACE(skew);
    const auto freq = top_choice_frequencies("zipf", skew, experts, tokens);
    double z = 0;
    for (int r = 1; r <= experts; ++r) z += std::pow(r, -skew);
    for (int r = 1; r <= experts; ++r) {
      const double p = std::pow(r, -skew) / z;
      // 5 standard errors of a binomial proportion (sorting adds a little bias at skew 0).
      EXPECT_NEAR(freq[static_cast<std::size_t>(r - 1)], p, 5 * std::sqrt(p * (1 - p) / tokens) + 0.002) << r;
    }
  }
}

TEST(ZipfScores, PopularityOrderDependsOnTheSeedOnly) {
  const auto a = ScoreGeneratorRegistry::instance().at("zipf").make({1, 64, 1.0});
  const auto b = ScoreGeneratorRegistry::instance().at("zipf").make({2, 64, 1.0});
  std::vector<double> sa(64, 0.0);
  std::vector<double> sb(64, 0.0);
  std::vector<float> l(64);
  for (int t = 0; t < 20000; ++t) {
    a->logits(static_cast<std::uint64_t>(t), l);
    sa[static_cast<std::size_t>(std::max_element(l.begin(), l.end()) - l.begin())] += 1;
    b->logits(static_cast<std::uint64_t>(t), l);
    sb[static_cast<std::size_t>(std::max_element(l.begin(), l.end()) - l.begin())] += 1;
  }
  EXPECT_NE(std::max_element(sa.begin(), sa.end()) - sa.begin(), std::max_element(sb.begin(), sb.end()) - sb.begin());
}

TEST(IndependentScores, LogitsAreStandardNormalAndReproducible) {
  const auto gen = ScoreGeneratorRegistry::instance().at("independent").make({5, 256, 0.0});
  std::vector<float> l(256);
  double sum = 0;
  double sq = 0;
  double below_one = 0;
  double beyond_3_5 = 0;  // the ziggurat's tail, past its base layer edge 3.44
  const int tokens = 4000;
  for (int t = 0; t < tokens; ++t) {
    gen->logits(static_cast<std::uint64_t>(t), l);
    for (const float x : l) {
      sum += x;
      sq += static_cast<double>(x) * x;
      below_one += x < 1.0f ? 1 : 0;
      beyond_3_5 += std::abs(x) > 3.5f ? 1 : 0;
    }
  }
  const double n = 256.0 * tokens;
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(sq / n, 1.0, 0.01);
  EXPECT_NEAR(below_one / n, 0.841345, 0.003);  // Phi(1)
  const double tail = 2 * 2.326291e-4;            // 2 (1 - Phi(3.5))
  EXPECT_NEAR(beyond_3_5 / n, tail, 5 * std::sqrt(tail / n));
  std::vector<float> again(256);
  gen->logits(123, l);
  gen->logits(123, again);
  EXPECT_EQ(l, again);
}

// The ziggurat's exact values are pinned: routing draws (and the shape lists committed under
// reference_gpu/shapes, which tests/reference checks against the generator) depend on every
// bit of them. The digests were computed with the original one-value-at-a-time
// implementation; the vectorised one, whatever the machine's instruction set, must give the
// same values and leave the stream at the same word, for even, odd and multi-block sizes.
TEST(NormalZiggurat, ValuesAndStreamPositionArePinned) {
  const std::pair<std::size_t, std::uint64_t> pinned[] = {
      {1, 0x494193fa3c4aacedULL},   {2, 0x9a136b058faa686cULL},   {7, 0xe6223c5263e81ff1ULL},
      {64, 0x1f1d9c2293a37a10ULL},  {255, 0x837f5592269a0c89ULL}, {256, 0x63def354868f105eULL},
      {257, 0x4088a39140bc04e6ULL}, {384, 0x314ad2e723f5cb4aULL}, {513, 0x3aebf39cedbb9022ULL},
  };
  for (const auto& [n, digest] : pinned) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the values' bits and the next word
    std::vector<float> v(n);
    for (std::uint64_t t = 0; t < 200; ++t) {
      RandomStream rng(5, t);
      NormalZiggurat::instance().fill(v, rng);
      for (const float x : v) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &x, sizeof bits);
        h = (h ^ bits) * 1099511628211ULL;
      }
      h = (h ^ rng.next_u64()) * 1099511628211ULL;
    }
    EXPECT_EQ(h, digest) << n << " values";
  }
}

}  // namespace
}  // namespace codesim::workloads
