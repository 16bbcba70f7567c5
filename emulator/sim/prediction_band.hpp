#pragma once
// Every prediction with its uncertainty: the same quantity predicted with each member of the
// device's consistent set (the calibration values the published measurements cannot tell
// apart), reported as the best fit's value and the lowest and highest over the members.
// A ratio (a speedup) is formed member by member, so what the members share cancels.
#include <string>
#include <vector>

#include "emulator/hw/device_config.hpp"

namespace codesim::sim {

struct Band {
  double value = 0.0;  ///< with the best fit (the device's values)
  double low = 0.0;
  double high = 0.0;

  [[nodiscard]] bool contains(double x) const { return low <= x && x <= high; }
};

/// The devices a band is taken over: the device itself (its values are the best fit) first,
/// then the device with each other member's values. A device without a consistent set gives
/// itself only, and every band collapses to its value.
[[nodiscard]] std::vector<hw::DeviceConfig> band_members(const hw::DeviceConfig& device);

/// The band of per-member values; the first is the best fit's. Throws std::invalid_argument
/// when empty.
[[nodiscard]] Band band_of(const std::vector<double>& per_member);

/// "632.9 [610.2, 650.1]" with `precision` decimals (the band left out when it is a point).
[[nodiscard]] std::string format_band(const Band& b, int precision, const std::string& suffix = "");

/// What a speedup band says about a proposal: "" when the whole band is above 1; otherwise
/// "no effect" (every member exactly 1), "band includes 1.0" or "slower".
[[nodiscard]] std::string speedup_verdict(const Band& speedup);

}  // namespace codesim::sim
