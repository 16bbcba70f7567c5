#pragma once
// What a TMA load or store carries through the TLM-2.0 sockets besides the generic payload:
// which chunk (so the L2 can recognise data another CTA brought in) and how many of its bytes
// cross each level. Times are ns since the kernel started and travel here, not in the
// payload's delay argument: the SM keeps its own time (temporal decoupling, see sm.hpp) and
// the targets leave the delay as it is, which spares an sc_time conversion per transfer.
#include <cstdint>

#include <tlm>

namespace codesim::hw {

struct ChunkRequest : tlm::tlm_extension<ChunkRequest> {
  std::uint64_t key = 0;          ///< (tensor, row block, column block); 0 for stores
  double bytes = 0.0;             ///< bytes as they land in shared memory
  double hbm_bytes_factor = 1.0;  ///< bytes crossing HBM per byte landed
  double l2_bytes_factor = 1.0;   ///< share of the L2 transfer paid by this requester
  double issue_ns = 0.0;          ///< when the request leaves the SM
  double done_ns = 0.0;           ///< set by the target: when the last byte has arrived (or left)
  double sent_ns = 0.0;           ///< set by the target for stores: when the last byte has left the SM

  tlm::tlm_extension_base* clone() const override { return new ChunkRequest(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const ChunkRequest&>(other);
  }
};

[[nodiscard]] inline std::uint64_t chunk_key(std::uint32_t tensor, std::uint32_t row_block, std::uint32_t column_block) {
  return (std::uint64_t{tensor} << 44) ^ (std::uint64_t{row_block} << 22) ^ std::uint64_t{column_block};
}

}  // namespace codesim::hw
