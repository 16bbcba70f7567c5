#include "emulator/hw/hbm_controller.hpp"

#include "emulator/hw/memory_request.hpp"

namespace codesim::hw {

namespace {
constexpr double kBinNs = 50.0;
double hbm_rate(const DeviceConfig& d) { return d.hbm_bandwidth_gbps * d.calibration.values.hbm_read_efficiency; }  // GB/s = B/ns
}  // namespace

HbmController::HbmController(sc_core::sc_module_name name, const DeviceConfig& device)
    : sc_module(name), l2_side("l2_side"), port_(hbm_rate(device), kBinNs) {
  l2_side.register_b_transport(this, &HbmController::b_transport);
  configure(device);
}

void HbmController::configure(const DeviceConfig& device) {
  port_.set_rate(hbm_rate(device));
  latency_ns_ = device.hbm_latency_ns;
  write_cost_ = device.calibration.values.hbm_read_efficiency / device.calibration.values.hbm_write_efficiency;
  reset();
}

void HbmController::reset() {
  port_.reset();
  read_bytes_ = 0.0;
  write_bytes_ = 0.0;
}

void HbmController::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& /*delay*/) {
  auto* request = payload.get_extension<ChunkRequest>();
  const double bytes = static_cast<double>(payload.get_data_length());
  const double end = port_.reserve(request->issue_ns, payload.is_write() ? bytes * write_cost_ : bytes);
  if (payload.is_write()) {
    write_bytes_ += bytes;
    request->done_ns = end;
  } else {
    read_bytes_ += bytes;
    request->done_ns = end + latency_ns_;
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace codesim::hw
