#pragma once
// DeepSeek's block-scaled FP8 GEMM through cuBLASLt: D = A * B^T with A (m x k) activations and
// B (n x k) weights, both E4M3 row-major, D BF16 row-major (m x n); activations scaled per row and
// 128 of K (1x128), weights per 128x128 block. FP32 compute, no fast accumulation.
//
// cuBLAS is column-major, so it computes D^T (n x m, column-major = our row-major D) = B * A^T:
// its "A" is our weights (transa = T, k x n with ld k), its "B" our activations (transb = N,
// k x m with ld k), its m, n, k are our n, m, k. The scale modes follow the operands:
//   - weights, cuBLAS's A: BLK128x128_32F, K-major: scale (block row p, K block b) at p * L4 + b,
//     L = ceil(k / 128) rounded up to L4, a multiple of 4 (the padding entries are zero);
//   - activations, cuBLAS's B: VEC128_32F, M-major: scale (row i, K block b) at b * m + i.
// (cuBLAS documentation, "128-element 1D and 128x128 2D block scaling for FP8 data types"; the
// mode pair BLK128x128 x VEC128 is one of the three it supports.) cuBLAS also needs m and n to be
// multiples of 4 in these modes, so a group with m rows is computed on round_up(m, 4) rows whose
// extra rows hold ordinary data; only the real rows are counted in FLOP and bytes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"

namespace codesim::reference::bench {

constexpr std::int64_t k_blocks(std::int64_t k) { return ceil_div(k, kScaleBlock); }
constexpr std::int64_t k_blocks_padded(std::int64_t k) { return round_up(k_blocks(k), 4); }
constexpr std::int64_t weight_scale_count(std::int64_t n, std::int64_t k) {
  return ceil_div(n, kScaleBlock) * k_blocks_padded(k);
}
constexpr std::int64_t gemm_rows(std::int64_t m) { return round_up(m, 4); }

/// Where each group's rows live in the activation and output buffers. Contiguous: groups one
/// after another (each rounded up to 4 rows); masked: every group in a slot of the largest size.
/// A group's activation scales start at first_row * L, so every group's scales are 16-byte aligned.
struct GroupRows {
  std::vector<std::int64_t> ms;         ///< real rows per group
  std::vector<std::int64_t> rows;       ///< rows the GEMM computes (ms rounded up to 4)
  std::vector<std::int64_t> first_row;  ///< in the activation and output buffers
  std::int64_t total_rows = 0;          ///< rows allocated

  static GroupRows make(const std::vector<std::int64_t>& ms, bool masked) {
    GroupRows g;
    g.ms = ms;
    std::int64_t slot = 0;
    for (const std::int64_t m : ms) slot = std::max(slot, gemm_rows(m));
    for (const std::int64_t m : ms) {
      g.rows.push_back(gemm_rows(m));
      g.first_row.push_back(g.total_rows);
      g.total_rows += masked ? slot : gemm_rows(m);
    }
    return g;
  }
  [[nodiscard]] std::int64_t real_rows() const { return sum(ms); }
  [[nodiscard]] std::int64_t computed_rows() const { return sum(rows); }

