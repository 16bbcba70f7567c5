// Model files (workloads/data/models/*.json): the JSON reader, the model's validation, and its
// derived sizes as `workload list --json` prints them (parameters, KV cache).
#include "emulator/io/json_fields.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "workloads/config/model_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    const auto model = workloads::parse_model_config(io::parse_json_text(text, "model.json"), "model.json");
    (void)workloads::model_config_json(model).dump();
  });
  return 0;
}
