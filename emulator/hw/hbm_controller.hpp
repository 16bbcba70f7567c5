#pragma once
// HBM behind the L2: one bandwidth-shared port at peak * the calibrated read efficiency, in
// which a written byte costs read_efficiency / write_efficiency read bytes, and a fixed access
// latency for reads. Writes are posted: they use bandwidth but nobody waits for them.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "emulator/hw/bandwidth_calendar.hpp"
#include "emulator/hw/device_config.hpp"

namespace codesim::hw {

class HbmController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HbmController> l2_side;

  HbmController(sc_core::sc_module_name name, const DeviceConfig& device);
  void configure(const DeviceConfig& device);
  void reset();

  [[nodiscard]] double read_bytes() const { return read_bytes_; }
  [[nodiscard]] double write_bytes() const { return write_bytes_; }
  [[nodiscard]] double busy_ns() const { return port_.busy_ns(); }

 private:
  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

  BandwidthCalendar port_;
  double latency_ns_ = 0.0;
  double write_cost_ = 1.0;  ///< port bytes per written byte
  double read_bytes_ = 0.0;
  double write_bytes_ = 0.0;
};

}  // namespace codesim::hw