 private:
  static std::int64_t sum(const std::vector<std::int64_t>& v) {
    std::int64_t s = 0;
    for (const std::int64_t x : v) s += x;
    return s;
  }
};

/// One group's GEMM, in our (row-major) terms.
struct GemmOperands {
  const std::uint8_t* act = nullptr;     ///< m x k E4M3
  const float* act_scales = nullptr;     ///< VEC128, M-major: m * L
  const std::uint8_t* weight = nullptr;  ///< n x k E4M3
  const float* weight_scales = nullptr;  ///< BLK128x128, K-major: ceil(n/128) * L4
  __nv_bfloat16* out = nullptr;          ///< m x n BF16
  std::int64_t m = 0, n = 0, k = 0;      ///< m: rows computed (a multiple of 4)
  std::int64_t real_m = 0;               ///< rows that carry tokens
};

/// The operands of each non-empty group, for buffers laid out as `g` says (weights: group after
/// group, n x k each, with their scales likewise).
inline std::vector<GemmOperands> group_operands(const GroupRows& g, const std::uint8_t* act, const float* act_scales,
                                                const std::uint8_t* weight, const float* weight_scales,
                                                __nv_bfloat16* out, std::int64_t n, std::int64_t k) {
  std::vector<GemmOperands> ops;
  for (std::size_t e = 0; e < g.ms.size(); ++e) {
    if (g.ms[e] == 0) continue;
    const auto ge = static_cast<std::int64_t>(e);
    GemmOperands op;
    op.act = act + g.first_row[e] * k;
    op.act_scales = act_scales + g.first_row[e] * k_blocks(k);
    op.weight = weight + ge * n * k;
    op.weight_scales = weight_scales + ge * weight_scale_count(n, k);
    op.out = out + g.first_row[e] * n;
    op.m = g.rows[e];
    op.n = n;
    op.k = k;
    op.real_m = g.ms[e];
    ops.push_back(op);
  }
  return ops;
}

/// The largest power of two (up to 256) dividing the address: what cuBLASLt may assume of it.
inline std::uint32_t pointer_alignment(const void* p) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  std::uint32_t align = 256;
  while (align > 1 && a % align != 0) align /= 2;
  return align;
}

class Fp8BlockScaledGemm {
 public:
  static constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

  Fp8BlockScaledGemm() : workspace_(kWorkspaceBytes) { REF_CUBLAS_CHECK(cublasLtCreate(&handle_)); }
  Fp8BlockScaledGemm(const Fp8BlockScaledGemm&) = delete;
  Fp8BlockScaledGemm& operator=(const Fp8BlockScaledGemm&) = delete;
  ~Fp8BlockScaledGemm() {
    plans_.clear();  // descriptors before the handle
    cublasLtDestroy(handle_);
  }

  /// Runs `ops` once on `s`, outside any graph: empty when all ran, otherwise why cuBLASLt refused
  /// (no algorithm from the heuristic, or an error status from the launch itself).
  std::string try_run(const std::vector<GemmOperands>& ops, cudaStream_t s) {
    for (const GemmOperands& op : ops)
      if (const std::string& why = plan(op).reason; !why.empty()) return why;
    try {
      for (const GemmOperands& op : ops) enqueue(op, s);
    } catch (const CublasError& e) {
      return e.what();
    }
    REF_CUDA_CHECK(cudaStreamSynchronize(s));
    return {};
  }

  /// Enqueues the GEMM on `s` (also inside a graph capture).
  void enqueue(const GemmOperands& op, cudaStream_t s) {
    Plan& p = plan(op);
    if (!p.reason.empty()) throw std::runtime_error("cuBLASLt cannot run this GEMM: " + p.reason);
    set_scale_pointers(p, op);
    const float alpha = 1.0f, beta = 0.0f;
    REF_CUBLAS_CHECK(cublasLtMatmul(handle_, p.desc, &alpha, op.weight, p.a, op.act, p.b, &beta, op.out, p.d, op.out,
                                    p.d, &p.heuristic.algo, workspace_.data(), kWorkspaceBytes, s));
  }

