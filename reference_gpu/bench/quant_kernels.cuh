#pragma once
// FP8 quantisation with DeepSeek's 1x128 activation scales, and SwiGLU fused with it.
//
// Per row and per 128 columns: amax = max |x| (at least 1e-4), code = E4M3(x * (448 / amax)),
// scale = amax / 448 — DeepGEMM's per_token_cast_to_fp8. The conversion saturates
// (__NV_SATFINITE); x * (448 / amax) never exceeds 448 by more than rounding, so this equals the
// PyTorch cast DeepGEMM uses. SwiGLU: y = silu(gate) * up in FP32, quantised the same way without
// rounding y to BF16 first (the fused form).
//
// Every floating-point step the kernels take is written so that host and device round it the
// same way (explicit _rn operations on the device, which nvcc never contracts; a polynomial
// exp instead of the library's), so the host reference reproduces the codes and scales bit for bit.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"

namespace codesim::reference::bench {

// ------------------------------------------------------------------------------------ shared arithmetic

__host__ __device__ inline float mul_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
__host__ __device__ inline float add_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
__host__ __device__ inline float fma_rn(float a, float b, float c) {
#ifdef __CUDA_ARCH__
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

__host__ __device__ inline float bits_to_float(std::uint32_t bits) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(bits);
#else
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
#endif
}

/// 2^k for k in [-126, 127], built from its exponent bits (cheaper on the device than ldexpf).
__host__ __device__ inline float pow2i(int k) { return bits_to_float(static_cast<std::uint32_t>(k + 127) << 23); }

/// e^x for the SwiGLU: x = k ln2 + r (Cody-Waite), a degree-7 Taylor polynomial for e^r with
/// |r| <= ln2/2 (truncation below 1e-8 relative), times 2^k. About 1 ulp from the true value, and
/// the same bits on host and device.
__host__ __device__ inline float exp_poly(float x) {
  // Past these bounds silu's float result no longer changes, and k stays in [-126, 127].
  x = fminf(fmaxf(x, -87.0f), 88.0f);
  const float k = rintf(mul_rn(x, 1.44269504f));
  float r = fma_rn(-k, 0.693145752f, x);  // ln2 high part: k * it is exact
  r = fma_rn(-k, 1.42860677e-6f, r);      // ln2 low part
  float p = 1.98412698e-4f;               // 1/7!
  p = fma_rn(p, r, 1.38888889e-3f);
  p = fma_rn(p, r, 8.33333333e-3f);
  p = fma_rn(p, r, 4.16666667e-2f);
  p = fma_rn(p, r, 1.66666667e-1f);
  p = fma_rn(p, r, 0.5f);
  p = fma_rn(p, r, 1.0f);
  p = fma_rn(p, r, 1.0f);
  return mul_rn(p, pow2i(static_cast<int>(k)));
}

__host__ __device__ inline float swiglu(float gate, float up) {
  const float silu = gate / add_rn(1.0f, exp_poly(-gate));
  return mul_rn(silu, up);
}

struct QuantParams {
  float factor;  ///< 448 / amax: multiplies a value into E4M3 range
  float scale;   ///< amax / 448: what the GEMM multiplies back
};

__host__ __device__ inline QuantParams quant_params(float amax) {
  const float a = fmaxf(amax, 1e-4f);
  return {448.0f / a, a / 448.0f};
}

__host__ __device__ inline float bf16_bits_to_float(std::uint32_t bits16) { return bits_to_float(bits16 << 16); }

/// The host reference's code for one value (the device converts pairs with the same rounding).
inline std::uint8_t e4m3_code(float x, const QuantParams& q) {
  return __nv_cvt_float_to_fp8(mul_rn(x, q.factor), __NV_SATFINITE, __NV_E4M3);
}

// ------------------------------------------------------------------------------------ scale layouts

/// Scales as the GEMM's VEC128 mode wants them: M-major, scale (row, block) at block * rows + row.
struct MMajorScaleIndex {
  std::int64_t rows;
  __host__ __device__ std::int64_t operator()(std::int64_t row, std::int64_t block, std::int64_t /*blocks*/) const {
    return block * rows + row;
  }
};

/// Rows in groups (one per expert), each group's scales M-major on their own, one group after
/// another: what a sequence of per-group GEMMs reads. Per row: the group's first row and rows.
struct GroupedScaleIndex {
  const std::int64_t* group_start;
  const std::int32_t* group_rows;
  __host__ __device__ std::int64_t operator()(std::int64_t row, std::int64_t block, std::int64_t blocks) const {
    const std::int64_t start = group_start[row];
    return start * blocks + block * group_rows[row] + (row - start);
  }
};

// ------------------------------------------------------------------------------------ row sources

/// 8 consecutive BF16 values per 16-byte load.
__device__ inline void unpack_bf16x8(const uint4& raw, float (&v)[8]) {
  const std::uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = bf16_bits_to_float(words[i] & 0xFFFFu);
    v[2 * i + 1] = bf16_bits_to_float(words[i] >> 16);
  }
}

