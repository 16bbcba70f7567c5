#pragma once
// Network problems already solved, found by what was posted. A collective whose flows are all
// laid out when it starts, and whose callbacks only record arrivals
// (CollectiveKind::flows_fixed_at_start: DeepEP's low-latency kernels), poses a problem that
// its links and flows fix completely. Two proposal columns that pose the same problem (a
// proposal that changes nothing the collective uses: in-network reduction for low-latency
// kernels when every GPU holds one expert) then share one solve instead of repeating it.
//
// The key is the whole posted problem (backend, every link's name, class and capacity, every
// flow's path, weights, bytes, latency and tag, every run's kernel and start), hashed twice
// with independent 64-bit hashes and checked against the link and flow counts: two different
// problems share a key with a probability near 2^-128. What is kept is what the results read
// back: the links' statistics, each run's arrivals, the solver's steps, and the flows' bound
// ratio, a few hundred kilobytes per problem where the flows themselves are tens of megabytes.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/network/flow/network_backend.hpp"

namespace codesim::network {

/// Builds the key of a posted problem, value by value.
class ProblemKey {
 public:
  void add(std::uint64_t v);
  void add(double v);
  void add(const std::string& s);
  [[nodiscard]] std::tuple<std::uint64_t, std::uint64_t, std::uint64_t> value() const { return {a_, b_, count_}; }

 private:
  std::uint64_t a_ = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  std::uint64_t b_ = 0x9e3779b97f4a7c15ULL;
  std::uint64_t count_ = 0;
};

/// What a solve left behind that the results read.
struct SolvedNetwork {
  std::vector<flow::Link> links;                ///< with their statistics after the run
  std::vector<std::vector<double>> arrivals_s;  ///< per run, per GPU: its last arrival
  std::int64_t solver_steps = 0;
  double min_flow_time_over_bound = 1.0;
  std::size_t flows = 0;
};

class SolvedNetworkCache {
 public:
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::size_t, std::size_t>;

  /// The key of what `net` holds before it runs (links and flows), with each run's kernel name
  /// and start time.
  [[nodiscard]] static Key key_of(const std::string& backend, const flow::NetworkBackend& net,
                                  const std::vector<std::pair<std::string, double>>& runs);
  [[nodiscard]] const SolvedNetwork* find(const Key& key) const;
  void store(const Key& key, SolvedNetwork solved);
  /// Problems solved (stored), and answers given from the cache.
  [[nodiscard]] std::size_t solves() const { return solved_.size(); }
  [[nodiscard]] std::size_t hits() const { return hits_; }

 private:
  std::map<Key, SolvedNetwork> solved_;
  mutable std::size_t hits_ = 0;
};

}  // namespace codesim::network
