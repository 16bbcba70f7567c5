#pragma once
// Lowering of the workloads layer's operators (one GPU's expert computation) into the kernel
// plans the timing model runs: each operator kind picks its kernel (DeepGEMM-style FP8 GEMMs,
// element-wise kernels) and the proposal's switches decide which kernels exist at all.
#include <vector>

#include "emulator/kernels/kernel_plan.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::kernels {

/// Lowers one operator to its kernel plans on `sms` SMs: empty when the features remove it,
/// and for communication (dispatch, combine: the network model times those). Throws
/// std::invalid_argument naming the operator for shapes the kernels cannot run.
[[nodiscard]] std::vector<KernelPlan> lower_operator(const workloads::Operator& op, const LoweringFeatures& features,
                                                     int sms, int shared_memory_per_block);

}  // namespace codesim::kernels
