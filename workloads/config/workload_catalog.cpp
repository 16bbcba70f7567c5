#include "workloads/config/workload_catalog.hpp"

#include <algorithm>
#include <cstdlib>

#include "workloads/config/workload_error.hpp"

namespace codesim::workloads {
namespace {

bool is_path(std::string_view s) {
  return s.find('/') != std::string_view::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json");
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// Catalogue files must carry their own name, so that a renamed copy cannot masquerade.
template <typename Config>
void check_name_matches_file(const Config& c, const std::filesystem::path& file) {
  if (c.name != file.stem().string())
    JsonObjectReader::fail_at(file.string(), "/name", "\"" + c.name + "\"",
                              "must equal the file name '" + file.stem().string() + "'");
}

}  // namespace

std::filesystem::path workload_data_dir() {
  if (const char* env = std::getenv("CODESIM_WORKLOAD_DATA"); env != nullptr && *env != '\0') return env;
  return CODESIM_WORKLOAD_DATA_DEFAULT;
}

std::vector<std::string> model_names() { return names_in(workload_data_dir() / "models"); }
std::vector<std::string> scenario_names() { return names_in(workload_data_dir() / "scenarios"); }

ModelConfig load_model(std::string_view name_or_path, const std::filesystem::path& relative_to) {
  if (is_path(name_or_path)) {
    std::filesystem::path p(name_or_path);
    if (p.is_relative() && !relative_to.empty()) p = relative_to / p;
    return load_model_config(p);
  }
  const auto file = workload_data_dir() / "models" / (std::string(name_or_path) + ".json");
  if (!std::filesystem::exists(file))
    throw WorkloadError("unknown model '" + std::string(name_or_path) + "' (known: " + joined(model_names()) +
                        "; or give a path to a model file)");
  ModelConfig m = load_model_config(file);
  check_name_matches_file(m, file);
  return m;
}

ScenarioConfig load_scenario(std::string_view name_or_path) {
  if (is_path(name_or_path)) return load_scenario_config(std::filesystem::path(name_or_path));
  const auto file = workload_data_dir() / "scenarios" / (std::string(name_or_path) + ".json");
  if (!std::filesystem::exists(file))
    throw WorkloadError("unknown workload '" + std::string(name_or_path) + "' (known: " + joined(scenario_names()) +
                        "; or give a path to a scenario file)");
  ScenarioConfig s = load_scenario_config(file);
  check_name_matches_file(s, file);
  return s;
}

}  // namespace codesim::workloads
