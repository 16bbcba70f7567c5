#include "emulator/hw/bandwidth_calendar.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace codesim::hw {

BandwidthCalendar::BandwidthCalendar(double bytes_per_ns, double bin_ns)
    : rate_(bytes_per_ns), bin_ns_(bin_ns), bin_bytes_(bytes_per_ns * bin_ns) {
  if (!(bytes_per_ns > 0.0) || !(bin_ns > 0.0)) throw std::invalid_argument("BandwidthCalendar: rate and bin must be positive");
}

void BandwidthCalendar::reset() {
  used_.clear();
  next_.clear();
  bytes_ = 0.0;
}

void BandwidthCalendar::grow(std::size_t bins) {
  const std::size_t old = used_.size();
  used_.resize(bins, 0.0);
  next_.resize(bins);
  for (std::size_t b = old; b < bins; ++b) next_[b] = b;
}

std::size_t BandwidthCalendar::first_open(std::size_t bin) {
  // Union-find with path halving over the runs of full bins.
  while (bin < next_.size() && next_[bin] != bin) {
    const std::size_t up = next_[bin];
    if (up < next_.size()) next_[bin] = next_[up];
    bin = up;
  }
  return bin;
}

void BandwidthCalendar::set_rate(double bytes_per_ns) {
  if (!(bytes_per_ns > 0.0)) throw std::invalid_argument("BandwidthCalendar: rate must be positive");
  rate_ = bytes_per_ns;
  bin_bytes_ = rate_ * bin_ns_;
  reset();
}

double BandwidthCalendar::reserve(double start_ns, double bytes) {
  if (bytes <= 0.0) return start_ns;
  bytes_ += bytes;
  const auto start_bin = static_cast<std::size_t>(std::max(0.0, start_ns) / bin_ns_);
  double remaining = bytes;
  double done = start_ns;
  for (std::size_t bin = first_open(start_bin); remaining > 0.0; bin = first_open(bin + 1)) {
    if (bin >= used_.size()) grow(std::max(bin + 1, used_.size() * 2));
    const bool first = bin == start_bin;
    const double bin_start = static_cast<double>(bin) * bin_ns_;
    // In the first bin only the time after start_ns is available.
    const double window = first ? bin_bytes_ * (1.0 - (start_ns - bin_start) / bin_ns_) : bin_bytes_;
    const double free_bytes = bin_bytes_ - used_[bin];
    if (free_bytes <= 0.0) {
      next_[bin] = bin + 1;
      continue;
    }
    const double room = std::min(free_bytes, window);
    if (room <= 0.0) continue;
    const double take = std::min(room, remaining);
    if (take >= free_bytes) {
      used_[bin] = bin_bytes_;  // exactly full, so that it is skipped from now on
      next_[bin] = bin + 1;
    } else {
      used_[bin] += take;
    }
    remaining -= take;
    // The bin drains as a fluid in arrival order: this transfer ends when the bin has
    // carried everything put in it so far, and no earlier than its own bytes allow.
    done = std::max(bin_start + used_[bin] / rate_, (first ? start_ns : bin_start) + take / rate_);
  }
  return done;
}

}  // namespace codesim::hw
