#pragma once
// A routed scenario (the workloads layer's MoE layer) as the network model sees it: the token
// counts its all-to-alls move, from the scenario's own routing, placement and replicas, and the
// DeepEP kernel and request its communication declares.
#include <optional>
#include <string>

#include "emulator/network/cluster_config.hpp"
#include "emulator/network/collective.hpp"
#include "emulator/network/communication_offload.hpp"
#include "emulator/network/expert_traffic.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::network {

/// The token counts of micro-batch `micro_batch`, in the dispatch direction: the micro-batch's
/// routing draw again (the streams build_moe_layer_workload used), each copy sent to an
/// instance of its expert round-robin over the replicas in token order, as the workload does;
/// the shared expert counts as one more copy per token when the scenario serves it as a routed
/// expert. Throws std::invalid_argument naming the micro-batch when it is out of range.
[[nodiscard]] TokenCounts scenario_token_counts(const workloads::MoeLayerWorkload& workload, int micro_batch,
                                                int threads = 1);

/// The DeepEP kernel of the scenario's communication: "normal", or for low-latency mode
/// "low-latency-nvlink" when same-node peers are written over NVLink, else "low-latency".
[[nodiscard]] std::string scenario_collective(const workloads::ScenarioConfig& scenario);

/// One all-to-all of the scenario: its kernel, all its GPUs, its tokens per GPU and hidden
/// size, `sms` for a kernel that holds SMs (0 otherwise). Experts are the expert instances and
/// top-k the copies per token, so that EP divides them with redundant and shared replicas
/// (the counts, not a routing of the request's own, decide the traffic). `offload` is passed on.
[[nodiscard]] AllToAllRequest scenario_alltoall_request(const workloads::MoeLayerWorkload& workload, CommOp op,
                                                        int sms, const CommunicationOffload& offload = {});

/// Why the scenario's GPUs cannot be the first GPUs of the cluster (a different number of GPUs
/// per node, or too few GPUs); nullopt when they can.
[[nodiscard]] std::optional<std::string> scenario_cluster_problem(const ClusterConfig& cluster,
                                                                  const workloads::ScenarioConfig& scenario);

}  // namespace codesim::network
