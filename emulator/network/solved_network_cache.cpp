#include "emulator/network/solved_network_cache.hpp"

#include <bit>

namespace codesim::network {

void ProblemKey::add(std::uint64_t v) {
  // FNV-1a over the value's bytes, and a splitmix64 chain: two unrelated 64-bit hashes.
  for (int i = 0; i < 8; ++i) {
    a_ ^= (v >> (8 * i)) & 0xffU;
    a_ *= 0x100000001b3ULL;
  }
  std::uint64_t z = b_ + v + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  b_ = z ^ (z >> 31);
  ++count_;
}

void ProblemKey::add(double v) { add(std::bit_cast<std::uint64_t>(v)); }

void ProblemKey::add(const std::string& s) {
  add(static_cast<std::uint64_t>(s.size()));
  for (const char c : s) add(static_cast<std::uint64_t>(static_cast<unsigned char>(c)));
}

SolvedNetworkCache::Key SolvedNetworkCache::key_of(const std::string& backend, const flow::NetworkBackend& net,
                                                   const std::vector<std::pair<std::string, double>>& runs) {
  ProblemKey k;
  k.add(backend);
  for (const auto& [kind, start_s] : runs) {
    k.add(kind);
    k.add(start_s);
  }
  for (const auto& link : net.links()) {
    k.add(link.name);
    k.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(link.link_class)));
    k.add(link.capacity);
  }
  for (const auto& f : net.flows()) {
    k.add(f.bytes);
    k.add(f.latency);
    k.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(f.tag)));
    k.add(static_cast<std::uint64_t>(f.path.size()));
    for (const auto& use : f.path) {
      k.add(static_cast<std::uint64_t>(static_cast<std::int64_t>(use.link)));
      k.add(use.weight);
    }
  }
  const auto [a, b, count] = k.value();
  return {a, b, count, net.links().size(), net.flows().size()};
}

const SolvedNetwork* SolvedNetworkCache::find(const Key& key) const {
  const auto it = solved_.find(key);
  if (it == solved_.end()) return nullptr;
  ++hits_;
  return &it->second;
}

void SolvedNetworkCache::store(const Key& key, SolvedNetwork solved) { solved_.emplace(key, std::move(solved)); }

}  // namespace codesim::network
