#include "emulator/sim/prediction_band.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace codesim::sim {

std::vector<hw::DeviceConfig> band_members(const hw::DeviceConfig& device) {
  std::vector<hw::DeviceConfig> out{device};
  const auto& set = device.calibration.consistent_set;
  // The first member is the best fit, equal to the device's values (checked on load).
  for (std::size_t i = 1; i < set.size(); ++i) out.push_back(device.with_calibration(set[i].values));
  return out;
}

Band band_of(const std::vector<double>& per_member) {
  if (per_member.empty()) throw std::invalid_argument("band of no members");
  const auto [lo, hi] = std::minmax_element(per_member.begin(), per_member.end());
  return {per_member.front(), *lo, *hi};
}

std::string format_band(const Band& b, int precision, const std::string& suffix) {
  if (b.low == b.high) return fmt::format("{:.{}f}{}", b.value, precision, suffix);
  return fmt::format("{:.{}f}{} [{:.{}f}, {:.{}f}]", b.value, precision, suffix, b.low, precision, b.high, precision);
}

std::string speedup_verdict(const Band& s) {
  if (s.low == 1.0 && s.high == 1.0) return "no effect";
  if (s.high < 1.0) return "slower";
  if (s.low <= 1.0) return "band includes 1.0";
  return "";
}

}  // namespace codesim::sim
