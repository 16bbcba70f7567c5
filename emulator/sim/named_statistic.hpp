#pragma once
// A result's figures as named statistics (name, unit, what it is, the value with its band), so
// that one formatter writes them as text lines and as JSON fields alike.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/sim/prediction_band.hpp"

namespace codesim::sim {

struct NamedStatistic {
  std::string name;         ///< JSON key and text label, unit included as the schema spells it: "time_us"
  std::string unit;         ///< "us", "GB/s", "B"
  std::string description;  ///< one line: what the value is
  Band value;
  int precision = 1;        ///< decimals in text
};

/// One line per statistic: indent, name, value with its band, unit, description; the columns
/// aligned over the list.
[[nodiscard]] std::string format_statistics(const std::vector<NamedStatistic>& statistics, const std::string& indent);

/// Each statistic as `name`, `name_low` and `name_high` (the result schema's bands) in `j`.
void put_statistics(nlohmann::ordered_json& j, const std::vector<NamedStatistic>& statistics);

}  // namespace codesim::sim
