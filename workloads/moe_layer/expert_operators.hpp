#pragma once
// The operators one GPU runs for one micro-batch of a MoE layer, in issue order, following
// DeepSeek-V3's FP8 recipe ([V3] §3.3): activations quantised to FP8 with 1x128 scales before
// dispatch; grouped FP8 GEMMs with 128x128 weight scales; SwiGLU fused with the next
// quantisation; BF16 combine. Training adds the backward pass: data-gradient GEMMs, and for
// the weight gradients the activations and gradients re-quantised transposed (128x1 tiles).
#include <vector>

#include "workloads/config/model_config.hpp"
#include "workloads/config/scenario_config.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::workloads {

/// Operators for `gpu` (its instances and rows already filled in).
[[nodiscard]] std::vector<Operator> expert_operators(const ScenarioConfig& scenario, const ModelConfig& model,
                                                     const GpuWorkload& gpu);

}  // namespace codesim::workloads
