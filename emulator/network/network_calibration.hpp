#pragma once
// The values of the network model that no datasheet gives, each a named physical quantity
// with a unit, a plausible range and a source, read from the cluster file's "calibration"
// section (the same format as a device file's: emulator/io/calibration_section.hpp).
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/io/calibration_section.hpp"

namespace codesim::network {

struct NetworkCalibrationValues {
  /// Achievable fraction of the NVLink per-direction bandwidth for SM-driven stores to a peer
  /// GPU (protocol headers, flow control). Read by ClusterTopology (NVLink ports).
  double nvlink_efficiency = 0.8;
  /// Achievable fraction of the NIC line rate for RDMA writes (packet headers, PCIe read
  /// completions, congestion control). Read by ClusterTopology (NIC wire links).
  double rdma_efficiency = 0.8;
  /// Bytes per second one SM of a communication kernel moves between buffers and peers
  /// (GB/s): its warps' outstanding loads and stores over the latency. Read by ClusterTopology
  /// (the SM pool of each GPU).
  double sm_copy_gbps = 20.0;
  /// Time the NIC spends on each RDMA message besides its payload (ns): the work request
  /// fetch, its doorbell and completion. Read by the low-latency kernels.
  double nic_message_overhead_ns = 0.0;
  /// Time a communication kernel spends outside its transfers (us): launch, the grid barrier
  /// and the final flag round. Read by every collective.
  double kernel_fixed_us = 5.0;
};

using NetworkParameterDecl = io::ParameterDecl<NetworkCalibrationValues>;
using NetworkCalibration = io::CalibrationSection<NetworkCalibrationValues>;

[[nodiscard]] std::span<const NetworkParameterDecl> network_parameter_decls();
[[nodiscard]] const NetworkParameterDecl* find_network_parameter(std::string_view name);
[[nodiscard]] double get(const NetworkCalibrationValues& v, std::string_view name);
void set(NetworkCalibrationValues& v, std::string_view name, double value);

[[nodiscard]] NetworkCalibration read_network_calibration(io::JsonObjectReader reader);
[[nodiscard]] nlohmann::ordered_json network_calibration_json(const NetworkCalibration& c);

}  // namespace codesim::network
