#pragma once
// The text inputs of `numerics dot` and `numerics convert`: each line parsed, checked and
// computed, the results as hex lines. Apart from the commands so that the fuzz targets
// (fuzz/) feed bytes to the very code the commands run.
#include <string>

#include "emulator/cli/line_reader.hpp"
#include "emulator/numerics/block_fma.hpp"
#include "emulator/numerics/float_format.hpp"

namespace codesim::cli {

/// Every line of `reader`: K binary32 values of a, K of b (each exactly representable in
/// `in`), then c; one dot product on `model` per line, as 8 hex digits and a newline. Throws
/// InputError naming the source, line and field.
[[nodiscard]] std::string dot_product_lines(LineReader& reader, const numerics::BlockFmaModel& model,
                                            const numerics::FloatFormat& in);

/// Every line of `reader`: one binary32 value converted to `to`, in hex (to.hex_digits() digits).
/// Throws InputError naming the source and line.
[[nodiscard]] std::string converted_lines(LineReader& reader, const numerics::FloatFormat& to,
                                          numerics::Rounding rounding, bool saturate);

}  // namespace codesim::cli
