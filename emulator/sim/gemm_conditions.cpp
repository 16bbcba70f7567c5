#include "emulator/sim/gemm_conditions.hpp"

#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace codesim::sim {

double parse_l2_at_start(const std::string& text) {
  if (text == "flushed") return 0.0;
  constexpr std::string_view prefix = "b-tail/";
  if (text.rfind(prefix, 0) == 0) {
    const std::string ratio = text.substr(prefix.size());
    std::size_t used = 0;
    double r = 0.0;
    try {
      r = std::stod(ratio, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == ratio.size() && !ratio.empty() && r >= 1.0 && r <= 1000.0) return r;
  }
  throw std::invalid_argument(fmt::format("'{}': expected flushed or b-tail/<r> with r in [1, 1000]", text));
}

}  // namespace codesim::sim
