#pragma once
// The L2 between the SMs and HBM, at chunk granularity: a chunk another CTA already brought
// in is a hit (it waits for the data if the first request is still in flight); capacity is
// managed least-recently-used. Stores are written back to HBM behind the SMs' backs, but no
// more than the L2's capacity may wait for write-back, so a store-bound kernel runs at the
// HBM write rate. The SM side is one bandwidth-shared port (the crossbar,
// the calibrated l2_bandwidth_gbps); misses and write-backs go to HBM through `hbm_side`.
#include <cstdint>
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

  /// The lines as a flat table: a node per line in `lines_`, linked from the most to the
  /// least recently used, and an open-addressing index from chunk key to node. (A node-based
  /// map and list cost an allocation per miss and a cache miss per step; the L2 is looked up
  /// for every chunk load.)
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  struct Line {
    std::uint64_t key;
    double ready_ns;
    double bytes;
    std::uint32_t newer;  ///< towards the most recent; kNone at the front
    std::uint32_t older;  ///< towards the least recent; kNone at the back
  };
  [[nodiscard]] std::uint32_t find(std::uint64_t key) const;  // node, or kNone
  [[nodiscard]] std::size_t home(std::uint64_t key) const {  // first slot to probe
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> index_shift_);
  }
  void index_insert(std::uint64_t key, std::uint32_t node);
  void index_erase(std::uint64_t key);
  void grow_index();
  void unlink(std::uint32_t node);
  void link_front(std::uint32_t node);

  BandwidthCalendar port_;
  double capacity_ = 0.0;
  double write_back_rate_ = 1.0;  ///< HBM write bandwidth the dirty data drains at (B/ns)
  double latency_ns_ = 0.0;
  double resident_ = 0.0;
  std::vector<Line> lines_;           // nodes; freed ones are reused through free_
  std::vector<std::uint32_t> free_;
  struct Slot {
    std::uint64_t key;
    std::uint32_t node;  ///< kNone: empty
  };
  std::vector<Slot> index_;           // linear probing, a power of two long, at most half full
  std::size_t index_shift_ = 64;      // 64 - log2(index_.size())
  std::size_t line_count_ = 0;
  std::uint32_t front_ = kNone;       // most recently used
  std::uint32_t back_ = kNone;        // least recently used
  double hit_bytes_ = 0.0;
  double miss_bytes_ = 0.0;
  tlm::tlm_generic_payload hbm_payload_;
};

}  // namespace codesim::hw
