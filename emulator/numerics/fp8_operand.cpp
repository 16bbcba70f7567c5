#include "emulator/numerics/fp8_operand.hpp"

#include <cassert>
#include <cmath>
#include <stdexcept>

namespace codesim::numerics {

DecodedFp8::DecodedFp8(int rows_, int cols_, const FloatFormat& fmt, std::vector<std::uint8_t> codes)
    : rows(rows_), cols(cols_), format(fmt), bits(std::move(codes)) {
  if (fmt.total_bits() != 8) throw std::invalid_argument("DecodedFp8 needs an 8-bit format, not " + fmt.name);
  assert(bits.size() == static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  // Decode the 256 codes once, then look them up.
  float v_of[256];
  std::int16_t a_of[256];
  std::int16_t s_of[256];
  std::int8_t l_of[256];
  for (int code = 0; code < 256; ++code) {
    const Unpacked u = unpack(static_cast<std::uint64_t>(code), fmt);
    v_of[code] = static_cast<float>(to_double(static_cast<std::uint64_t>(code), fmt));
    const bool finite = u.cls == FloatClass::kFinite;
    a_of[code] = finite ? static_cast<std::int16_t>(alignment_exponent(u, fmt)) : kZeroAlignment;
    s_of[code] = finite ? static_cast<std::int16_t>(u.negative ? -static_cast<int>(u.significand)
                                                               : static_cast<int>(u.significand))
                        : std::int16_t{0};
    l_of[code] = finite ? static_cast<std::int8_t>(u.exponent) : std::int8_t{0};
  }
  product_lsb_min = 2 * (fmt.min_exponent() - fmt.man_bits);
  const std::size_t n = bits.size();
  value.resize(n);
  alignment.resize(n);
  significand.resize(n);
  lsb.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t c = bits[i];
    if (!std::isfinite(v_of[c])) throw std::invalid_argument("DecodedFp8: operand holds NaN or Inf");
    value[i] = v_of[c];
    alignment[i] = a_of[c];
    significand[i] = s_of[c];
    lsb[i] = l_of[c];
  }
}

}  // namespace codesim::numerics
