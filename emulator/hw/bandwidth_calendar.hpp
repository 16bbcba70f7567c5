#pragma once
// A shared link or memory port as a calendar of time bins, each able to carry bandwidth * bin
// bytes. A transfer fills the earliest bins with room from its start time on. Requests may
// arrive out of time order (SMs run ahead of each other inside a SystemC quantum) and still
// share the bandwidth as a fluid, first-come within each bin.
#include <vector>

namespace codesim::hw {

class BandwidthCalendar {
 public:
  /// `bytes_per_ns` > 0; `bin_ns` > 0.
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
  double rate_;
  double bin_ns_;
  double bin_bytes_;
  double bytes_ = 0.0;
  std::vector<double> used_;  // bytes per bin
};

}  // namespace codesim::hw
