// `numerics gemm --recipe TEXT`: the recipe parser, then a small GEMM under the recipe it
// returns (as the command runs one), so that a recipe the parser accepts but the emulator
// cannot run (an accumulator width, a promotion interval) is found too.
#include <stdexcept>

#include "emulator/numerics/gemm.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_input_errors<std::invalid_argument>([&] {
    const numerics::GemmRecipe recipe = numerics::parse_gemm_recipe(text);
    numerics::GemmProblem p;
    p.m = 2;
    p.n = 2;
    p.k = 256;  // two scale groups, eight MMA steps: promotion and chaining both happen
    (void)numerics::run_gemm(p, recipe, 1);
  });
  return 0;
}
