#pragma once
// A shared link or memory port as a calendar of time bins, each able to carry bandwidth * bin
// bytes. A transfer fills the earliest bins with room from its start time on. Requests may
// arrive out of time order (SMs run ahead of each other inside a SystemC quantum) and still
// share the bandwidth as a fluid, first-come within each bin.
#include <cstddef>
#include <vector>

namespace codesim::hw {

class BandwidthCalendar {
 public:
  /// Each bin carries at least this many bytes: at a slow rate the bins widen beyond the
  /// requested `bin_ns` so that their number follows the bytes moved, not the rate (a slow
  /// device costs simulated time, not host memory). Every shipped device's ports carry far
  /// more than this in their nominal bin, so their bins are exactly as requested.
  static constexpr double kMinBinBytes = 4096.0;
  /// The most bins one reset-to-reset span may use (16 bytes each: 256 MiB). Beyond it,
  /// reserve() throws std::invalid_argument: at 50 ns bins it is 0.84 s of simulated time in
  /// one kernel, far beyond any shipped kernel.
  static constexpr std::size_t kMaxBins = std::size_t{1} << 24;

  /// `bytes_per_ns` > 0; `bin_ns` > 0 (the bin width at rates where kMinBinBytes fit in it).
  BandwidthCalendar(double bytes_per_ns, double bin_ns);

  /// Reserves `bytes` from `start_ns` on (times relative to the last reset); returns the time
  /// the last byte has passed.
  double reserve(double start_ns, double bytes);
  void reset();
  void set_rate(double bytes_per_ns);

  [[nodiscard]] double bytes() const { return bytes_; }
  [[nodiscard]] double busy_ns() const { return bytes_ / rate_; }
  [[nodiscard]] double rate() const { return rate_; }

 private:
  /// static_cast<std::size_t>(ns / bin_ns_) for ns >= 0.
  [[nodiscard]] std::size_t bin_of(double ns) const;

  /// The bin width at `rate`: the nominal one, or wider where it would carry under kMinBinBytes.
  [[nodiscard]] double bin_width(double rate) const;

  double rate_;
  double nominal_bin_ns_;
  double bin_ns_;
  double bin_bytes_;
  // Reciprocals, only to tell which way a comparison goes where the margin is far wider than
  // their rounding; every returned time comes from the divisions themselves.
  double per_rate_;
  double per_bin_ns_;
  double bytes_ = 0.0;
  /// The first bin at or after `bin` that is not full (full bins are skipped in near-constant
  /// time: a saturated port has long runs of them).
  std::size_t first_open(std::size_t bin);
  /// Makes room for at least `needed` bins; throws std::invalid_argument beyond kMaxBins.
  void grow(std::size_t needed);

  std::vector<double> used_;         // bytes per bin
  std::vector<std::size_t> next_;    // next_[b] == b: b may have room; else a later candidate
};

}  // namespace codesim::hw
