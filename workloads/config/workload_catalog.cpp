#include "workloads/config/workload_catalog.hpp"

#include "emulator/io/data_catalogue.hpp"

namespace codesim::workloads {
namespace {

/// <data>/models and <data>/scenarios, <data> being $CODESIM_WORKLOAD_DATA or workloads/data.
const io::DataCatalogue& models() {
  static const io::DataCatalogue catalogue{"model", "CODESIM_WORKLOAD_DATA", CODESIM_WORKLOAD_DATA_DEFAULT, "models"};
  return catalogue;
}

const io::DataCatalogue& scenarios() {
  static const io::DataCatalogue catalogue{"workload", "CODESIM_WORKLOAD_DATA", CODESIM_WORKLOAD_DATA_DEFAULT,
                                           "scenarios"};
  return catalogue;
}

}  // namespace

std::filesystem::path workload_data_dir() { return models().root(); }

std::vector<std::string> model_names() { return models().names(); }
std::vector<std::string> scenario_names() { return scenarios().names(); }

ModelConfig load_model(std::string_view name_or_path, const std::filesystem::path& relative_to) {
  return models().load(name_or_path, load_model_config, relative_to);
}

ScenarioConfig load_scenario(std::string_view name_or_path) {
  return scenarios().load(name_or_path, load_scenario_config);
}

}  // namespace codesim::workloads
