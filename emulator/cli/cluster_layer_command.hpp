#pragma once
// codesim run --cluster: one MoE layer on every GPU of the scenario's cluster, per proposal
// column (emulator/sim/cluster_layer computes; this prints).
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/sim/scenario_simulation.hpp"

namespace codesim::cli {

struct ClusterLayerOptions {
  std::string workload;
  std::string device = "h800";
  std::string cluster;  ///< name or file; empty: the scenario's own (h800)
  std::uint64_t seed = 1;
  bool bands = true;
  bool json = false;
  std::string trace;
};

/// Throws InputError (exit 2) for a bad scenario, device, cluster or column.
void run_cluster_layer(const ClusterLayerOptions& options, const std::vector<sim::ProposalColumn>& columns);

}  // namespace codesim::cli
