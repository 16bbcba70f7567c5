// Scenario files (workloads/data/scenarios/*.json, `workload show FILE`): the JSON reader, the
// scenario's validation, its model (a catalogue name, or a path relative to the scenario's
// folder, as the commands resolve it), the checks against the model and the derived sizes,
// up to where routing starts.
#include <filesystem>

#include "emulator/io/json_fields.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "workloads/config/workload_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string text(fuzz::as_text(data, size));
  const std::string file = (fuzz::fresh_scratch_folder() / "scenario.json").string();
  fuzz::expect_input_errors<io::DataFileError>([&] {
    const auto scenario = workloads::parse_scenario_config(io::parse_json_text(text, file), file);
    const auto model = workloads::load_model(scenario.model, std::filesystem::path(file).parent_path());
    workloads::check_scenario_against_model(scenario, model);
    (void)workloads::dispatch_bytes_per_token(scenario, model);
    (void)workloads::combine_bytes_per_token(scenario, model);
    (void)workloads::scenario_config_json(scenario).dump();
  });
  return 0;
}
