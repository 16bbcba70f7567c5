#include "emulator/sim/named_statistic.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace codesim::sim {

std::string format_statistics(const std::vector<NamedStatistic>& statistics, const std::string& indent) {
  std::size_t name_width = 0;
  std::size_t value_width = 0;
  std::vector<std::string> values;
  for (const auto& s : statistics) {
    values.push_back(format_band(s.value, s.precision) + " " + s.unit);
    name_width = std::max(name_width, s.name.size());
    value_width = std::max(value_width, values.back().size());
  }
  std::string out;
  for (std::size_t i = 0; i < statistics.size(); ++i)
    out += fmt::format("{}{:<{}}  {:<{}}  {}\n", indent, statistics[i].name, name_width, values[i], value_width,
                       statistics[i].description);
  return out;
}

void put_statistics(nlohmann::ordered_json& j, const std::vector<NamedStatistic>& statistics) {
  for (const auto& s : statistics) {
    j[s.name] = s.value.value;
    j[s.name + "_low"] = s.value.low;
    j[s.name + "_high"] = s.value.high;
  }
}

}  // namespace codesim::sim