  /// The algorithm the heuristic chose for this GEMM (its configuration attributes).
  Json algorithm_json(const GemmOperands& op) {
    const Plan& p = plan(op);
    Json j = Json::object();
    j["m"] = op.m;
    const cublasLtMatmulAlgo_t& algo = p.heuristic.algo;
    j["algo_id"] = config<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID);
    j["tile_id"] = config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID);
    j["stages_id"] = config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID);
    j["splitk"] = config<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
    j["cluster_shape_id"] = config<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
    j["workspace_bytes"] = static_cast<long long>(p.heuristic.workspaceSize);
    j["waves"] = static_cast<double>(p.heuristic.wavesCount);
    return j;
  }

 private:
  /// Descriptors and the heuristic's first choice for one shape and operand alignment.
  struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
    cublasLtMatmulPreference_t preference = nullptr;
    cublasLtMatmulHeuristicResult_t heuristic{};
    std::string reason;  ///< empty: supported
    Plan() = default;
    Plan(const Plan&) = delete;
    Plan& operator=(const Plan&) = delete;
    ~Plan() {
      if (preference != nullptr) cublasLtMatmulPreferenceDestroy(preference);
      for (cublasLtMatrixLayout_t l : {a, b, d})
        if (l != nullptr) cublasLtMatrixLayoutDestroy(l);
      if (desc != nullptr) cublasLtMatmulDescDestroy(desc);
    }
  };
  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::uint32_t, std::uint32_t, std::uint32_t>;

  template <class T>
  void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attr, const T& value) {
    REF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, attr, &value, sizeof(value)));
  }
  template <class T>
  void prefer(cublasLtMatmulPreference_t p, cublasLtMatmulPreferenceAttributes_t attr, const T& value) {
    REF_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(p, attr, &value, sizeof(value)));
  }
  template <class T>
  static long long config(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr) {
    T value{};
    std::size_t written = 0;
    REF_CUBLAS_CHECK(cublasLtMatmulAlgoConfigGetAttribute(&algo, attr, &value, sizeof(value), &written));
    return static_cast<long long>(value);
  }

  void set_scale_pointers(Plan& p, const GemmOperands& op) {
    // cuBLAS's A is our weights and its B our activations.
    set(p.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, static_cast<const void*>(op.weight_scales));
    set(p.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, static_cast<const void*>(op.act_scales));
  }

  Plan& plan(const GemmOperands& op) {
    const std::uint32_t align_act = pointer_alignment(op.act), align_weight = pointer_alignment(op.weight),
                        align_out = pointer_alignment(op.out);
    const Key key{op.m, op.n, op.k, align_act, align_weight, align_out};
    auto it = plans_.find(key);
    if (it != plans_.end()) return *it->second;
    auto p = std::make_unique<Plan>();
    REF_CUBLAS_CHECK(cublasLtMatmulDescCreate(&p->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    set(p->desc, CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
    set(p->desc, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
    set(p->desc, CUBLASLT_MATMUL_DESC_FAST_ACCUM, std::int8_t{0});
    set(p->desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, std::int32_t{CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F});
    set(p->desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, std::int32_t{CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F});
    set_scale_pointers(*p, op);
    REF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->a, CUDA_R_8F_E4M3, static_cast<std::uint64_t>(op.k),
                                                static_cast<std::uint64_t>(op.n), op.k));
    REF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->b, CUDA_R_8F_E4M3, static_cast<std::uint64_t>(op.k),
                                                static_cast<std::uint64_t>(op.m), op.k));
    REF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->d, CUDA_R_16BF, static_cast<std::uint64_t>(op.n),
                                                static_cast<std::uint64_t>(op.m), op.n));
    REF_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&p->preference));
    prefer(p->preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, kWorkspaceBytes);
    // Group sub-buffers may be less aligned than the 256 bytes the heuristic assumes by default.
    prefer(p->preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_weight);
    prefer(p->preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_act);
    prefer(p->preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_out);
    prefer(p->preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_out);
    int returned = 0;
    const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(handle_, p->desc, p->a, p->b, p->d, p->d,
                                                                 p->preference, 1, &p->heuristic, &returned);
    if (status != CUBLAS_STATUS_SUCCESS)
      p->reason = std::string("cublasLtMatmulAlgoGetHeuristic: ") + cublasLtGetStatusName(status);
    else if (returned == 0)
      p->reason = "cublasLtMatmulAlgoGetHeuristic returned no algorithm";
    return *plans_.emplace(key, std::move(p)).first->second;
  }

  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer workspace_;
  std::map<Key, std::unique_ptr<Plan>> plans_;
};

