// FP8 GEMM cases (`numerics check --reference DIR`): a bundle (support/scratch_folder.hpp) of a
// case folder's files (info.txt, a.bin, b.bin, a_scale.bin, b_scale.bin, d_<mode>.txt and
// d_<mode>.bin), checked against the emulator's candidate recipes as the command does.
#include <stdexcept>

#include "emulator/reference/numerics_check.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "reference_gpu/common/dot_product_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto& folder = fuzz::write_bundle(fuzz::as_text(data, size));
  fuzz::expect_input_errors<reference::FormatError, std::invalid_argument>(
      [&] { (void)emulator_reference::check_gemm_cases(folder, 1); });
  return 0;
}
