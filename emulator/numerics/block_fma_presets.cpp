// Tensor-core presets. Parameters and validation status come from
// ../shared/notes/numerics.md (§2.7 re-validation table and §3 generational table).
#include <array>

#include "emulator/numerics/block_fma.hpp"

namespace codesim::numerics {
namespace {

BlockFmaConfig preset(std::string name, std::string summary, std::vector<std::string> inputs,
                      int block, int frac_bits, const FloatFormat& fp32_result, Rounding rounding,
                      bool fp16_output) {
  return BlockFmaConfig{std::move(name), std::move(summary), std::move(inputs), block, frac_bits,
                        fp32_result, rounding, fp16_output};
}

const std::vector<BlockFmaConfig>& presets() {
  static const std::vector<BlockFmaConfig> all = {
      preset("hopper-fp8",
             "H100/H800 wgmma m64nNk32 FP8: 32 products + C fused, 13 fractional bits, per-term "
             "truncation toward zero, result RZ to FP22 (e8m13). Bit-exact on the H100 E4M3 data "
             "(C=0); C!=0 and the FP16 output follow MMA-Sim and are not yet checked on hardware.",
             {"e4m3", "e5m2"}, 32, 13, FloatFormat::fp22(), Rounding::kTowardZero, true),
      preset("hopper-bf16",
             "H100 BF16 MMA: 16 products + C, 25 fractional bits, RZ to FP32. Bit-exact on the H100 "
             "BF16 data (C!=0).",
             {"bf16"}, 16, 25, FloatFormat::fp32(), Rounding::kTowardZero, false),
      preset("hopper-fp16",
             "H100 FP16 MMA: 16 products + C, 25 fractional bits, RZ to FP32 or RNE to FP16. "
             "Bit-exact on the H100 FP16 data, both outputs.",
             {"fp16"}, 16, 25, FloatFormat::fp32(), Rounding::kTowardZero, true),
      preset("hopper-tf32",
             "H100 TF32 MMA (k8): 8 products + C, 25 fractional bits, RZ to FP32. Bit-exact on the "
             "H100 TF32 data (K=4).",
             {"tf32"}, 8, 25, FloatFormat::fp32(), Rounding::kTowardZero, false),
      preset("ada-fp8",
             "Ada mma.sync k32 FP8, split into two chained 16-product blocks, 13 fractional bits, "
             "RZ to FP22; FP16 output RNE (validated on published Ada data per the numerics note).",
             {"e4m3", "e5m2"}, 16, 13, FloatFormat::fp22(), Rounding::kTowardZero, true),
      preset("ampere-bf16", "A100 BF16 MMA: 8 products + C, 24 fractional bits, RZ to FP32.", {"bf16"}, 8,
             24, FloatFormat::fp32(), Rounding::kTowardZero, false),
      preset("ampere-fp16",
             "A100 FP16 MMA: 8 products + C, 24 fractional bits, RZ to FP32 or RNE to FP16.", {"fp16"},
             8, 24, FloatFormat::fp32(), Rounding::kTowardZero, true),
      preset("blackwell-bf16", "B200 BF16 MMA: 16 products + C, 25 fractional bits, RZ to FP32.",
             {"bf16"}, 16, 25, FloatFormat::fp32(), Rounding::kTowardZero, false),
      preset("blackwell-fp8",
             "B200 tcgen05 FP8: the exact sum of 32 products and C rounded to nearest even FP32 "
             "(matches the published B200 C!=0 data per the numerics note, §6.4).",
             {"e4m3", "e5m2"}, 32, kExactAlignment, FloatFormat::fp32(), Rounding::kNearestEven, false),
  };
  return all;
}

}  // namespace

std::vector<std::string> block_fma_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : presets()) names.push_back(p.name);
  return names;
}

std::optional<BlockFmaConfig> block_fma_preset(std::string_view name) {
  for (const auto& p : presets())
    if (p.name == name) return p;
  return std::nullopt;
}

}  // namespace codesim::numerics
