#pragma once
// The switches a proposal flips to change how operators become kernels. Baseline values are
// Hopper as shipped with DeepSeek-V3's FP8 recipe; proposals (proposals/*.cpp) change them
// through Proposal::adjust_lowering, so the core never names a proposal.
namespace codesim::kernels {

struct LoweringFeatures {
  /// FP8 GEMMs promote the tensor-core partial sums into FP32 on CUDA cores every 128 of K,
  /// applying the 1x128 / 128x128 scales (DeepGEMM). False: the tensor core applies the scales.
  bool promotion_on_cuda_cores = true;
  /// A BF16 activation that feeds an FP8 GEMM is quantised by a separate kernel (read BF16,
  /// write FP8, read FP8 again). False: the TMA load casts while copying into shared memory.
  /// Not read by any lowering yet: the MoE expert operators quantise only for the FP8 wire.
  bool separate_quantize_pass = true;
  /// A BF16 tensor read only to be cast to FP8 crosses the HBM interface at full width.
  /// False: the cast happens next to the memory and only FP8 crosses the interface.
  bool bf16_crosses_hbm_for_cast = true;
  /// Weight gradients need the activations re-quantised along the token axis: a separate
  /// cast+transpose pass. False: the GEMM reads transposed tiles from shared memory.
  bool transpose_requantize_pass = true;
  /// Tokens are cast to FP8 for the dispatch wire by an SM kernel (the quantise operators
  /// before a dispatch). False: the communication hardware casts them as it sends.
  bool wire_quantize_on_sms = true;
  /// SMs held by communication kernels (not available to compute kernels). Not a proposal's
  /// switch: the scenario layer sets it from the column's CommunicationFeatures::sms.
  int reserved_sms = 0;

  [[nodiscard]] bool operator==(const LoweringFeatures&) const = default;
};

}  // namespace codesim::kernels
