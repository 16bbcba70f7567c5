#pragma once
// The expert computation of one GPU in one MoE-layer micro-batch (the operators the
// workloads layer lists for it), lowered under a set of proposal features and run kernel
// after kernel on the modelled GPU. Communication operators (dispatch, combine) belong to
// the network model and are listed but not timed here.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/hw/gpu.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::sim {

struct OperatorTiming {
  std::string name;
  std::string kind;
  std::string status;  ///< "timed", "removed" (a proposal made it unnecessary), "communication"
  std::vector<hw::KernelRun> kernels;
  [[nodiscard]] double time_us() const;
};

struct ExpertComputation {
  std::vector<OperatorTiming> operators;
  [[nodiscard]] double total_us() const;
  [[nodiscard]] double hbm_bytes() const;
};

/// Results of kernels already simulated, by plan fingerprint and device parameters: proposals
/// often leave a kernel unchanged, and an identical plan on the same device gives the same
/// result. Share one across the proposals of a comparison.
using KernelResultCache = std::map<std::pair<std::uint64_t, std::uint64_t>, hw::KernelRun>;

/// The results as text and back, exactly (every double survives): a comparison simulates its
/// members in other processes and collects their results this way.
[[nodiscard]] std::string serialize_expert_computations(const std::vector<ExpertComputation>& runs);
[[nodiscard]] std::vector<ExpertComputation> deserialize_expert_computations(const std::string& text);

/// Runs the operators in order. Kernel events go to `trace` as process `trace_process` (the
/// cache is then not used: every kernel's tiles are drawn).
[[nodiscard]] ExpertComputation simulate_expert_computation(const hw::DeviceConfig& device,
                                                            const std::vector<workloads::Operator>& operators,
                                                            const kernels::LoweringFeatures& features,
                                                            ChromeTrace* trace = nullptr, int trace_process = 0,
                                                            KernelResultCache* cache = nullptr);

}  // namespace codesim::sim
