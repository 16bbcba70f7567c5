// Where the fluid network's active flows lie in memory: laid out again in the order the rate
// computation froze them (relayout), or with the finished ones dropped (compact). Apart from
// the rate computation because it is about memory order only: it changes no rate, and only the
// order of the roundings.
#include <cstdint>
#include <vector>

#include "emulator/network/flow/fluid_network.hpp"

namespace codesim::network::flow {

namespace {
/// v[order[0]], v[order[1]], ... in place of v.
template <typename T>
void permute(std::vector<T>& v, const std::vector<std::uint32_t>& order) {
  std::vector<T> out;
  out.reserve(order.size());
  for (const std::uint32_t i : order) out.push_back(v[i]);
  v.swap(out);
}
}  // namespace

void FluidNetwork::relayout(const std::vector<std::uint32_t>& order) {
  permute(act_id_, order);
  permute(act_order_, order);
  permute(act_remaining_, order);
  permute(act_rate_, order);
  permute(act_after_crossing_, order);
  permute(act_next_milestone_, order);
  permute(act_crossing_, order);
  std::vector<std::uint32_t> paths;
  paths.reserve(act_paths_.size());
  for (std::size_t j = 0; j < order.size(); ++j) {
    const std::uint32_t i = order[j];
    const auto begin = static_cast<std::uint32_t>(paths.size());
    paths.insert(paths.end(), act_paths_.begin() + act_path_begin_[i], act_paths_.begin() + act_path_end_[i]);
    act_path_begin_[i] = begin;  // read once per i: order names each index once
    act_path_end_[i] = static_cast<std::uint32_t>(paths.size());
  }
  permute(act_path_begin_, order);
  permute(act_path_end_, order);
  act_paths_.swap(paths);
  act_finished_.assign(order.size(), 0);
  act_finished_count_ = 0;
  // Each link's list again in the arrays' order, one entry per path use, as activate() builds it.
  for (std::vector<LinkEntry>& list : link_flows_) list.clear();
  for (std::size_t j = 0; j < order.size(); ++j) {
    const std::uint32_t begin = act_path_begin_[j];
    const std::uint32_t end = act_path_end_[j];
    for (std::uint32_t p = begin; p < end; ++p) {
      const std::uint32_t u = act_paths_[p];
      link_flows_[static_cast<std::size_t>(uses_[u].link)].push_back(
          LinkEntry{static_cast<std::uint32_t>(j), u, begin, end});
    }
  }
  activated_since_layout_ = 0;
}

void FluidNetwork::compact() {
  order_scratch_.clear();
  for (std::size_t i = 0; i < act_id_.size(); ++i)
    if (!act_finished_[i]) order_scratch_.push_back(static_cast<std::uint32_t>(i));
  const std::size_t fresh = activated_since_layout_;
  relayout(order_scratch_);
  activated_since_layout_ = fresh;  // kept in order, not laid out again
}

}  // namespace codesim::network::flow
