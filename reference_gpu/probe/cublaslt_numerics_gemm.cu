// cuBLASLt FP8 GEMM runs: see cublaslt_gemm.cuh for the layout mapping.
#include <optional>
#include <stdexcept>
#include <string>

#include "reference_gpu/cuda/device_query.hpp"
#include "reference_gpu/probe/cublaslt_gemm.cuh"

namespace codesim::reference::probe {
namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;
constexpr int kBlock = 128;

/// A cuBLASLt descriptor destroyed when it goes out of scope (a refused configuration returns early).
template <class H, cublasStatus_t (*Destroy)(H)>
class LtObject {
 public:
  LtObject() = default;
  ~LtObject() {
    if (h_ != nullptr) Destroy(h_);
  }
  LtObject(const LtObject&) = delete;
  LtObject& operator=(const LtObject&) = delete;
  H* out() { return &h_; }
  [[nodiscard]] H get() const { return h_; }

 private:
  H h_ = nullptr;
};
using MatmulDesc = LtObject<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using MatrixLayout = LtObject<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using Preference = LtObject<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;

/// cuBLASLt answers a configuration it has no kernel for with NOT_SUPPORTED or INVALID_VALUE: that
/// is a result to record. Any other failure (allocation, execution, internal) is an error.
std::optional<std::string> refusal(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return std::nullopt;
  std::string text = std::string(call) + " returned " + cublasLtGetStatusName(status);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || status == CUBLAS_STATUS_INVALID_VALUE) return text;
  throw std::runtime_error(text);
}

template <class T>
cublasStatus_t set_attribute(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  return cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof value);
}

GemmModeResult unsupported(std::string reason) { return GemmModeResult{false, std::move(reason), {}}; }

bool is_blockwise(const GemmCase& c) { return c.scaling == "blockwise"; }

/// K blocks of 128, after checking that the case's scale arrays have the blockwise sizes.
std::size_t checked_blocks(const GemmCase& c) {
  if (!is_blockwise(c) || c.k % kBlock != 0)
    throw std::invalid_argument("case " + c.name + ": blockwise scales need scaling blockwise and K a multiple of 128");
  const auto l = static_cast<std::size_t>(c.k / kBlock);
  const auto row_blocks = static_cast<std::size_t>((c.n + kBlock - 1) / kBlock);
  if (c.a_scale.size() != static_cast<std::size_t>(c.m) * l || c.b_scale.size() != row_blocks * l)
    throw std::invalid_argument("case " + c.name + ": scale counts do not match M x K/128 and ceil(N/128) x K/128");
  return l;
}

/// What one mode hands cuBLASLt: the scale arrays for its A (our weights) and B (our activations),
/// their modes, and the accumulation flag.
struct ModeSetup {
  std::vector<float> weight_scales;
  std::vector<float> activation_scales;
  std::int32_t weight_mode = CUBLASLT_MATMUL_MATRIX_SCALE_SCALAR_32F;
  std::int32_t activation_mode = CUBLASLT_MATMUL_MATRIX_SCALE_SCALAR_32F;
  std::int8_t fast_accum = 0;
};

ModeSetup setup_for(const GemmCase& c, GemmMode mode) {
  ModeSetup s;
  switch (mode) {
    case GemmMode::fast_accum:
    case GemmMode::split_accum:
      if (is_blockwise(c) || c.a_scale.size() != 1 || c.b_scale.size() != 1)
        throw std::invalid_argument("case " + c.name + ": mode " + mode_name(mode) + " needs one scale per tensor");
      s.weight_scales = c.b_scale;
      s.activation_scales = c.a_scale;
      s.fast_accum = mode == GemmMode::fast_accum ? 1 : 0;
      return s;
    case GemmMode::vec128_blk128:
      s.weight_scales = weight_scales_blk128(c);
      s.weight_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F;
      break;
    case GemmMode::vec128_vec128:
      s.weight_scales = weight_scales_vec128(c);
      s.weight_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
      break;
  }
  s.activation_scales = activation_scales_vec128(c);
  s.activation_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
  return s;
}

}  // namespace

const char* mode_name(GemmMode m) {
  switch (m) {
    case GemmMode::fast_accum: return "fast_accum";
    case GemmMode::split_accum: return "split_accum";
    case GemmMode::vec128_blk128: return "vec128_blk128";
    case GemmMode::vec128_vec128: return "vec128_vec128";
  }
  return "?";
}

std::vector<GemmMode> modes_for(const GemmCase& c) {
  if (is_blockwise(c)) return {GemmMode::vec128_blk128, GemmMode::vec128_vec128};
  return {GemmMode::fast_accum, GemmMode::split_accum};
}

std::vector<float> activation_scales_vec128(const GemmCase& c) {
  const std::size_t l = checked_blocks(c);
  const auto m = static_cast<std::size_t>(c.m);
  std::vector<float> out(m * l);
  for (std::size_t row = 0; row < m; ++row)
    for (std::size_t b = 0; b < l; ++b) out[b * m + row] = c.a_scale[row * l + b];
  return out;
}

std::vector<float> weight_scales_blk128(const GemmCase& c) {
  const std::size_t l = checked_blocks(c);
  const std::size_t l4 = (l + 3) / 4 * 4;
  const std::size_t row_blocks = c.b_scale.size() / l;
  std::vector<float> out(row_blocks * l4, 0.0f);
  for (std::size_t r = 0; r < row_blocks; ++r)
    for (std::size_t b = 0; b < l; ++b) out[r * l4 + b] = c.b_scale[r * l + b];
  return out;
}

