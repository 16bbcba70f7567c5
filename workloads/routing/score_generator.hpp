#pragma once
// Router logits for synthetic tokens. Real routing is learned and skewed; these generators
// stand in for it with known statistics. Each generator is one class registered by name.
// Token t's logits depend only on (seed, t), so any subset of tokens can be generated in any
// order, or in parallel, and give the same draw.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace codesim::workloads {

struct ScoreOptions {
  std::uint64_t seed = 0;
  int experts = 0;
  double skew = 0.0;  ///< generator-specific; 0 means no skew
};

class ScoreGenerator {
 public:
  ScoreGenerator() = default;
  ScoreGenerator(const ScoreGenerator&) = delete;
  ScoreGenerator& operator=(const ScoreGenerator&) = delete;
  virtual ~ScoreGenerator() = default;
  /// Writes one logit per routed expert for token `token`.
  virtual void logits(std::uint64_t token, std::span<float> out) const = 0;
};

struct ScoreGeneratorKind {
  std::string name;
  std::string summary;
  bool uses_skew = false;
  std::function<std::unique_ptr<ScoreGenerator>(const ScoreOptions&)> make;
};

class ScoreGeneratorRegistry {
 public:
  static ScoreGeneratorRegistry& instance();
  /// "a, b, c": the registered names, for error messages.
  [[nodiscard]] std::string known_names() const;
  void add(ScoreGeneratorKind kind);  ///< throws std::logic_error on a duplicate name
  [[nodiscard]] const ScoreGeneratorKind* find(std::string_view name) const;
  [[nodiscard]] std::vector<const ScoreGeneratorKind*> all() const;

 private:
  std::map<std::string, ScoreGeneratorKind, std::less<>> kinds_;
};

struct ScoreGeneratorRegistrar {
  explicit ScoreGeneratorRegistrar(ScoreGeneratorKind kind) {
    ScoreGeneratorRegistry::instance().add(std::move(kind));
  }
};

}  // namespace codesim::workloads
