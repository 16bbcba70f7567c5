#pragma once
// Selection of the k largest keys, in descending order with ties to the lower index: the
// order torch.topk gives for distinct values, made deterministic for equal ones.
#include <cstddef>
#include <span>

namespace codesim::workloads {

/// Writes the indices of the `out.size()` largest keys among `keys[i]` for i in `candidates`
/// (or all indices when `candidates` is empty). candidates must be ascending.
/// Requires out.size() <= number of candidates.
template <typename Key>
void top_k_indices(std::span<const Key> keys, std::span<const int> candidates, std::span<int> out) {
  const std::size_t k = out.size();
  std::size_t filled = 0;
  auto offer = [&](int index) {
    const Key key = keys[static_cast<std::size_t>(index)];
    if (filled == k && !(key > keys[static_cast<std::size_t>(out[k - 1])])) return;
    // Candidates arrive in ascending index order, so an equal key stays behind the earlier one.
    std::size_t pos = filled < k ? filled++ : k - 1;
    while (pos > 0 && key > keys[static_cast<std::size_t>(out[pos - 1])]) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = index;
  };
  if (candidates.empty()) {
    for (std::size_t i = 0; i < keys.size(); ++i) offer(static_cast<int>(i));
  } else {
    for (const int i : candidates) offer(i);
  }
}

}  // namespace codesim::workloads
