// The published GEMM tables (`validate --published DIR`, `calibrate`): a bundle
// (support/scratch_folder.hpp) of dense.csv (m,n,k,tflops), conditions.csv (m,n,k,kernel,
// l2_at_start) and grouped.csv (data/published/*.csv's columns), read as the command reads
// them. The readers take paths (emulator/sim/published_gemms.hpp), hence the scratch files.
#include <filesystem>

#include "emulator/io/json_fields.hpp"
#include "emulator/sim/published_gemms.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto& folder = fuzz::write_bundle(fuzz::as_text(data, size));
  fuzz::expect_input_errors<io::DataFileError>([&] {
    auto dense = sim::read_published_dense_gemms(folder / "dense.csv");
    if (std::filesystem::exists(folder / "conditions.csv"))
      sim::apply_measurement_conditions(dense, folder / "conditions.csv");
  });
  fuzz::expect_input_errors<io::DataFileError>([&] { (void)sim::read_published_grouped_gemms(folder / "grouped.csv"); });
  return 0;
}
