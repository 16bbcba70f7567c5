// Dot-product sets (`numerics check --reference DIR`): a bundle (support/scratch_folder.hpp) of
// the set folder's files (info.txt, a.txt, b.txt, c.txt, d*.txt, or the published layout
// a_<gpu>_<FMT>.txt, ...), checked against the emulator as the command does.
#include <stdexcept>

#include "emulator/reference/numerics_check.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "reference_gpu/common/dot_product_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto& folder = fuzz::write_bundle(fuzz::as_text(data, size));
  fuzz::expect_input_errors<reference::FormatError, std::invalid_argument>(
      [&] { (void)emulator_reference::check_dot_sets(folder); });
  return 0;
}
