#pragma once
// One MoE layer on every GPU of a scenario's cluster, under several proposal columns: each
// GPU's own operators (its routed rows, so imbalance shows) on the timing model with the SMs
// the communication kernels leave, the scenario's all-to-alls on the cluster's network with
// its routing, and DeepSeek's overlap of the two (emulator/sim/overlap_schedule): prefill and
// decode run two micro-batches, the experts of one beside the all-to-all of the other;
// training pairs a micro-batch's forward with another's backward (DualPipe; the scenario's one
// routed micro-batch stands for both). While an all-to-all runs, its HBM traffic shares the
// memory with the kernels beside it: a kernel is never faster than its own HBM bytes plus the
// all-to-all's bytes during it, at the device's sustained HBM rate.
//
// The layer's time is the slowest GPU's; the result says which GPU, which link was busiest,
// and whether compute or the network bounds it. `codesim run --cluster` prints it.
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/communication_features.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_config.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/sim/named_statistic.hpp"
#include "emulator/sim/overlap_schedule.hpp"
#include "emulator/sim/prediction_band.hpp"
#include "emulator/sim/scenario_simulation.hpp"

namespace codesim::sim {

struct ClusterLayerRequest {
  std::string scenario;  ///< name or file (codesim workload list)
  std::uint64_t seed = 1;
  /// Also run the calibrations' other members (the device's on the slowest GPU, the
  /// cluster's on every all-to-all) for the bands; false: best fit only.
  bool bands = true;
};

struct GpuLayerBreakdown {
  int gpu = 0;
  double end_us = 0.0;             ///< when its last kernel of the layer ends
  double compute_us = 0.0;         ///< its kernels, HBM sharing included
  double hbm_contention_us = 0.0;  ///< of which: waiting for HBM the all-to-alls use
  double communication_us = 0.0;   ///< inside all-to-all kernels
  double hidden_us = 0.0;          ///< of that, with its own kernels running beside
  double exposed_us = 0.0;         ///< of that, with nothing of its own to compute
  double idle_us = 0.0;            ///< waiting for other GPUs
  std::int64_t routed_rows = 0;    ///< token copies its routed experts took, over the layer's micro-batches
};

/// One all-to-all of the layer as its schedule ran it.
struct LayerAllToAll {
  std::string chain;               ///< "micro-batch 0", "forward", ...
  std::string name;                ///< the operator's name (dispatch, gradient_combine, ...)
  double start_us = 0.0;
  network::AllToAllResult result;  ///< best fit: per GPU, per link class, busiest link
};

struct ClusterLayerColumn {
  std::string spec;
  kernels::LoweringFeatures lowering;
  kernels::CommunicationFeatures communication;
  int compute_sms = 0;
  int communication_sms = 0;        ///< held by the communication kernels on every GPU
  Band time_us;                     ///< the layer: its slowest GPU
  Band speedup;                     ///< baseline time / this time, member by member
  std::vector<GpuLayerBreakdown> gpus;
  int slowest_gpu = 0;
  double slowest_gpu_compute_us = 0.0;  ///< the largest compute time of any GPU
  std::string busiest_link;         ///< over the layer's all-to-alls
  double busiest_link_us = 0.0;     ///< the time its bytes need at its capacity, summed over the all-to-alls
  double critical_path_us = 0.0;    ///< max(slowest compute, every all-to-all's slowest kernel in series)
  double sum_of_parts_us = 0.0;     ///< every step's slowest GPU, one after another
  std::string bound_by;             ///< "compute", "network" or "both" (within 1%)
  std::vector<LayerAllToAll> alltoalls;
  OverlapSchedule schedule;         ///< best fit, HBM sharing included
  std::vector<ScheduleChain> chains;  ///< the steps and durations it was made of
  [[nodiscard]] std::vector<NamedStatistic> statistics() const;
};

struct ClusterLayerResult {
  std::string scenario;
  std::uint64_t seed = 1;
  std::string phase;               ///< training, prefill or decode
  std::string device;
  int device_sms = 0;
  std::string cluster;
  std::string collective;
  int gpus = 0;
  std::string overlap;             ///< how the chains pair up, in words
  std::vector<std::string> device_members;   ///< labels (bands)
  std::vector<std::string> cluster_members;
  std::size_t kernels_total = 0;       ///< kernel runs over every GPU and column
  std::size_t kernels_simulated = 0;   ///< of which simulated (identical kernels share one run)
  std::size_t alltoalls_simulated = 0; ///< all-to-alls run, members included
  /// Of those, answered by an identical network problem solved for another column or member
  /// (low-latency kernels whose flows a proposal leaves unchanged).
  std::size_t alltoalls_shared = 0;
  std::vector<ClusterLayerColumn> columns;  ///< the baseline first
};

/// Throws workloads::WorkloadError for a bad scenario, std::invalid_argument naming the
/// problem for a scenario the cluster cannot hold (more GPUs than it has, another node size),
/// a communication mode it cannot run, or a column's features the device cannot run. With
/// `trace`: a process per GPU (best fit, the first column only unless `trace_column` says
/// otherwise) with tracks for its compute kernels, its communication kernels, and the link
/// classes' busy time.
[[nodiscard]] ClusterLayerResult simulate_cluster_layer(const ClusterLayerRequest& request,
                                                        const hw::DeviceConfig& device,
                                                        const network::ClusterConfig& cluster,
                                                        const std::vector<ProposalColumn>& columns,
                                                        ChromeTrace* trace = nullptr, std::size_t trace_column = 0);

}  // namespace codesim::sim
