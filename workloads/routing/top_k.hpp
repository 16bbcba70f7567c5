#pragma once
// The k largest keys, in descending order with ties to the lower index: the order torch.topk
// gives for distinct values, made deterministic for equal ones. Keys are copied into the
// buffer, so a rejected candidate costs one comparison.
#include <cstddef>
#include <span>

namespace codesim::workloads {

class TopK {
 public:
  static constexpr std::size_t kMax = 64;

  explicit TopK(std::size_t k) : k_(k) {}
  /// Offer candidates in ascending index order (so an equal key stays behind the earlier one).
  void offer(float key, int index) {
    if (size_ == k_) {
      if (!(key > keys_[k_ - 1])) return;
      --size_;
    }
    std::size_t pos = size_++;
    while (pos > 0 && key > keys_[pos - 1]) {
      keys_[pos] = keys_[pos - 1];
      indices_[pos] = indices_[pos - 1];
      --pos;
    }
    keys_[pos] = key;
    indices_[pos] = index;
  }
  void offer_range(std::span<const float> keys, int first_index) {
    for (std::size_t i = 0; i < keys.size(); ++i) offer(keys[i], first_index + static_cast<int>(i));
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return k_; }
  [[nodiscard]] float key(std::size_t j) const { return keys_[j]; }
  [[nodiscard]] int index(std::size_t j) const { return indices_[j]; }

 private:
  std::size_t k_;
  std::size_t size_ = 0;
  // Left uninitialised on purpose: only [0, size_) is ever read, and zeroing 512 bytes per
  // routed token showed up in profiles.
  float keys_[kMax];
  int indices_[kMax];
};

}  // namespace codesim::workloads
