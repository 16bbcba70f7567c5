#pragma once
// The L2 between the SMs and HBM, at chunk granularity: a chunk another CTA already brought
// in is a hit (it waits for the data if the first request is still in flight); capacity is
// managed least-recently-used. Stores are written back to HBM behind the SMs' backs, but no
// more than the L2's capacity may wait for write-back, so a store-bound kernel runs at the
// HBM write rate. The SM side is one bandwidth-shared port (the crossbar,
// the calibrated l2_bandwidth_gbps); misses and write-backs go to HBM through `hbm_side`.
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "emulator/hw/bandwidth_calendar.hpp"
#include "emulator/hw/device_config.hpp"
#include "emulator/kernels/kernel_plan.hpp"

namespace codesim::hw {

class L2Cache : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<L2Cache> sm_side;  ///< one binding per SM
  tlm_utils::simple_initiator_socket<L2Cache> hbm_side;

  L2Cache(sc_core::sc_module_name name, const DeviceConfig& device);
  void configure(const DeviceConfig& device);
  /// Empties the cache and the statistics (each kernel starts with a flushed L2, as the
  /// published benchmarks run).
  void reset();
  /// Fills the L2 as the work before a kernel left it (see kernels::L2State): data the kernel
  /// never reads, then the chunks in order, each after its share of such data; only the newest
  /// capacity's worth stays.
  void preload(const kernels::L2State& state);

  [[nodiscard]] double bytes_to_sms() const { return port_.bytes(); }
  [[nodiscard]] double hit_bytes() const { return hit_bytes_; }
  [[nodiscard]] double miss_bytes() const { return miss_bytes_; }
  [[nodiscard]] double busy_ns() const { return port_.busy_ns(); }

 private:
  void b_transport(int sm, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  void insert(std::uint64_t key, double ready_ns, double bytes);  // newest, evicting the oldest
  double fetch_from_hbm(double issue_ns, double bytes, bool write);

  struct Line {
    double ready_ns;
    double bytes;
    std::list<std::uint64_t>::iterator lru;
  };
  BandwidthCalendar port_;
  double capacity_ = 0.0;
  double write_back_rate_ = 1.0;  ///< HBM write bandwidth the dirty data drains at (B/ns)
  double latency_ns_ = 0.0;
  double resident_ = 0.0;
  std::unordered_map<std::uint64_t, Line> lines_;
  std::list<std::uint64_t> lru_;  // front: most recent
  double hit_bytes_ = 0.0;
  double miss_bytes_ = 0.0;
  tlm::tlm_generic_payload hbm_payload_;
};

}  // namespace codesim::hw
