#include "emulator/cli/numerics_text.hpp"

#include <fmt/format.h>

#include <bit>
#include <vector>

#include "emulator/cli/cli_error.hpp"

namespace codesim::cli {

using namespace codesim::numerics;

std::string dot_product_lines(LineReader& reader, const BlockFmaModel& model, const FloatFormat& in) {
  const FloatFormat& f32 = FloatFormat::fp32();
  std::vector<std::string> fields;
  std::vector<std::uint64_t> a;
  std::vector<std::uint64_t> b;
  std::string out;
  while (reader.next(fields)) {
    const std::size_t n = fields.size();
    if (n < 3 || n % 2 == 0)
      throw InputError(reader.where() + "expected 2K+1 fields (K values of a, K of b, then c), got " +
                       std::to_string(n));
    const std::size_t k = (n - 1) / 2;
    a.assign(k, 0);
    b.assign(k, 0);
    for (std::size_t f = 0; f < 2 * k; ++f) {
      const std::string role = fmt::format("{}[{}]", f < k ? 'a' : 'b', f % k);
      const std::uint32_t bits = parse_hex32(reader, fields[f], f + 1, role);
      const std::uint64_t code = convert(bits, f32, in, Rounding::kTowardZero, false);
      const Unpacked back = unpack(code, in);
      if (back.cls != FloatClass::kNan && convert(code, in, f32, Rounding::kNearestEven, false) != bits)
        throw InputError(reader.where() + fmt::format("field {} ({}): {:08x} = {} is not representable in {}", f + 1,
                                                      role, bits, std::bit_cast<float>(bits), in.name));
      (f < k ? a[f] : b[f - k]) = code;
    }
    const std::uint32_t c = parse_hex32(reader, fields[n - 1], n, "c");
    out += fmt::format("{:08x}\n", model.dot(a, b, c));
  }
  return out;
}

std::string converted_lines(LineReader& reader, const FloatFormat& to, Rounding rounding, bool saturate) {
  std::vector<std::string> fields;
  std::string out;
  while (reader.next(fields)) {
    if (fields.size() != 1)
      throw InputError(reader.where() + "expected one binary32 hex field, got " + std::to_string(fields.size()));
    const std::uint32_t bits = parse_hex32(reader, fields[0], 1, "value");
    out += fmt::format("{:0{}x}\n", convert(bits, FloatFormat::fp32(), to, rounding, saturate), to.hex_digits());
  }
  return out;
}

}  // namespace codesim::cli
