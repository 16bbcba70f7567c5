#include "workloads/traffic/all_to_all_traffic.hpp"

#include <numeric>

namespace codesim::workloads {

std::int64_t TrafficMatrix::sent_by(int src) const {
  std::int64_t s = 0;
  for (int d = 0; d < gpus_; ++d) s += at(src, d);
  return s;
}

std::int64_t TrafficMatrix::received_by(int dst) const {
  std::int64_t s = 0;
  for (int g = 0; g < gpus_; ++g) s += at(g, dst);
  return s;
}

std::int64_t TrafficMatrix::total() const { return std::accumulate(bytes_.begin(), bytes_.end(), std::int64_t{0}); }

void add_token_traffic_normal(const ClusterShape& c, int source, std::span<const int> target_gpus,
                              AllToAllPhase& phase, std::span<std::uint8_t> scratch) {
  const std::int64_t b = phase.bytes_per_copy;
  const int source_node = c.node_of(source);
  const int source_local = c.local_of(source);
  // Per GPU, bit 0 of scratch marks a target already served and bit 1 a relay already reached
  // over InfiniBand, so that each target and each remote node is paid for once per token.
  for (const int g : target_gpus) {
    auto& seen = scratch[static_cast<std::size_t>(g)];
    if ((seen & 1U) != 0) continue;
    seen |= 1U;
    const int node = c.node_of(g);
    if (g == source) {
      phase.local[static_cast<std::size_t>(source)] += b;
      ++phase.copies;
    } else if (node == source_node) {
      phase.nvlink.add(source, g, b);
      ++phase.copies;
    } else {
      const int relay = node * c.gpus_per_node + source_local;
      auto& relay_mark = scratch[static_cast<std::size_t>(relay)];
      if ((relay_mark & 2U) == 0) {
        relay_mark |= 2U;
        phase.infiniband.add(source, relay, b);
        ++phase.copies;
      }
      if (g != relay) {
        phase.nvlink.add(relay, g, b);
        ++phase.copies;
      }
    }
  }
  for (const int g : target_gpus) {
    scratch[static_cast<std::size_t>(g)] = 0;
    scratch[static_cast<std::size_t>(c.node_of(g) * c.gpus_per_node + source_local)] = 0;
  }
}

void add_token_traffic_low_latency(const ClusterShape& c, int source, std::span<const int> target_gpus,
                                   bool intranode_nvlink, AllToAllPhase& phase) {
  const std::int64_t b = phase.bytes_per_copy;
  for (const int g : target_gpus) {
    ++phase.copies;
    if (g == source) {
      phase.local[static_cast<std::size_t>(source)] += b;
    } else if (intranode_nvlink && c.node_of(g) == c.node_of(source)) {
      phase.nvlink.add(source, g, b);
    } else {
      phase.infiniband.add(source, g, b);
    }
  }
}

AllToAllPhase scaled_phase(const AllToAllPhase& counted, std::string name, std::string format, std::int64_t bytes,
                           bool reverse) {
  const int gpus = counted.nvlink.gpus();
  AllToAllPhase out(std::move(name), std::move(format), bytes, gpus);
  for (int a = 0; a < gpus; ++a) {
    for (int b = 0; b < gpus; ++b) {
      const int src = reverse ? b : a;
      const int dst = reverse ? a : b;
      if (const auto n = counted.nvlink.at(a, b); n != 0) out.nvlink.add(src, dst, n * bytes);
      if (const auto n = counted.infiniband.at(a, b); n != 0) out.infiniband.add(src, dst, n * bytes);
    }
    out.local[static_cast<std::size_t>(a)] = counted.local[static_cast<std::size_t>(a)] * bytes;
  }
  out.copies = counted.copies;
  return out;
}

}  // namespace codesim::workloads