__device__ inline uint4 load16(const __nv_bfloat16* p) { return *reinterpret_cast<const uint4*>(p); }

/// Plain quantisation: BF16 rows of `ld` elements.
struct Bf16Rows {
  const __nv_bfloat16* x;
  std::int64_t ld;
  struct Raw {
    uint4 x;
  };
  __device__ Raw fetch(std::int64_t row, std::int64_t col) const { return {load16(x + row * ld + col)}; }
  __device__ static void values(const Raw& raw, float (&v)[8]) { unpack_bf16x8(raw.x, v); }
};

/// SwiGLU: rows of 2 * intermediate BF16 values, gate in the first half and up in the second.
struct SwigluRows {
  const __nv_bfloat16* h;
  std::int64_t intermediate;
  struct Raw {
    uint4 gate, up;
  };
  __device__ Raw fetch(std::int64_t row, std::int64_t col) const {
    const __nv_bfloat16* p = h + row * 2 * intermediate + col;
    return {load16(p), load16(p + intermediate)};
  }
  __device__ static void values(const Raw& raw, float (&v)[8]) {
    float gate[8], up[8];
    unpack_bf16x8(raw.gate, gate);
    unpack_bf16x8(raw.up, up);
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = swiglu(gate[i], up[i]);
  }
};

// ------------------------------------------------------------------------------------ the kernel

// A half-warp (16 lanes x 8 values = 128) owns one row's 128-column group: one 16-byte load per
// lane and source half, the amax in 4 shuffles, and 16-byte stores of 16 codes by the even lanes.
// Each lane handles kRowsPerLane rows whose loads are all issued before the first is used, so
// 64 (plain) or 128 (SwiGLU) bytes per lane are in flight.
inline constexpr int kQuantThreads = 256;
inline constexpr int kLanesPerGroup = 16;
inline constexpr int kRowsPerPass = kQuantThreads / kLanesPerGroup;
inline constexpr int kRowsPerLane = 4;
inline constexpr int kRowsPerQuantBlock = kRowsPerPass * kRowsPerLane;

/// Packs 8 values times `factor` into 8 E4M3 codes (little-endian: value 0 in the low byte).
__device__ inline uint2 encode_e4m3x8(const float (&v)[8], float factor) {
  std::uint32_t word[2] = {0, 0};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 pair = make_float2(mul_rn(v[2 * i], factor), mul_rn(v[2 * i + 1], factor));
    const std::uint32_t two = __nv_cvt_float2_to_fp8x2(pair, __NV_SATFINITE, __NV_E4M3);
    word[i / 2] |= two << (16 * (i % 2));
  }
  return make_uint2(word[0], word[1]);
}

