// Device files (data/devices/*.json, `--device FILE`): the JSON reader and the device's
// validation, through the loader's text entry point.
#include "emulator/hw/device_config.hpp"
#include "emulator/io/json_fields.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    const auto device = hw::load_device_text(text, "device.json");
    (void)hw::device_fingerprint(device);
  });
  return 0;
}