/// The algorithm chosen for each distinct row count among `ops`.
inline Json algorithms_json(Fp8BlockScaledGemm& gemm, const std::vector<GemmOperands>& ops) {
  Json list = Json::array();
  std::vector<std::int64_t> seen;
  for (const GemmOperands& op : ops) {
    if (std::find(seen.begin(), seen.end(), op.m) != seen.end()) continue;
    seen.push_back(op.m);
    list.push_back(gemm.algorithm_json(op));
  }
  return list;
}

// ------------------------------------------------------------------------------------ checking

/// Sampled outputs against a double-precision reference from the same codes and scales.
struct GemmCheck {
  double err2 = 0, ref2 = 0;
  std::int64_t compared = 0;
  std::int64_t nonfinite = 0;  ///< NaN or infinite outputs anywhere: unwritten (poisoned) elements
  static constexpr double kTolerance = 1e-2;  ///< BF16 output: about 2^-9 relative per element

  [[nodiscard]] double rel_error() const {
    if (ref2 > 0) return std::sqrt(err2 / ref2);
    return err2 > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  [[nodiscard]] bool ok() const { return nonfinite == 0 && compared > 0 && rel_error() < kTolerance; }
  [[nodiscard]] Json json() const {
    Json j = Json::object();
    j["rel_frobenius_error"] = rel_error();
    j["outputs_compared"] = compared;
    j["nonfinite_outputs"] = nonfinite;
    return j;
  }
  [[nodiscard]] std::string summary() const {
    return "relative Frobenius error " + std::to_string(rel_error()) + " over " + std::to_string(compared) +
           " outputs (limit " + std::to_string(kTolerance) + "), " + std::to_string(nonfinite) + " unwritten outputs";
  }
};

/// Recomputes up to row_limit x col_limit outputs of one group's GEMM (rows among its real rows)
/// from the codes and scales in device memory; counts non-finite outputs over all its rows.
/// The stream's work must be complete.
inline void check_gemm(const GemmOperands& op, std::int64_t row_limit, std::int64_t col_limit, cudaStream_t s,
                       GemmCheck& c) {
  c.nonfinite += count_nonfinite(op.out, op.m * op.n, s);
  const std::int64_t blocks = k_blocks(op.k), blocks_padded = k_blocks_padded(op.k);
  const std::vector<float> act_scales = to_host(op.act_scales, static_cast<std::size_t>(op.m * blocks));
  const std::vector<float> weight_scales =
      to_host(op.weight_scales, static_cast<std::size_t>(weight_scale_count(op.n, op.k)));
  const std::vector<std::int64_t> rows = sample_indices(op.real_m, row_limit), cols = sample_indices(op.n, col_limit);
  std::vector<std::vector<std::uint8_t>> weight_rows;
  for (const std::int64_t j : cols) weight_rows.push_back(to_host(op.weight + j * op.k, static_cast<std::size_t>(op.k)));
  const std::vector<float>& decode = e4m3_values();
  for (const std::int64_t i : rows) {
    const std::vector<std::uint8_t> a = to_host(op.act + i * op.k, static_cast<std::size_t>(op.k));
    const std::vector<__nv_bfloat16> d = to_host(op.out + i * op.n, static_cast<std::size_t>(op.n));
    for (std::size_t jc = 0; jc < cols.size(); ++jc) {
      const std::int64_t j = cols[jc];
      const std::vector<std::uint8_t>& w = weight_rows[jc];
      double ref = 0;
      for (std::int64_t b = 0; b < blocks; ++b) {
        double partial = 0;
        for (std::int64_t l = b * kScaleBlock; l < std::min(op.k, (b + 1) * kScaleBlock); ++l)
          partial += static_cast<double>(decode[a[static_cast<std::size_t>(l)]]) * decode[w[static_cast<std::size_t>(l)]];
        ref += partial * act_scales[static_cast<std::size_t>(b * op.m + i)] *
               weight_scales[static_cast<std::size_t>(j / kScaleBlock * blocks_padded + b)];
      }
      const double got = bf16_value(d[static_cast<std::size_t>(j)]);
      c.err2 += (got - ref) * (got - ref);
      c.ref2 += ref * ref;
      ++c.compared;
    }
  }
}

}  // namespace codesim::reference::bench
