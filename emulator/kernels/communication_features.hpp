#pragma once
// The switches a proposal flips on the communication side of a MoE layer. Baseline values are
// what the scenario declares; proposals change them through Proposal::adjust_communication,
// so the core never names a proposal. The scenario layer (emulator/sim/scenario_simulation)
// reads them twice: the SMs the compute kernels are left with, and the all-to-all it asks the
// cluster's network model for.
#include "emulator/network/communication_offload.hpp"

namespace codesim::kernels {

struct CommunicationFeatures {
  /// SMs the communication kernels hold while the expert computation runs beside them (DeepEP's
  /// normal kernels hold theirs throughout; the low-latency kernels hold none once issued).
  int sms = 0;
  /// Every GPU's NVLink bandwidth per direction in GB/s, replacing the device file's (0: the
  /// device's own).
  double nvlink_gbps_per_direction = 0.0;
  /// Factor on every GPU's NVLink bandwidth per direction, after the above (1: unchanged).
  double nvlink_bandwidth_scale = 1.0;
  /// Hardware that takes the kernels' work off the SMs (co-processor, unified network,
  /// in-switch multicast and reduction); passed to the all-to-all as it is.
  network::CommunicationOffload offload;

  [[nodiscard]] bool operator==(const CommunicationFeatures&) const = default;

  /// The NVLink bandwidth per direction a GPU has under these features, from the device's.
  [[nodiscard]] double nvlink_gbps(double device_gbps_per_direction) const {
    return (nvlink_gbps_per_direction > 0.0 ? nvlink_gbps_per_direction : device_gbps_per_direction) *
           nvlink_bandwidth_scale;
  }
};

}  // namespace codesim::kernels
