#include <stdexcept>

#include "workloads/routing/score_generator.hpp"

namespace codesim::workloads {

ScoreGeneratorRegistry& ScoreGeneratorRegistry::instance() {
  static ScoreGeneratorRegistry registry;
  return registry;
}

void ScoreGeneratorRegistry::add(ScoreGeneratorKind kind) {
  const std::string name = kind.name;
  if (!kinds_.emplace(name, std::move(kind)).second)
    throw std::logic_error("score generator '" + name + "' registered twice");
}

const ScoreGeneratorKind* ScoreGeneratorRegistry::find(std::string_view name) const {
  const auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<const ScoreGeneratorKind*> ScoreGeneratorRegistry::all() const {
  std::vector<const ScoreGeneratorKind*> out;
  for (const auto& [n, k] : kinds_) out.push_back(&k);
  return out;
}

std::string ScoreGeneratorRegistry::known_names() const {
  std::string s;
  for (const auto& [n, k] : kinds_) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace codesim::workloads
