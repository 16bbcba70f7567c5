#pragma once
// One all-to-all phase on a cluster: DeepEP's test for one mode and direction, routed as its
// tests route, simulated on the fluid network. Returns the times and bytes DeepEP's tests
// print, and what every link class carried.
#include <optional>
#include <string>
#include <vector>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/collective.hpp"
#include "emulator/network/link_class.hpp"
#include "emulator/network/solved_network_cache.hpp"

namespace codesim::sim {
class ChromeTrace;
}

namespace codesim::network {

struct LinkClassStats {
  LinkClass link_class = LinkClass::kNvlink;
  int links = 0;
  double out_bytes = 0.0;   ///< on links leaving GPUs (transmit sides)
  double in_bytes = 0.0;    ///< on links arriving at GPUs (receive sides)
  double other_bytes = 0.0; ///< on links with no direction (HBM, SMs)
  double busy_us_max = 0.0; ///< the busiest link of the class
  double busy_us_mean = 0.0;
  double peak_utilisation = 0.0;
};

struct AllToAllResult {
  AllToAllRequest request;
  std::string cluster;
  std::string counted_as;            ///< DeepEP's byte formula for this mode and direction
  std::vector<double> gpu_transfer_us;  ///< per GPU: when the last byte it waits for landed
  std::vector<double> gpu_time_us;   ///< per GPU: its kernel's time (transfers + kernel_fixed_us)
  std::vector<double> gpu_bytes;     ///< per GPU: the bytes DeepEP counts
  std::vector<double> gpu_hbm_bytes; ///< per GPU: the kernel's HBM traffic (reads and writes of its copies)
  /// [gpu][link class]: the busy time of the GPU's busiest link of that class (its own
  /// links: NVLink port, NIC, PCIe, HBM, SMs; switches belong to no GPU).
  std::vector<std::vector<double>> gpu_link_busy_us;
  double time_us = 0.0;              ///< mean over GPUs
  double max_time_us = 0.0;
  double bandwidth_gbps = 0.0;       ///< mean over GPUs of bytes / time, as each rank prints it
  std::vector<LinkClassStats> link_classes;  ///< classes with links, in LinkClass order
  /// The link whose bytes need the longest at its capacity (the first such in creation
  /// order), that time, and how long any flow crossed it: the network's side of the critical path.
  std::string busiest_link;
  double busiest_link_busy_us = 0.0;
  double busiest_link_bytes_us = 0.0;
  std::size_t flows = 0;
  std::int64_t rate_computations = 0;  ///< the backend's solver steps (max-min rate computations)
  /// Smallest ratio, over flows, of a flow's time to the time its bytes need on its path's
  /// narrowest link (>= 1 when no flow beats its bottleneck).
  double min_flow_time_over_bound = 1.0;

  /// Sets the kernel times from the transfer times and a fixed cost per kernel (launch,
  /// barrier, flags): the fixed cost is added after the transfers, so a calibration that
  /// varies only it re-times a run instead of simulating it again.
  void set_kernel_fixed(double kernel_fixed_us);
};

/// Why the request cannot run (unknown mode, EP not dividing the experts, more GPUs or SMs
/// than the cluster has, a mode the cluster cannot run); nullopt when it can.
[[nodiscard]] std::optional<std::string> alltoall_problem(const ClusterConfig& cluster, const AllToAllRequest& request);

/// Runs the request (check alltoall_problem first; throws std::invalid_argument otherwise).
/// With `trace`, adds a track per GPU and per link class.
[[nodiscard]] AllToAllResult run_alltoall(const ClusterConfig& cluster, const AllToAllRequest& request,
                                          sim::ChromeTrace* trace = nullptr);

/// Several all-to-alls sharing one cluster's links, each starting at its own time (two
/// micro-batches' all-to-alls, a dispatch against the previous combine): the requests must
/// agree on EP, SMs and backend (one topology); each result's times count from its own start.
struct ConcurrentAllToAll {
  AllToAllRequest request;
  TokenCounts counts;
  double start_us = 0.0;
};
[[nodiscard]] std::vector<AllToAllResult> run_concurrent_alltoalls(const ClusterConfig& cluster,
                                                                   const std::vector<ConcurrentAllToAll>& runs);

/// As run_alltoall, with token counts the caller already has (a scenario's routing). With
/// `cache` (and no trace), a problem posed before by a kernel whose flows are fixed at its start
/// is answered from the cache instead of solved again (solved_network_cache.hpp).
[[nodiscard]] AllToAllResult run_alltoall_counts(const ClusterConfig& cluster, const AllToAllRequest& request,
                                                 const TokenCounts& counts, sim::ChromeTrace* trace = nullptr,
                                                 SolvedNetworkCache* cache = nullptr);

}  // namespace codesim::network
