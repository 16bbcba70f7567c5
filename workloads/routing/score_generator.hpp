#pragma once
// Router logits for synthetic tokens. Real routing is learned and skewed; these generators
// stand in for it with known statistics. Each generator is one class registered by name.
// Token t's logits depend only on (seed, t), so any subset of tokens can be generated in any
// order, or in parallel, and give the same draw.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/registry/named_registry.hpp"

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

using ScoreGeneratorRegistry = registry::NamedRegistry<ScoreGeneratorKind>;
using ScoreGeneratorRegistrar = registry::NamedRegistrar<ScoreGeneratorKind>;

}  // namespace codesim::workloads
