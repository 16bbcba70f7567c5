#pragma once
// Bytes each GPU sends to each other GPU in the MoE all-to-alls, split by link class.
// Normal mode follows [V3] §3.2.2: a token crosses InfiniBand at most once per target node,
// landing on the GPU with the sender's in-node index (rail-aligned), which forwards it over
// NVLink to the target GPUs of that node; combine is the mirror image, the forwarding GPU
// summing a node's results so that one vector per node crosses InfiniBand back. Low-latency
// mode sends every (token, expert) copy straight to the expert's GPU.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace codesim::workloads {

struct ClusterShape {
  int nodes = 1;
  int gpus_per_node = 1;
  [[nodiscard]] int gpus() const { return nodes * gpus_per_node; }
  [[nodiscard]] int node_of(int gpu) const { return gpu / gpus_per_node; }
  [[nodiscard]] int local_of(int gpu) const { return gpu % gpus_per_node; }
};

/// A dense GPU x GPU byte matrix.
class TrafficMatrix {
 public:
  explicit TrafficMatrix(int gpus = 0)
      : gpus_(gpus), bytes_(static_cast<std::size_t>(gpus) * static_cast<std::size_t>(gpus), 0) {}
  void add(int src, int dst, std::int64_t bytes) { bytes_[index(src, dst)] += bytes; }
  [[nodiscard]] std::int64_t at(int src, int dst) const { return bytes_[index(src, dst)]; }
  [[nodiscard]] std::int64_t sent_by(int src) const;
  [[nodiscard]] std::int64_t received_by(int dst) const;
  [[nodiscard]] std::int64_t total() const;
  [[nodiscard]] int gpus() const { return gpus_; }

 private:
  [[nodiscard]] std::size_t index(int src, int dst) const {
    return static_cast<std::size_t>(src) * static_cast<std::size_t>(gpus_) + static_cast<std::size_t>(dst);
  }
  int gpus_;
  std::vector<std::int64_t> bytes_;
};

/// One all-to-all phase: bytes per token copy and where they go.
struct AllToAllPhase {
  std::string name;               ///< "dispatch", "combine", "gradient_dispatch", "gradient_combine"
  std::string format;             ///< wire number format of the hidden vector
  std::int64_t bytes_per_copy = 0;
  TrafficMatrix nvlink;
  TrafficMatrix infiniband;
  std::vector<std::int64_t> local;  ///< bytes a GPU keeps for itself (no link crossed)
  std::int64_t copies = 0;          ///< token vectors moved (each counted once per hop start)

  AllToAllPhase(std::string phase_name, std::string wire_format, std::int64_t bytes, int gpus)
      : name(std::move(phase_name)),
        format(std::move(wire_format)),
        bytes_per_copy(bytes),
        nvlink(gpus),
        infiniband(gpus),
        local(static_cast<std::size_t>(gpus), 0) {}
};

/// Adds one token's dispatch traffic (source to experts; the combine and the gradient phases
/// are derived from it by scaled_phase). `target_gpus` has one entry per routed copy (repeats
/// allowed: two experts on one GPU). Normal mode deduplicates copies per GPU; `scratch` must
/// hold at least gpus entries, all zero, and is left all zero.
void add_token_traffic_normal(const ClusterShape& cluster, int source, std::span<const int> target_gpus,
                              AllToAllPhase& phase, std::span<std::uint8_t> scratch);
void add_token_traffic_low_latency(const ClusterShape& cluster, int source, std::span<const int> target_gpus,
                                   bool intranode_nvlink, AllToAllPhase& phase);

/// The phase whose copies are those of `counted` (accumulated with bytes_per_copy 1), each
/// `bytes` long; `reverse` swaps senders and receivers. The combine retraces the dispatch
/// hop by hop in reverse, so one walk over the tokens serves every phase.
[[nodiscard]] AllToAllPhase scaled_phase(const AllToAllPhase& counted, std::string name, std::string format,
                                         std::int64_t bytes, bool reverse);

}  // namespace codesim::workloads
