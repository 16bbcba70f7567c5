#pragma once
// One GPU's expert computation under several proposals, each predicted with every member of
// the device's consistent set: the times, speedups and bytes the command line prints, each
// with its band. The baseline is the first column; speedups are baseline / proposal, member
// by member.
#include <string>
#include <utility>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/sim/expert_computation.hpp"
#include "emulator/sim/prediction_band.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::sim {

struct ComparedProposal {
  std::string spec;
  kernels::LoweringFeatures features;
  std::vector<ExpertComputation> per_member;  ///< [0]: the best fit
  Band total_us;
  Band speedup;                               ///< baseline / this, member by member
  Band hbm_bytes;
  std::vector<Band> operator_us;              ///< one per operator, in order
};

struct ProposalComparison {
  std::vector<std::string> members;           ///< labels of the consistent set's members used
  std::vector<ComparedProposal> proposals;    ///< the baseline first
};

/// Runs every column with every member, the members spread over `workers` processes (the
/// results do not depend on it). The best fit's kernels go to `trace` (process = the column's
/// index) when given. Throws std::invalid_argument for operators the kernels cannot run.
[[nodiscard]] ProposalComparison compare_proposals(
    const hw::DeviceConfig& device, const std::vector<workloads::Operator>& operators,
    const std::vector<std::pair<std::string, kernels::LoweringFeatures>>& columns, ChromeTrace* trace = nullptr,
    std::size_t workers = 1);

}  // namespace codesim::sim
