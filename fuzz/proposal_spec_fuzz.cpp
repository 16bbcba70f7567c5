// `--proposal SPEC` (gemm, run, compare, numerics gemm): the registry's spec parser, then every
// hook of the proposal it returns with the values it validated, as the commands apply them.
#include <stdexcept>

#include "emulator/kernels/communication_features.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "fuzz/support/input_errors.hpp"
#include "fuzz/support/scratch_folder.hpp"
#include "proposals/proposal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace codesim;
  const std::string_view spec = fuzz::as_text(data, size);
  fuzz::expect_input_errors<std::invalid_argument>([&] {
    const auto inst = proposals::ProposalRegistry::instance().parse(spec);
    (void)inst.spec();
    (void)inst.proposal->gemm_recipe(inst.values);
    kernels::LoweringFeatures lowering;
    inst.proposal->adjust_lowering(lowering, inst.values);
    kernels::CommunicationFeatures communication;
    inst.proposal->adjust_communication(communication, inst.values);
  });
  return 0;
}