/// grid = (cols / 128, ceil(rows / kRowsPerQuantBlock)), block = kQuantThreads: consecutive blocks
/// take consecutive 128-column pieces of the same rows. `out` is rows x cols E4M3, cols a multiple
/// of 128.
template <class Source, class ScaleIndex>
__global__ void __launch_bounds__(kQuantThreads)
    quantize_1x128_kernel(Source src, std::uint8_t* out, float* scales, ScaleIndex scale_index, std::int64_t rows,
                          std::int64_t cols) {
  const int lane = static_cast<int>(threadIdx.x) % kLanesPerGroup;
  const std::int64_t block_col = blockIdx.x;
  const std::int64_t col = block_col * kScaleBlock + lane * 8;
  const std::int64_t first_row = blockIdx.y * std::int64_t{kRowsPerQuantBlock} + threadIdx.x / kLanesPerGroup;

  typename Source::Raw raw[kRowsPerLane] = {};
#pragma unroll
  for (int r = 0; r < kRowsPerLane; ++r) {
    const std::int64_t row = first_row + r * kRowsPerPass;
    if (row < rows) raw[r] = src.fetch(row, col);
  }
#pragma unroll
  for (int r = 0; r < kRowsPerLane; ++r) {
    const std::int64_t row = first_row + r * kRowsPerPass;
    // Rows past the end still take part in the shuffles (whole half-warps, with zeros).
    float v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (row < rows) Source::values(raw[r], v);
    float amax = 0.0f;
#pragma unroll
    for (int i = 0; i < 8; ++i) amax = fmaxf(amax, fabsf(v[i]));
#pragma unroll
    for (int offset = kLanesPerGroup / 2; offset > 0; offset /= 2)
      amax = fmaxf(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, offset));
    const QuantParams q = quant_params(amax);
    const uint2 mine = encode_e4m3x8(v, q.factor);
    const std::uint32_t next_x = __shfl_down_sync(0xFFFFFFFFu, mine.x, 1);
    const std::uint32_t next_y = __shfl_down_sync(0xFFFFFFFFu, mine.y, 1);
    if (row >= rows) continue;
    if (lane % 2 == 0)
      *reinterpret_cast<uint4*>(out + row * cols + col) = make_uint4(mine.x, mine.y, next_x, next_y);
    if (lane == 0) scales[scale_index(row, block_col, cols / kScaleBlock)] = q.scale;
  }
}

template <class Source, class ScaleIndex>
void launch_quantize(const Source& src, std::uint8_t* out, float* scales, const ScaleIndex& index, std::int64_t rows,
                     std::int64_t cols, cudaStream_t s) {
  if (cols % kScaleBlock != 0)
    throw std::invalid_argument("quantisation needs a multiple of 128 columns, got " + std::to_string(cols));
  if (rows == 0) return;
  if (ceil_div(rows, kRowsPerQuantBlock) > 65535)  // the grid's y limit
    throw std::invalid_argument("quantisation of " + std::to_string(rows) + " rows exceeds the grid limit");
  const dim3 grid(static_cast<unsigned>(cols / kScaleBlock), static_cast<unsigned>(ceil_div(rows, kRowsPerQuantBlock)));
  quantize_1x128_kernel<<<grid, kQuantThreads, 0, s>>>(src, out, scales, index, rows, cols);
  REF_CUDA_CHECK_LAUNCH();
}

/// BF16 x (rows x cols) -> E4M3 codes and 1x128 scales.
template <class ScaleIndex>
void quantize_1x128(const __nv_bfloat16* x, std::int64_t rows, std::int64_t cols, std::uint8_t* out, float* scales,
                    const ScaleIndex& index, cudaStream_t s) {
  launch_quantize(Bf16Rows{x, cols}, out, scales, index, rows, cols, s);
}

/// BF16 h (rows x 2*intermediate, gate | up) -> E4M3 silu(gate) * up (rows x intermediate) and scales.
template <class ScaleIndex>
void swiglu_quantize(const __nv_bfloat16* h, std::int64_t rows, std::int64_t intermediate, std::uint8_t* out,
                     float* scales, const ScaleIndex& index, cudaStream_t s) {
  launch_quantize(SwigluRows{h, intermediate}, out, scales, index, rows, intermediate, s);
}

// ------------------------------------------------------------------------------------ checking

/// How one quantiser output compares with the host reference.
struct QuantCheck {
  std::int64_t codes = 0;           ///< codes compared
  std::int64_t code_mismatches = 0; ///< differing codes where the reference was not at a tie
  std::int64_t tie_mismatches = 0;  ///< differing codes where the scaled value sits exactly between the two
  std::int64_t scales = 0;
  std::int64_t scale_mismatches = 0;  ///< scales differing in any bit
  std::int64_t nonfinite = 0;         ///< NaN codes or scales anywhere: unwritten (poisoned) outputs
  [[nodiscard]] bool ok() const { return code_mismatches == 0 && scale_mismatches == 0 && nonfinite == 0; }
  [[nodiscard]] Json json() const {
    Json j = Json::object();
    j["codes_compared"] = codes;
    j["code_mismatches"] = code_mismatches;
    j["tie_mismatches"] = tie_mismatches;
    j["scales_compared"] = scales;
    j["scale_mismatches"] = scale_mismatches;
    j["nonfinite_outputs"] = nonfinite;
    return j;
  }
  [[nodiscard]] std::string summary() const {
    return std::to_string(code_mismatches) + " code and " + std::to_string(scale_mismatches) +
           " scale mismatches (" + std::to_string(tie_mismatches) + " at ties), " + std::to_string(nonfinite) +
           " unwritten outputs, of " + std::to_string(codes) + " codes";
  }
};

