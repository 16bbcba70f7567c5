#include "emulator/hw/bandwidth_calendar.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace codesim::hw {

BandwidthCalendar::BandwidthCalendar(double bytes_per_ns, double bin_ns)
    : rate_(bytes_per_ns), nominal_bin_ns_(bin_ns), bin_ns_(bin_width(bytes_per_ns)), bin_bytes_(bytes_per_ns * bin_ns_),
      per_rate_(1.0 / bytes_per_ns), per_bin_ns_(1.0 / bin_ns_) {
  if (!(bytes_per_ns > 0.0) || !(bin_ns > 0.0)) throw std::invalid_argument("BandwidthCalendar: rate and bin must be positive");
}

double BandwidthCalendar::bin_width(double rate) const {
  // The nominal width unchanged wherever it carries kMinBinBytes, so that results at ordinary
  // rates do not depend on this rule.
  return rate * nominal_bin_ns_ >= kMinBinBytes ? nominal_bin_ns_ : kMinBinBytes / rate;
}

void BandwidthCalendar::reset() {
  used_.clear();
  next_.clear();
  bytes_ = 0.0;
}

void BandwidthCalendar::grow(std::size_t needed) {
  if (needed > kMaxBins)
    throw std::invalid_argument(
        "the bandwidth calendar of a " + std::to_string(rate_) + " B/ns port would need more than " +
        std::to_string(kMaxBins) + " bins of " + std::to_string(bin_ns_) + " ns (" +
        std::to_string(static_cast<double>(kMaxBins) * bin_ns_ * 1e-6) +
        " ms of simulated time in one kernel, the most the model holds in memory); simulate a smaller problem");
  // Doubling keeps growth amortised; the last step stops at the limit.
  const std::size_t bins = std::min(kMaxBins, std::max(needed, used_.size() * 2));
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
  per_rate_ = 1.0 / rate_;
  bin_ns_ = bin_width(rate_);
  per_bin_ns_ = 1.0 / bin_ns_;
  bin_bytes_ = rate_ * bin_ns_;
  reset();
}

std::size_t BandwidthCalendar::bin_of(double ns) const {
  // The division costs more than the rest of a reservation; a product gives the same bin
  // where ns lies clearly inside it. The product's bin k is checked by the remainder
  // ns - k * bin_ns_ (the product exact, the difference within half an ulp of ns): between
  // kEdge and bin_ns_ - kEdge, the exact quotient is at least k and so far below k + 1 that
  // it cannot round up to it (both errors are under 1e-4 ns for ns below 1e12 ns).
  constexpr double kEdge = 1e-3;
  constexpr double kLargest = 1e12;
  if (ns < kLargest) {
    const auto k = static_cast<std::size_t>(ns * per_bin_ns_);
    const double r = ns - static_cast<double>(k) * bin_ns_;
    if (r > kEdge && r < bin_ns_ - kEdge) return k;
  }
  return static_cast<std::size_t>(ns / bin_ns_);
}

double BandwidthCalendar::reserve(double start_ns, double bytes) {
  if (bytes <= 0.0) return start_ns;
  // A start beyond the calendar's span is refused before its bin index is formed (a cast
  // of a double past the range of size_t is undefined).
  if (!(start_ns < static_cast<double>(kMaxBins) * bin_ns_)) grow(kMaxBins + 1);
  bytes_ += bytes;
  const std::size_t start_bin = bin_of(std::max(0.0, start_ns));
  double remaining = bytes;
  double done = start_ns;
  // The margins below which a reciprocal's answer is not trusted: many orders of magnitude
  // above the few ulps by which a product can differ from the quotient.
  constexpr double kMargin = 1e-9;
  for (std::size_t bin = first_open(start_bin); remaining > 0.0; bin = first_open(bin + 1)) {
    if (bin >= used_.size()) grow(bin + 1);
    const bool first = bin == start_bin;
    const double bin_start = static_cast<double>(bin) * bin_ns_;
    const double free_bytes = bin_bytes_ - used_[bin];
    if (free_bytes <= 0.0) {
      next_[bin] = bin + 1;
      continue;
    }
    // In the first bin only the time after start_ns is available. Where the rest of the
    // transfer fits in the bin's free bytes and clearly within that window, the window does
    // not limit it and is not worked out.
    double take = remaining;
    const double offset = start_ns - bin_start;
    const double approximate_window = bin_bytes_ * (1.0 - offset * per_bin_ns_);
    if (!first || !(remaining <= free_bytes) ||
        !(remaining < approximate_window - kMargin * (bin_bytes_ + std::abs(approximate_window)))) {
      const double window = first ? bin_bytes_ * (1.0 - offset / bin_ns_) : bin_bytes_;
      const double room = std::min(free_bytes, window);
      if (room <= 0.0) continue;
      take = std::min(room, remaining);
    }
    if (take >= free_bytes) {
      used_[bin] = bin_bytes_;  // exactly full, so that it is skipped from now on
      next_[bin] = bin + 1;
    } else {
      used_[bin] += take;
    }
    remaining -= take;
    // The bin drains as a fluid in arrival order: this transfer ends when the bin has
    // carried everything put in it so far, and no earlier than its own bytes allow. (Only the
    // last bin's end is returned, so it is the only one worked out, and of the two bounds only
    // the later one where the reciprocals tell clearly which it is.)
    if (!(remaining > 0.0)) {
      const double from = first ? start_ns : bin_start;
      const double drained = bin_start + used_[bin] * per_rate_;
      const double own = from + take * per_rate_;
      const double margin = kMargin * (std::abs(drained) + std::abs(own));
      if (drained > own + margin) {
        done = bin_start + used_[bin] / rate_;
      } else if (own > drained + margin) {
        done = from + take / rate_;
      } else {
        done = std::max(bin_start + used_[bin] / rate_, from + take / rate_);
      }
    }
  }
  return done;
}

}  // namespace codesim::hw
