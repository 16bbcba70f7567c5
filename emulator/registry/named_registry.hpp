#pragma once
// One catalogue for every pluggable kind (gates, score generators, proposals, network
// backends, collectives, reports): implementations register by name at static-initialisation
// time, so adding one is one new file that touches nothing else. Kind is a struct with a
// `name` member.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace codesim::registry {

template <typename Kind>
class NamedRegistry {
 public:
  static NamedRegistry& instance() {
    static NamedRegistry registry;
    return registry;
  }
  /// Throws std::logic_error on a duplicate name.
  void add(Kind kind) {
    const std::string name = kind.name;
    if (!kinds_.emplace(name, std::move(kind)).second) throw std::logic_error("'" + name + "' registered twice");
  }
  [[nodiscard]] const Kind* find(std::string_view name) const {
    const auto it = kinds_.find(name);
    return it == kinds_.end() ? nullptr : &it->second;
  }
  /// A name already checked by the caller; throws std::logic_error if it is missing.
  [[nodiscard]] const Kind& at(std::string_view name) const {
    const auto it = kinds_.find(name);
    if (it == kinds_.end()) throw std::logic_error("'" + std::string(name) + "' is not registered");
    return it->second;
  }
  /// All kinds, by name.
  [[nodiscard]] std::vector<const Kind*> all() const {
    std::vector<const Kind*> out;
    for (const auto& [n, k] : kinds_) out.push_back(&k);
    return out;
  }
  /// "a, b, c": the registered names, for error messages.
  [[nodiscard]] std::string known_names() const {
    std::string s;
    for (const auto& [n, k] : kinds_) s += (s.empty() ? "" : ", ") + n;
    return s;
  }

 private:
  std::map<std::string, Kind, std::less<>> kinds_;
};

/// `const NamedRegistrar<Kind> registrar{Kind{...}};` in the implementation's file.
template <typename Kind>
struct NamedRegistrar {
  explicit NamedRegistrar(Kind kind) { NamedRegistry<Kind>::instance().add(std::move(kind)); }
};

}  // namespace codesim::registry
