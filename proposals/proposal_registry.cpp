#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "proposals/proposal.hpp"

namespace codesim::proposals {

void Proposal::validate_parameter(const std::string& parameter, const std::string& value) const {
  (void)value;
  throw std::invalid_argument("proposal " + name() + " has no parameter '" + parameter + "'");
}

std::string ProposalInstance::spec() const {
  std::string s = proposal->name();
  char sep = ':';
  for (const auto& [k, v] : values) {
    s += sep + k + "=" + v;
    sep = ',';
  }
  return s;
}

const ProposalRegistry& ProposalRegistry::instance() {
  static const ProposalRegistry registry;
  return registry;
}

const Proposal* ProposalRegistry::find(std::string_view name) const {
  const ProposalKind* kind = registry::NamedRegistry<ProposalKind>::instance().find(name);
  return kind == nullptr ? nullptr : kind->proposal.get();
}

std::vector<const Proposal*> ProposalRegistry::all() const {
  std::vector<const Proposal*> out;
  if (const Proposal* b = find("baseline")) out.push_back(b);
  for (const ProposalKind* k : registry::NamedRegistry<ProposalKind>::instance().all())
    if (k->name != "baseline") out.push_back(k->proposal.get());
  return out;
}

ProposalInstance ProposalRegistry::parse(std::string_view spec) const {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  ProposalInstance inst;
  inst.proposal = find(name);
  if (inst.proposal == nullptr) {
    std::string known;
    for (const Proposal* p : all()) known += (known.empty() ? "" : ", ") + p->name();
    throw std::invalid_argument("unknown proposal '" + std::string(name) + "' (known: " + known + ")");
  }
  const auto params = inst.proposal->parameters();
  for (const auto& p : params) inst.values[p.name] = p.default_value;
  if (colon == std::string_view::npos) return inst;
  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = item.find('=');
    std::string key;
    std::string value;
    if (eq == std::string_view::npos) {
      if (params.size() != 1)
        throw std::invalid_argument("proposal " + inst.proposal->name() + ": write parameters as key=value, got '" +
                                    std::string(item) + "'");
      key = params.front().name;
      value = std::string(item);
    } else {
      key = std::string(item.substr(0, eq));
      value = std::string(item.substr(eq + 1));
    }
    inst.proposal->validate_parameter(key, value);
    inst.values[key] = value;
  }
  return inst;
}

int parse_int_parameter(const Proposal& p, const std::string& parameter, const std::string& value, int lo, int hi) {
  int v = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  if (r.ec != std::errc{} || r.ptr != value.data() + value.size() || v < lo || v > hi)
    throw std::invalid_argument("proposal " + p.name() + ": parameter " + parameter + " = '" + value +
                                "' is not a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

namespace {
std::string number_text(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}
}  // namespace

double parse_number_parameter(const Proposal& p, const std::string& parameter, const std::string& value, double lo,
                              double hi) {
  double v = 0.0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  if (r.ec != std::errc{} || r.ptr != value.data() + value.size() || !std::isfinite(v) || v < lo || v > hi)
    throw std::invalid_argument("proposal " + p.name() + ": parameter " + parameter + " = '" + value +
                                "' is not a number in " + number_text(lo) + ".." + number_text(hi));
  return v;
}

}  // namespace codesim::proposals
