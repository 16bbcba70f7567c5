#include "emulator/kernels/kernel_plan.hpp"

#include <cstring>

namespace codesim::kernels {
namespace {

// FNV-1a over the bytes of each field.
class Fingerprint {
 public:
  template <typename T>
  void add(const T& v) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    for (const unsigned char b : bytes) h_ = (h_ ^ b) * 0x100000001B3ULL;
  }
  void add_text(const std::string& s) {
    for (const char c : s) add(c);
    add(s.size());
  }
  [[nodiscard]] std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xCBF29CE484222325ULL;
};

}  // namespace

std::uint64_t timing_fingerprint(const KernelPlan& p) {
  Fingerprint f;
  f.add_text(p.kind);
  f.add(static_cast<int>(p.mma));
  f.add(p.ctas);
  f.add(p.stages);
  f.add(p.smem_bytes_per_cta);
  f.add(p.useful_flops);
  f.add(p.nominal_bytes);
  f.add(p.roofline);
  f.add(p.roofline_flops);
  f.add(p.roofline_bytes);
  f.add(p.tiles.size());
  for (const auto& t : p.tiles) {
    f.add(t.iterations);
    f.add(t.streams);
    for (int s = 0; s < t.streams; ++s) {
      f.add(t.in[s].tensor);
      f.add(t.in[s].row_block);
      f.add(t.in[s].bytes);
      f.add(t.in[s].hbm_bytes_factor);
      f.add(t.in[s].l2_bytes_factor);
    }
    f.add(t.mma_flops);
    f.add(t.mma_smem_bytes);
    f.add(t.cuda_ops);
    f.add(t.cuda_overlaps_mma);
    f.add(t.epilogue_cuda_ops);
    f.add(t.global_round_trips_at_start);
    f.add(t.epilogue_smem_bytes);
    f.add(t.epilogue_smem_conflict);
    f.add(static_cast<int>(t.store_wait));
    f.add(t.store_bytes);
  }
  return f.value();
}

}  // namespace codesim::kernels
