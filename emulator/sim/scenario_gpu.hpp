#pragma once
// One GPU of a scenario, ready for the timing model: the scenario is routed (workloads layer)
// and the operators of one GPU in one micro-batch are taken, with the SMs its communication
// kernels hold (DeepSeek overlaps dispatch and combine with the expert GEMMs, so compute gets
// the rest).
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::sim {

struct ScenarioGpu {
  std::string scenario;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 1;
  int comm_sms = 0;  ///< SMs the scenario's communication kernels hold
  std::vector<workloads::Operator> operators;
};

/// Throws workloads::WorkloadError for a bad scenario or model file, std::invalid_argument
/// naming --gpu or --micro-batch when the index is outside the scenario.
[[nodiscard]] ScenarioGpu load_scenario_gpu(const std::string& workload, int gpu, int micro_batch, std::uint64_t seed);

}  // namespace codesim::sim
