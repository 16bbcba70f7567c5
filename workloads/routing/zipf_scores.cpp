// Skewed expert popularity. Experts get popularity ranks r = 1..E from a seeded permutation
// (so the hot experts land anywhere in the cluster), and token logits are
//   logit_e = Gumbel noise - skew * ln(r_e).
// By the Gumbel-max theorem the arg-max of these logits is expert e with probability
// proportional to r_e^-skew (Zipf with exponent `skew`), and the top-k logits are k draws
// without replacement with those weights; skew 0 makes every expert equally popular.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "workloads/routing/random_stream.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {
namespace {

class ZipfScores final : public ScoreGenerator {
 public:
  explicit ZipfScores(const ScoreOptions& o) : seed_(o.seed), offset_(static_cast<std::size_t>(o.experts)) {
    // Fisher-Yates with a stream of its own (stream index all-ones is never a token).
    std::vector<int> rank(offset_.size());
    std::iota(rank.begin(), rank.end(), 1);
    RandomStream rng(o.seed, ~std::uint64_t{0});
    for (std::size_t i = rank.size(); i > 1; --i) std::swap(rank[i - 1], rank[rng.next_u64() % i]);
    for (std::size_t e = 0; e < offset_.size(); ++e)
      offset_[e] = static_cast<float>(-o.skew * std::log(static_cast<double>(rank[e])));
  }
  void logits(std::uint64_t token, std::span<float> out) const override {
    RandomStream rng(seed_, token);
    for (std::size_t e = 0; e < out.size(); ++e) out[e] = static_cast<float>(rng.next_gumbel()) + offset_[e];
  }

 private:
  std::uint64_t seed_;
  std::vector<float> offset_;
};

const ScoreGeneratorRegistrar registrar{ScoreGeneratorKind{
    "zipf",
    "Gumbel logits offset by -skew*ln(rank): the top choice is Zipf(skew)-distributed over a "
    "seeded popularity order",
    true, [](const ScoreOptions& o) -> std::unique_ptr<ScoreGenerator> { return std::make_unique<ZipfScores>(o); }}};

}  // namespace
}  // namespace codesim::workloads
