#include <stdexcept>

#include "workloads/routing/gate.hpp"

namespace codesim::workloads {

GateRegistry& GateRegistry::instance() {
  static GateRegistry registry;
  return registry;
}

void GateRegistry::add(GateKind kind) {
  const std::string name = kind.name;
  if (!kinds_.emplace(name, std::move(kind)).second) throw std::logic_error("gate '" + name + "' registered twice");
}

const GateKind* GateRegistry::find(std::string_view name) const {
  const auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::string GateRegistry::known_names() const {
  std::string s;
  for (const auto& [n, k] : kinds_) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace codesim::workloads
