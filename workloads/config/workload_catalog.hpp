#pragma once
// The catalogue of model and scenario files. Each is one JSON file named after its `name`
// under <data>/models/ or <data>/scenarios/, so a new model or scenario is one new file.
// <data> is $CODESIM_WORKLOAD_DATA if set, else the source tree's workloads/data. Both are
// io::DataCatalogue folders (emulator/io/data_catalogue.hpp), as devices are.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/config/model_config.hpp"
#include "workloads/config/scenario_config.hpp"

namespace codesim::workloads {

[[nodiscard]] std::filesystem::path workload_data_dir();

/// Names of the files in <data>/models or <data>/scenarios, sorted.
[[nodiscard]] std::vector<std::string> model_names();
[[nodiscard]] std::vector<std::string> scenario_names();

/// A catalogue name, or a path to a file (anything containing '/' or ending in .json).
/// A relative model path in a scenario is resolved against the scenario's folder.
[[nodiscard]] ModelConfig load_model(std::string_view name_or_path, const std::filesystem::path& relative_to = {});
[[nodiscard]] ScenarioConfig load_scenario(std::string_view name_or_path);

}  // namespace codesim::workloads
