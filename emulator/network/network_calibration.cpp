#include "emulator/network/network_calibration.hpp"

#include <stdexcept>
#include <string>

namespace codesim::network {
namespace {

constexpr NetworkParameterDecl kDecls[] = {
    {"nvlink_efficiency", "1", 0.05, 1.0, &NetworkCalibrationValues::nvlink_efficiency,
     "achievable fraction of NVLink per-direction bandwidth for SM stores"},
    {"rdma_efficiency", "1", 0.05, 1.0, &NetworkCalibrationValues::rdma_efficiency,
     "achievable fraction of the NIC line rate for RDMA writes"},
    {"sm_copy_gbps", "GB/s", 0.1, 1000.0, &NetworkCalibrationValues::sm_copy_gbps,
     "bytes one communication SM moves per second"},
    {"nic_message_overhead_ns", "ns", 0.0, 10000.0, &NetworkCalibrationValues::nic_message_overhead_ns,
     "NIC time per RDMA message besides its payload"},
    {"kernel_fixed_us", "us", 0.0, 1000.0, &NetworkCalibrationValues::kernel_fixed_us,
     "per communication kernel, outside its transfers: launch, barrier, final flags"},
};

}  // namespace

std::span<const NetworkParameterDecl> network_parameter_decls() { return kDecls; }

const NetworkParameterDecl* find_network_parameter(std::string_view name) {
  return io::find_parameter<NetworkCalibrationValues>(kDecls, name);
}

double get(const NetworkCalibrationValues& v, std::string_view name) {
  return io::parameter_value<NetworkCalibrationValues>(kDecls, v, name);
}

void set(NetworkCalibrationValues& v, std::string_view name, double value) {
  io::set_parameter_value<NetworkCalibrationValues>(kDecls, v, name, value);
}

NetworkCalibration read_network_calibration(io::JsonObjectReader reader) {
  return io::read_calibration_section<NetworkCalibrationValues>(std::move(reader), kDecls);
}

nlohmann::ordered_json network_calibration_json(const NetworkCalibration& c) {
  return io::calibration_section_json<NetworkCalibrationValues>(c, kDecls);
}

}  // namespace codesim::network
