// Independent scores: every router logit i.i.d. N(0, 1). This is the assumption behind the
// routing statistics of ../shared/notes/deepseek-v3.md §B.1 (3.97 nodes per token under EP64):
// every expert equally popular, load imbalance from sampling noise only.
#include "workloads/routing/normal_ziggurat.hpp"
#include "workloads/routing/random_stream.hpp"
#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {
namespace {

class IndependentScores final : public ScoreGenerator {
 public:
  explicit IndependentScores(std::uint64_t seed) : seed_(seed) {}
  void logits(std::uint64_t token, std::span<float> out) const override {
    RandomStream rng(seed_, token);
    NormalZiggurat::instance().fill(out, rng);
  }

 private:
  std::uint64_t seed_;
};

const ScoreGeneratorRegistrar registrar{ScoreGeneratorKind{
    "independent", "every logit i.i.d. N(0,1): all experts equally popular", false,
    [](const ScoreOptions& o) -> std::unique_ptr<ScoreGenerator> { return std::make_unique<IndependentScores>(o.seed); }}};

}  // namespace
}  // namespace codesim::workloads