std::vector<float> weight_scales_vec128(const GemmCase& c) {
  const std::size_t l = checked_blocks(c);
  const auto n = static_cast<std::size_t>(c.n);
  std::vector<float> out(n * l);
  for (std::size_t row = 0; row < n; ++row)
    for (std::size_t b = 0; b < l; ++b) out[b * n + row] = c.b_scale[(row / kBlock) * l + b];
  return out;
}

LtGemmRunner::LtGemmRunner() : workspace_(kWorkspaceBytes) {
  if (const auto why = refusal(cublasLtCreate(&handle_), "cublasLtCreate")) throw std::runtime_error(*why);
}

LtGemmRunner::~LtGemmRunner() {
  if (handle_ != nullptr) cublasLtDestroy(handle_);
}

GemmModeResult LtGemmRunner::run(const GemmCase& c, GemmMode mode) {
  const ModeSetup setup = setup_for(c, mode);
  const DeviceBuffer<std::uint8_t> weights(c.b);      // cuBLAS A
  const DeviceBuffer<std::uint8_t> activations(c.a);  // cuBLAS B
  const DeviceBuffer<float> weight_scales(setup.weight_scales);
  const DeviceBuffer<float> activation_scales(setup.activation_scales);
  DeviceBuffer<float> d(static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.n));
  d.poison();

  const cudaDataType_t type = c.format == "e5m2" ? CUDA_R_8F_E5M2 : CUDA_R_8F_E4M3;
  const auto m = static_cast<std::uint64_t>(c.m), n = static_cast<std::uint64_t>(c.n), k = static_cast<std::uint64_t>(c.k);
  const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
  const void* weight_scale_pointer = weight_scales.get();
  const void* activation_scale_pointer = activation_scales.get();
  const std::uint64_t workspace_bytes = workspace_.size();
  const bool block_modes = mode == GemmMode::vec128_blk128 || mode == GemmMode::vec128_vec128;

  MatmulDesc op;
  MatrixLayout a_layout, b_layout, d_layout;
  Preference preference;
  std::optional<std::string> why;
  const auto step = [&](cublasStatus_t status, const char* call) {
    why = refusal(status, call);
    return !why.has_value();
  };
  const bool configured =
      step(cublasLtMatmulDescCreate(op.out(), CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate") &&
      step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_TRANSA, transa), "set TRANSA") &&
      step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_TRANSB, transb), "set TRANSB") &&
      step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_FAST_ACCUM, setup.fast_accum), "set FAST_ACCUM") &&
      // Scale modes only for the block modes: per-tensor runs leave the attributes at their default.
      (!block_modes ||
       (step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_A_SCALE_MODE, setup.weight_mode), "set A_SCALE_MODE") &&
        step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_B_SCALE_MODE, setup.activation_mode), "set B_SCALE_MODE"))) &&
      step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, weight_scale_pointer), "set A_SCALE_POINTER") &&
      step(set_attribute(op.get(), CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, activation_scale_pointer),
           "set B_SCALE_POINTER") &&
      step(cublasLtMatrixLayoutCreate(a_layout.out(), type, k, n, static_cast<std::int64_t>(k)), "A layout") &&
      step(cublasLtMatrixLayoutCreate(b_layout.out(), type, k, m, static_cast<std::int64_t>(k)), "B layout") &&
      step(cublasLtMatrixLayoutCreate(d_layout.out(), CUDA_R_32F, n, m, static_cast<std::int64_t>(n)), "D layout") &&
      step(cublasLtMatmulPreferenceCreate(preference.out()), "cublasLtMatmulPreferenceCreate") &&
      step(cublasLtMatmulPreferenceSetAttribute(preference.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                &workspace_bytes, sizeof workspace_bytes),
           "set MAX_WORKSPACE_BYTES");
  if (!configured) return unsupported(*why);

  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  if (!step(cublasLtMatmulAlgoGetHeuristic(handle_, op.get(), a_layout.get(), b_layout.get(), d_layout.get(),
                                           d_layout.get(), preference.get(), 1, &heuristic, &found),
            "cublasLtMatmulAlgoGetHeuristic"))
    return unsupported(*why);
  if (found == 0) return unsupported("cublasLtMatmulAlgoGetHeuristic found no algorithm");

  const float alpha = 1.0f, beta = 0.0f;  // beta 0: C (aliased to D) is not read
  if (!step(cublasLtMatmul(handle_, op.get(), &alpha, weights.get(), a_layout.get(), activations.get(), b_layout.get(),
                           &beta, d.get(), d_layout.get(), d.get(), d_layout.get(), &heuristic.algo, workspace_.get(),
                           workspace_.size(), nullptr),
            "cublasLtMatmul"))
    return unsupported(*why);
  REF_CUDA_CHECK(cudaGetLastError());
  REF_CUDA_CHECK(cudaDeviceSynchronize());
  return GemmModeResult{true, "", d.to_host()};
}

std::string cublaslt_version_string() {
  const std::size_t v = cublasLtGetVersion();  // major * 10000 + minor * 100 + patch
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

}  // namespace codesim::reference::probe
