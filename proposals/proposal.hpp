#pragma once
// A hardware proposal: a named change to the modelled GPU. Each proposal lives in one file
// of this folder and registers itself (ProposalRegistrar, on the generic registry of
// emulator/registry/), so adding one touches no existing file. The hooks below are the
// interfaces the core exposes; a proposal overrides the ones it changes.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/kernels/communication_features.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/numerics/gemm_recipe.hpp"
#include "emulator/registry/named_registry.hpp"

namespace codesim::proposals {

struct ProposalParameter {
  std::string name;
  std::string description;
  std::string default_value;
  std::string range;  ///< human-readable valid range, e.g. "1..60"
};

using ParameterValues = std::map<std::string, std::string>;

class Proposal {
 public:
  Proposal() = default;
  Proposal(const Proposal&) = delete;
  Proposal& operator=(const Proposal&) = delete;
  virtual ~Proposal() = default;

  [[nodiscard]] virtual std::string name() const = 0;
  /// One paragraph: what changes in the hardware and why.
  [[nodiscard]] virtual std::string summary() const = 0;
  /// Where the proposal comes from (paper and section).
  [[nodiscard]] virtual std::string source() const = 0;
  [[nodiscard]] virtual std::vector<ProposalParameter> parameters() const { return {}; }

  /// Numerics side: the FP8 GEMM recipe the proposal implies (nullopt: numerics unchanged).
  /// `values` holds every declared parameter (defaults filled in), already validated.
  [[nodiscard]] virtual std::optional<numerics::GemmRecipe> gemm_recipe(const ParameterValues& values) const {
    (void)values;
    return std::nullopt;
  }

  /// Timing side: how the proposal changes the way operators become kernels (default: not at all).
  virtual void adjust_lowering(kernels::LoweringFeatures& features, const ParameterValues& values) const {
    (void)features;
    (void)values;
  }

  /// Communication side: how the proposal changes the all-to-all kernels and links (default:
  /// not at all). `features` arrives as the scenario declares it (its communication SMs).
  virtual void adjust_communication(kernels::CommunicationFeatures& features, const ParameterValues& values) const {
    (void)features;
    (void)values;
  }

  /// Checks one parameter value; throws std::invalid_argument naming the parameter and value.
  virtual void validate_parameter(const std::string& parameter, const std::string& value) const;
};

/// A proposal with its parameter values, as written on a command line:
/// `name`, `name:value` (single-parameter proposals) or `name:key=value[,key=value...]`.
struct ProposalInstance {
  const Proposal* proposal = nullptr;
  ParameterValues values;
  [[nodiscard]] std::string spec() const;
};

/// A registered proposal: the catalogue entry of the generic registry (emulator/registry/),
/// named after the proposal itself.
struct ProposalKind {
  explicit ProposalKind(std::unique_ptr<const Proposal> p) : name(p->name()), proposal(std::move(p)) {}
  std::string name;
  std::unique_ptr<const Proposal> proposal;
};

/// Registers a proposal at static-initialisation time, in the proposal's own file:
/// `const ProposalRegistrar registered{ProposalKind{std::make_unique<X>()}};`
/// A duplicate name throws std::logic_error.
using ProposalRegistrar = registry::NamedRegistrar<ProposalKind>;

/// The proposals as the rest of the emulator sees them: a view of
/// registry::NamedRegistry<ProposalKind> with baseline first and command-line parsing.
class ProposalRegistry {
 public:
  static const ProposalRegistry& instance();
  [[nodiscard]] const Proposal* find(std::string_view name) const;
  /// All proposals, baseline first, then by name.
  [[nodiscard]] std::vector<const Proposal*> all() const;
  /// Parses a spec; throws std::invalid_argument for unknown names or parameters and bad values.
  [[nodiscard]] ProposalInstance parse(std::string_view spec) const;
};

/// Parses a whole number parameter within [lo, hi]; throws naming the proposal and parameter.
int parse_int_parameter(const Proposal& p, const std::string& parameter, const std::string& value, int lo, int hi);
/// As parse_int_parameter, for a finite number in [lo, hi].
double parse_number_parameter(const Proposal& p, const std::string& parameter, const std::string& value, double lo,
                              double hi);

}  // namespace codesim::proposals
