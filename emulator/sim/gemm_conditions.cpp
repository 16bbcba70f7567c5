#include "emulator/sim/gemm_conditions.hpp"

#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "emulator/io/csv_table.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::sim {

double parse_l2_at_start(const std::string& text) {
  if (text == "flushed") return 0.0;
  constexpr std::string_view prefix = "b-tail/";
  if (text.rfind(prefix, 0) == 0) {
    const auto r = io::parse_finite_number(text.substr(prefix.size()));
    if (r && *r >= 1.0 && *r <= 1000.0) return *r;
  }
  throw std::invalid_argument(fmt::format("'{}': expected flushed or b-tail/<r> with r in [1, 1000]",
                                          io::bounded_quote(text)));
}

}  // namespace codesim::sim
