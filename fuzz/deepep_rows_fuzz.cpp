// DeepEP's published all-to-all rows (`validate --published DIR --cluster`, `calibrate
// --cluster`): read_deepep_rows takes a path and lies in emulator/network, so the input is
// written to a scratch file.
#include "emulator/io/json_fields.hpp"
#include "emulator/network/deepep_rows.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto file = fuzz::write_file(fuzz::fresh_scratch_folder(), "deepep.csv", fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    for (const auto& row : network::read_deepep_rows(file)) (void)row.label();
  });
  return 0;
}
