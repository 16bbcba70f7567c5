#pragma once
// The router's expert choice for one token ("gate"). Each gate is one class registered by
// name; a model file names its gate, so a model with a new routing rule adds one file here
// and touches nothing else.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/registry/named_registry.hpp"
#include "workloads/config/model_config.hpp"

namespace codesim::workloads {

class Gate {
 public:
  Gate() = default;
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  virtual ~Gate() = default;
  /// Chooses experts for one token. `logits` has one router logit per routed expert;
  /// `bias` is the per-expert selection bias (same size, may be all zero). Writes the chosen
  /// expert ids to `experts` and their gating weights to `weights` (both of size top-k), in
  /// descending order of selection score, ties to the lower expert id. `weights` may be empty:
  /// then only the experts are chosen (the same ones), and no weight is computed.
  virtual void route(std::span<const float> logits, std::span<const float> bias, std::span<int> experts,
                     std::span<float> weights) const = 0;
  /// The experts of `tokens` tokens at once, without bias or weights: token t's logits are
  /// logits[t * E, t * E + E) (E = logits.size() / tokens) and its experts go to
  /// experts[t * k, t * k + k) (k = experts.size() / tokens), exactly as route() chooses them.
  /// A gate may override it to work on several tokens at a time.
  virtual void choose(std::span<const float> logits, std::size_t tokens, std::span<int> experts) const {
    const std::size_t e = tokens == 0 ? 0 : logits.size() / tokens;
    const std::size_t k = tokens == 0 ? 0 : experts.size() / tokens;
    for (std::size_t t = 0; t < tokens; ++t) route(logits.subspan(t * e, e), {}, experts.subspan(t * k, k), {});
  }
};

/// A router setting that a gate cannot work with: the field (a JSON path in the model file,
/// e.g. "/moe/router/groups"), its value and why.
struct RouterProblem {
  std::string field;
  std::string value;
  std::string why;
};

struct GateKind {
  std::string name;
  std::string summary;
  /// Checks the model's router for this gate; nullopt when it is usable.
  std::function<std::optional<RouterProblem>(const ModelConfig&)> check;
  std::function<std::unique_ptr<Gate>(const ModelConfig&)> make;
};

using GateRegistry = registry::NamedRegistry<GateKind>;
using GateRegistrar = registry::NamedRegistrar<GateKind>;

}  // namespace codesim::workloads
