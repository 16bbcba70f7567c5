#pragma once
// One GPU of a scenario, ready for the timing model: the scenario is routed (workloads layer)
// and the operators of one GPU in one micro-batch are taken, with the communication the
// scenario declares (DeepSeek overlaps dispatch and combine with the expert GEMMs, so compute
// gets the SMs the communication kernels leave) and the routed layer it belongs to (the
// network model's traffic).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/kernels/communication_features.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::sim {

struct ScenarioGpu {
  std::string scenario;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 1;
  kernels::CommunicationFeatures communication;  ///< as the scenario declares it (its communication SMs)
  std::vector<workloads::Operator> operators;
  std::shared_ptr<const workloads::MoeLayerWorkload> routed;  ///< the whole layer: every GPU, every micro-batch
};

/// Throws workloads::WorkloadError for a bad scenario or model file, std::invalid_argument
/// naming --gpu or --micro-batch when the index is outside the scenario.
[[nodiscard]] ScenarioGpu load_scenario_gpu(const std::string& workload, int gpu, int micro_batch, std::uint64_t seed);

}  // namespace codesim::sim
