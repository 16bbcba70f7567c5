#pragma once
// The scenario layer: one GPU of a scenario under several proposal columns, its expert
// computation on the modelled GPU (every member of the device's consistent set: bands) and,
// given a cluster, the scenario's all-to-alls on the cluster's network with the scenario's own
// routing. A column's lowering switches shape the compute kernels; its communication features
// decide the SMs the compute kernels are left with and the all-to-all the network runs.
// `codesim run | compare | gemm` print what this returns (a GEMM is a one-operator scenario).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/communication_features.hpp"
#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/kernels/lowering_features.hpp"
#include "emulator/network/alltoall.hpp"
#include "emulator/network/cluster_config.hpp"
#include "emulator/sim/chrome_trace.hpp"
#include "emulator/sim/gemm_simulation.hpp"
#include "emulator/sim/named_statistic.hpp"
#include "emulator/sim/proposal_comparison.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::sim {

/// One column: a proposal's changes on top of what the scenario fixes (an empty function
/// changes nothing). The command line builds them from proposals::ProposalInstance.
struct ProposalColumn {
  std::string spec;
  std::function<void(kernels::LoweringFeatures&)> adjust_lowering;
  std::function<void(kernels::CommunicationFeatures&)> adjust_communication;
};

struct ScenarioRequest {
  std::string scenario;  ///< name or file (codesim workload list)
  std::uint64_t seed = 1;
  int gpu = 0;
  int micro_batch = 0;
};

/// A column's features on a scenario that declares `declared` communication: the communication
/// as the column changes it, and its lowering with the SMs that communication holds reserved.
/// Throws std::invalid_argument naming the column for a non-positive NVLink scale or more SMs
/// than the device can spare. Shared by the one-GPU scenario layer and the cluster layer.
struct ColumnFeatures {
  kernels::LoweringFeatures lowering;
  kernels::CommunicationFeatures communication;
};
[[nodiscard]] ColumnFeatures resolve_column(const ProposalColumn& column, const kernels::CommunicationFeatures& declared,
                                            const hw::DeviceConfig& device);

/// Why the scenario's all-to-alls cannot run on the cluster with this communication (nullopt
/// when they can).
[[nodiscard]] std::optional<std::string> scenario_alltoall_problem(const network::ClusterConfig& cluster,
                                                                   const workloads::MoeLayerWorkload& workload,
                                                                   const kernels::CommunicationFeatures& communication);

/// The cluster as member `member` of its consistent set sees it (0: the best fit), with the
/// NVLink bandwidth `communication` gives it.
[[nodiscard]] network::ClusterConfig cluster_member(const network::ClusterConfig& cluster, std::size_t member,
                                                    const kernels::CommunicationFeatures& communication);

/// One all-to-all of the scenario's micro-batch on the cluster, for one column's communication.
/// The backward all-to-alls retrace the forward ones with the same counts and formats (FP8 out,
/// BF16 back), so a training scenario's gradient_dispatch is timed by "dispatch" and its
/// gradient_combine by "combine".
struct AllToAllPhaseTiming {
  std::string phase;                 ///< "dispatch" or "combine"
  int gpu = 0;                       ///< the scenario's GPU whose kernel time_us is
  network::AllToAllResult best_fit;  ///< the cluster's own calibration values: per GPU, per link class
  Band time_us;                      ///< this GPU's kernel, over the cluster's consistent set
  Band max_time_us;                  ///< the slowest GPU's kernel
  Band mean_time_us;                 ///< mean over the GPUs
  Band bandwidth_gbps;               ///< mean over GPUs of DeepEP's byte count / kernel time
  /// The figures above, this GPU's counted bytes and every link class's bytes and busiest link.
  [[nodiscard]] std::vector<NamedStatistic> statistics() const;
};

struct ScenarioColumn {
  ComparedProposal computation;                  ///< spec, lowering features, per member, bands
  kernels::CommunicationFeatures communication;  ///< the scenario's, as the column changed them
  int compute_sms = 0;                           ///< SMs the compute kernels run on
  std::vector<AllToAllPhaseTiming> phases;       ///< with a cluster: dispatch, combine; else empty
  /// The phase that times a communication operator (dispatch or combine kind); nullptr without
  /// a cluster or for other operators.
  [[nodiscard]] const AllToAllPhaseTiming* phase_of(const workloads::Operator& op) const;
};

struct ScenarioResult {
  std::string scenario;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 1;
  std::string device;
  int device_sms = 0;
  std::string cluster;                          ///< empty without a cluster
  std::string collective;                       ///< the DeepEP kernel of the all-to-alls (with a cluster)
  std::vector<std::string> cluster_members;     ///< labels of the cluster's consistent set used (with a cluster)
  std::vector<workloads::Operator> operators;   ///< this GPU's, in order
  std::vector<std::string> members;             ///< labels of the device's consistent set used
  std::vector<ScenarioColumn> columns;          ///< the baseline first
};

/// Runs every column (the first is the baseline of the speedups) with every member of the
/// device's consistent set on `workers` processes (the results do not depend on it) and, with
/// `cluster`, the dispatch and combine of the scenario's micro-batch on its network. The best
/// fit's kernels go to `trace` (process = the column's index). Throws workloads::WorkloadError
/// for a bad scenario, std::invalid_argument naming the value for indices outside the scenario,
/// operators the kernels cannot run, and a cluster or communication the scenario cannot use.
[[nodiscard]] ScenarioResult simulate_scenario(const ScenarioRequest& request, const hw::DeviceConfig& device,
                                               const network::ClusterConfig* cluster,
                                               const std::vector<ProposalColumn>& columns,
                                               ChromeTrace* trace = nullptr, std::size_t workers = 1);

/// One FP8 GEMM (dense or grouped), as a benchmark runs it.
struct GemmScenario {
  kernels::GemmShape shape;
  GemmConditions conditions;
  int sm_limit = 0;  ///< 0: every SM
};

/// The GEMM as a one-operator scenario under one column, with every member of the device's
/// consistent set; the best fit's timeline goes to `trace`. Throws std::invalid_argument for
/// shapes the kernel cannot run.
[[nodiscard]] ScenarioResult simulate_gemm_scenario(const GemmScenario& gemm, const hw::DeviceConfig& device,
                                                    const ProposalColumn& column, ChromeTrace* trace = nullptr);

}  // namespace codesim::sim
