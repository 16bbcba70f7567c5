// The shape lists the GPU benchmarks read (reference_gpu/shapes/*.csv): the input written to a
// scratch file and read by each of the three readers (a list of another kind fails on its
// columns, which is itself a path worth fuzzing).
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "reference_gpu/common/dot_product_files.hpp"
#include "reference_gpu/common/shape_lists.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const auto file = fuzz::write_file(fuzz::fresh_scratch_folder(), "shapes.csv", fuzz::as_text(data, size));
  fuzz::expect_input_errors<reference::FormatError>([&] { (void)reference::read_dense_gemm_shapes(file); });
  fuzz::expect_input_errors<reference::FormatError>([&] { (void)reference::read_grouped_gemm_shapes(file); });
  fuzz::expect_input_errors<reference::FormatError>([&] {
    for (const auto& c : reference::read_moe_cases(file)) (void)c.tokens();
  });
  return 0;
}
