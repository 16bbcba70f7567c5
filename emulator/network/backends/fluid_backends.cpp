// The fluid (flow-level, max-min fair) backends. "fluid" batches the rate computations of
// events that fall within 1% of the current time (a flow can only be delayed by it, never sped
// up); "fluid-exact" recomputes the rates at every event, the reference the batched one is
// checked against and the choice when a study needs every microsecond.
#include <memory>

#include "emulator/network/flow/fluid_network.hpp"

namespace codesim::network::flow {
namespace {

const NetworkBackendRegistrar batched{NetworkBackendKind{
    "fluid",
    "flow-level: links shared max-min fairly, rates recomputed when flows start or end (events within 1% of "
    "the current time share one computation)",
    [] { return std::make_unique<FluidNetwork>(); }}};

const NetworkBackendRegistrar exact{NetworkBackendKind{
    "fluid-exact",
    "flow-level as fluid, with the rates recomputed at every start and end (slower; the reference for fluid)",
    [] {
      FluidOptions o;
      o.finish_batch_relative = 0.0;
      o.finish_batch_absolute_s = 0.0;
      return std::make_unique<FluidNetwork>(o);
    }}};

}  // namespace
}  // namespace codesim::network::flow
