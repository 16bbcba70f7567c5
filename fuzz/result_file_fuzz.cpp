// Result-schema files (reference_gpu/results/<gpu>/*.json, `validate --reference DIR`): the
// JSON reader and the result-file parser, up to the operators the timing model would run.
#include "emulator/io/json_fields.hpp"
#include "emulator/reference/result_file.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    (void)emulator_reference::parse_result_file(io::parse_json_text(text, "result.json"), "result.json");
  });
  return 0;
}
