#include "emulator/numerics/gemm_recipe.hpp"

#include <charconv>
#include <stdexcept>

namespace codesim::numerics {
namespace {

BlockFmaConfig hopper_fp8() { return *block_fma_preset("hopper-fp8"); }

/// Smallest and largest accumulator widths the truncating datapath is modelled for.
constexpr int kMinAccumBits = 1;
constexpr int kMaxAccumBits = 60;

BlockFmaConfig widened_hopper_fp8(int bits) {
  BlockFmaConfig c = hopper_fp8();
  c.name = "hopper-fp8-accum" + std::to_string(bits);
  c.summary = "Hopper FP8 MMA keeping " + std::to_string(bits) + " fractional bits at alignment";
  c.frac_bits = bits;
  c.fp32_result = bits >= 23 ? FloatFormat::fp32() : *parse_format("e8m" + std::to_string(bits));
  return c;
}

BlockFmaConfig exact_fp8() {
  BlockFmaConfig c = hopper_fp8();
  c.name = "fp8-exact-rne";
  c.summary = "FP8 MMA: exact sum of products and C, rounded to nearest even FP32";
  c.frac_bits = kExactAlignment;
  c.fp32_result = FloatFormat::fp32();
  c.fp32_rounding = Rounding::kNearestEven;
  c.fp16_output = false;
  return c;
}

int parse_count(std::string_view text, std::string_view what) {
  int v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size())
    throw std::invalid_argument(std::string(what) + " '" + std::string(text) + "' is not a whole number");
  return v;
}

void check_accum_bits(int bits, std::string_view recipe) {
  if (bits < kMinAccumBits || bits > kMaxAccumBits)
    throw std::invalid_argument(std::string(recipe) + ": accumulator bits " + std::to_string(bits) +
                                " out of range " + std::to_string(kMinAccumBits) + ".." +
                                std::to_string(kMaxAccumBits));
}

}  // namespace

GemmRecipe fast_accum_recipe() {
  return GemmRecipe{"fast-accum",
                    "per-tensor scales; whole K chained through the FP22 tensor-core accumulator",
                    hopper_fp8(), GemmScaling::kPerTensor, 0, false};
}

GemmRecipe promote_recipe(int interval) {
  if (interval <= 0 || interval % kMmaK != 0 || kScaleGroup % interval != 0)
    throw std::invalid_argument("promote:" + std::to_string(interval) +
                                ": the interval must be 32, 64 or 128 (a multiple of the MMA K of 32 "
                                "that divides the 128-element scale group)");
  return GemmRecipe{"promote:" + std::to_string(interval),
                    "1x128/128x128 scales; FP22 partial sums promoted to FP32 every " + std::to_string(interval),
                    hopper_fp8(), GemmScaling::kBlockwise, interval, false};
}

GemmRecipe full_accum_recipe() {
  return GemmRecipe{"tc-full-accum",
                    "1x128/128x128 scales; tensor core exact then RNE FP32; scales applied every 128",
                    exact_fp8(), GemmScaling::kBlockwise, kScaleGroup, false};
}

GemmRecipe accum_bits_recipe(int bits) {
  check_accum_bits(bits, "accum-bits");
  return GemmRecipe{"accum-bits:" + std::to_string(bits),
                    "as promote:128 with " + std::to_string(bits) + " accumulator fraction bits",
                    widened_hopper_fp8(bits), GemmScaling::kBlockwise, kScaleGroup, false};
}

GemmRecipe group_scaling_recipe(int bits) {
  if (bits == kExactAlignment)
    return GemmRecipe{"tc-group-scaling",
                      "scales applied inside the MMA; whole K on the tensor core, exact then RNE FP32",
                      exact_fp8(), GemmScaling::kBlockwise, 0, true};
  check_accum_bits(bits, "tc-group-scaling");
  return GemmRecipe{"tc-group-scaling:" + std::to_string(bits),
                    "scales applied inside the MMA; whole K on the tensor core, " + std::to_string(bits) +
                        " fraction bits truncated",
                    widened_hopper_fp8(bits), GemmScaling::kBlockwise, 0, true};
}

std::vector<std::string> gemm_recipe_forms() {
  return {"fast-accum", "promote:N", "tc-full-accum", "accum-bits:N", "tc-group-scaling", "tc-group-scaling:N"};
}

GemmRecipe parse_gemm_recipe(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view head = text.substr(0, colon);
  const bool has_arg = colon != std::string_view::npos;
  const std::string_view arg = has_arg ? text.substr(colon + 1) : std::string_view{};
  if (head == "fast-accum" && !has_arg) return fast_accum_recipe();
  if (head == "tc-full-accum" && !has_arg) return full_accum_recipe();
  if (head == "promote" && has_arg) return promote_recipe(parse_count(arg, "promotion interval"));
  if (head == "accum-bits" && has_arg) return accum_bits_recipe(parse_count(arg, "accumulator bits"));
  if (head == "tc-group-scaling")
    return group_scaling_recipe(has_arg ? parse_count(arg, "accumulator bits") : kExactAlignment);
  std::string forms;
  for (const auto& f : gemm_recipe_forms()) forms += (forms.empty() ? "" : ", ") + f;
  throw std::invalid_argument("unknown recipe '" + std::string(text) + "' (valid: " + forms + ")");
}

}  // namespace codesim::numerics
