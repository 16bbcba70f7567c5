#pragma once
// The tensor core as a parameterised block fused multiply-add (../shared/notes/numerics.md
// §2.3 and §3): each step fuses `block_size` exact products with the accumulator C, aligns
// every term to the largest exponent keeping `frac_bits` fractional bits (truncating each
// term's magnitude toward zero), adds exactly, and rounds once.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/numerics/float_format.hpp"
#include "emulator/numerics/wide_int.hpp"

namespace codesim::numerics {

/// frac_bits value meaning "no truncation at alignment": the exact sum is rounded once.
inline constexpr int kExactAlignment = -1;
/// Largest block (products per fused step) a model may declare.
inline constexpr int kMaxBlockSize = 64;

struct BlockFmaConfig {
  std::string name;
  std::string summary;                     ///< what it models and how well it is validated
  std::vector<std::string> input_formats;  ///< accepted input formats; the first is the default
  int block_size = 0;                      ///< products fused with C in one step
  int frac_bits = 0;                       ///< fractional bits kept at alignment, or kExactAlignment
  FloatFormat fp32_result = FloatFormat::fp32();  ///< precision written to an FP32 result (fp22 on Hopper FP8)
  Rounding fp32_rounding = Rounding::kTowardZero;
  bool fp16_output = false;                ///< whether an FP16 result (rounded to nearest even) exists
};

enum class OutputFormat { kFp32, kFp16 };

/// One term of a fused sum: (-1)^negative * magnitude * 2^lsb_exponent, aligned by
/// `alignment_exponent` (for a product, the sum of the inputs' exponents, not renormalised).
struct Term {
  bool negative = false;
  UInt128 magnitude = 0;
  int lsb_exponent = 0;
  int alignment_exponent = 0;
};

/// The fused addition shared by every block model. An empty or exactly cancelling sum is +0.
std::uint64_t fuse_terms(std::span<const Term> terms, int frac_bits, const FloatFormat& result,
                         Rounding rounding);

/// Term for a finite non-zero binary32 accumulator value.
Term accumulator_term(std::uint32_t c_bits);

class BlockFmaModel {
 public:
  /// Throws std::invalid_argument if the input format or the output is not supported.
  BlockFmaModel(BlockFmaConfig config, const FloatFormat& input, OutputFormat output);

  [[nodiscard]] const BlockFmaConfig& config() const { return config_; }
  [[nodiscard]] const FloatFormat& input_format() const { return input_; }
  [[nodiscard]] OutputFormat output() const { return output_; }

  /// c + sum of a[k]*b[k] over at most block_size products: one tensor-core step. a and b
  /// are bit patterns of the input format; c and the result are binary32 bit patterns
  /// (an FP16 result is returned widened to binary32; with an FP16 output, c is first
  /// rounded to FP16, as the accumulator register then holds FP16).
  [[nodiscard]] std::uint32_t fused_block(std::span<const std::uint64_t> a,
                                          std::span<const std::uint64_t> b, std::uint32_t c) const;
  /// A dot product of any length: consecutive blocks in order, each result feeding the next
  /// as c, as chained MMA instructions do. A short last block is zero-filled, which does not
  /// change the result because zero products take no part in the alignment.
  [[nodiscard]] std::uint32_t dot(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                                  std::uint32_t c) const;

 private:
  BlockFmaConfig config_;
  FloatFormat input_;
  OutputFormat output_;
};

std::vector<std::string> block_fma_preset_names();
/// hopper-fp8, hopper-bf16, hopper-fp16, hopper-tf32, ada-fp8, ampere-bf16, ampere-fp16,
/// blackwell-bf16, blackwell-fp8.
std::optional<BlockFmaConfig> block_fma_preset(std::string_view name);

}  // namespace codesim::numerics