/// Compares one row's codes and scales with the reference computed from `values` (the row's
/// `cols` FP32 inputs to quantisation). `codes` is the device's row, `scale_of(block)` its scales.
template <class ScaleOf>
void check_quant_row(const std::vector<float>& values, const std::uint8_t* codes, ScaleOf scale_of, QuantCheck& c) {
  const std::vector<float>& decode = e4m3_values();
  const auto blocks = static_cast<std::int64_t>(values.size()) / kScaleBlock;
  for (std::int64_t b = 0; b < blocks; ++b) {
    float amax = 0.0f;
    for (std::int64_t i = 0; i < kScaleBlock; ++i) amax = std::fmax(amax, std::fabs(values[b * kScaleBlock + i]));
    const QuantParams q = quant_params(amax);
    const float got_scale = scale_of(b);
    ++c.scales;
    if (std::memcmp(&got_scale, &q.scale, sizeof(float)) != 0) ++c.scale_mismatches;
    for (std::int64_t i = b * kScaleBlock; i < (b + 1) * kScaleBlock; ++i) {
      ++c.codes;
      const std::uint8_t want = e4m3_code(values[i], q);
      const std::uint8_t got = codes[i];
      if (got == want) continue;
      const double y = mul_rn(values[i], q.factor);
      const bool tie = std::fabs(decode[got] - y) == std::fabs(decode[want] - y);
      ++(tie ? c.tie_mismatches : c.code_mismatches);
    }
  }
}

/// Row `row` of a device BF16 matrix with `cols` columns, as FP32: the values a plain quantiser sees.
inline std::vector<float> bf16_row_values(const __nv_bfloat16* x, std::int64_t row, std::int64_t cols) {
  const std::vector<__nv_bfloat16> r = to_host(x + row * cols, static_cast<std::size_t>(cols));
  std::vector<float> v;
  for (const __nv_bfloat16 e : r) v.push_back(bf16_value(e));
  return v;
}

/// silu(gate) * up for row `row` of a device gate|up matrix: the values the SwiGLU quantiser sees.
inline std::vector<float> swiglu_row_values(const __nv_bfloat16* h, std::int64_t row, std::int64_t intermediate) {
  const std::vector<float> both = bf16_row_values(h, row, 2 * intermediate);
  std::vector<float> v;
  for (std::int64_t i = 0; i < intermediate; ++i)
    v.push_back(swiglu(both[static_cast<std::size_t>(i)], both[static_cast<std::size_t>(intermediate + i)]));
  return v;
}

/// Checks the quantiser's output rows `rows` (of `total_rows` x `cols` codes and `scale_count`
/// scales on the device) against the reference from `values_of(row)`; `host_index` maps (row,
/// block) to a scale as the kernel's index did, with host pointers. Counts unwritten outputs
/// everywhere. The stream's work must be complete.
template <class ValuesOf, class ScaleIndex>
QuantCheck check_quantized(const std::vector<std::int64_t>& rows, ValuesOf values_of, const std::uint8_t* out,
                           const float* scales, std::int64_t scale_count, const ScaleIndex& host_index,
                           std::int64_t total_rows, std::int64_t cols, cudaStream_t s) {
  QuantCheck c;
  c.nonfinite = count_nonfinite(out, total_rows * cols, s) + count_nonfinite(scales, scale_count, s);
  const std::vector<float> host_scales = to_host(scales, static_cast<std::size_t>(scale_count));
  const std::int64_t blocks = cols / kScaleBlock;
  for (const std::int64_t row : rows) {
    const std::vector<std::uint8_t> codes = to_host(out + row * cols, static_cast<std::size_t>(cols));
    check_quant_row(values_of(row), codes.data(),
                    [&](std::int64_t b) { return host_scales[static_cast<std::size_t>(host_index(row, b, blocks))]; },
                    c);
  }
  return c;
}

}  // namespace codesim::reference::bench
