// moe_bench: one GPU's expert computation for each row of moe_cases.csv, as DeepSeek-V3 runs it
// in FP8: quantise the received tokens (1x128), grouped GEMM up (per expert: m_e x 2I x H),
// SwiGLU fused with the next quantisation, grouped GEMM down (m_e x H x I). The four stages are
// one CUDA graph, timed whole and stage by stage; every stage's output is checked first against
// a host reference computed from that stage's actual GPU inputs.
//
// Groups (experts, routed then shared) sit one after another in the token buffers, each rounded up
// to 4 rows (cuBLASLt's block-scaled modes need it); each group's activation scales are M-major on
// their own, the layout a per-group cuBLASLt call reads, and the quantisers write them so.
//
//   moe_bench [--shapes DIR] [--out FILE.json] [--runs N] [--warmup N] [--self-test]
#include <string>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"
#include "reference_gpu/bench/bench_timer.cuh"
#include "reference_gpu/bench/fp8_gemm_cublaslt.cuh"
#include "reference_gpu/bench/quant_kernels.cuh"
#include "reference_gpu/common/shape_lists.hpp"

namespace {

using namespace codesim::reference;
using namespace codesim::reference::bench;

constexpr const char* kProgram = "moe_bench";

enum class Stage { kQuantize, kGateUp, kSwiglu, kDown };
constexpr Stage kStages[] = {Stage::kQuantize, Stage::kGateUp, Stage::kSwiglu, Stage::kDown};

const char* stage_operator(Stage s) {
  switch (s) {
    case Stage::kQuantize: return "quantize_1x128";
    case Stage::kSwiglu: return "swiglu_quantize";
    default: return "fp8_gemm_grouped";
  }
}
const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kQuantize: return "quantize";
    case Stage::kGateUp: return "gate_up";
    case Stage::kSwiglu: return "swiglu_quantize";
    default: return "down";
  }
}

/// The expert computation's size, and how its numbers are counted.
struct MoeShape {
  std::int64_t hidden = 0, intermediate = 0;
  GroupRows rows;

  [[nodiscard]] double tokens() const { return static_cast<double>(rows.real_rows()); }
  [[nodiscard]] double groups() const { return static_cast<double>(rows.ms.size()); }
  /// Up (2 T x 2I x H) and down (2 T x H x I).
  [[nodiscard]] double flop() const {
    return 6.0 * tokens() * static_cast<double>(hidden) * static_cast<double>(intermediate);
  }
  /// Each stage's minimal traffic, added up: BF16 in, E4M3 and FP32 scales (per 128) out for the
  /// quantisers; FP8 activations, every group's weights and the BF16 output for the GEMMs
  /// (DeepGEMM's counting, as for fp8_gemm_grouped).
  [[nodiscard]] double bytes() const {
    const double t = tokens(), h = static_cast<double>(hidden), i = static_cast<double>(intermediate);
    const double quantize = 2 * t * h + t * h + 4 * t * h / kScaleBlock;
    const double gate_up = t * h + groups() * 2 * i * h + 2 * t * 2 * i;
    const double swiglu = 2 * t * 2 * i + t * i + 4 * t * i / kScaleBlock;
    const double down = t * i + groups() * h * i + 2 * t * h;
    return quantize + gate_up + swiglu + down;
  }
};

/// One buffer set: every tensor of the pipeline, and the per-row group arrays the quantisers use
/// to place their scales.
class MoeBuffers {
 public:
  explicit MoeBuffers(const MoeShape& shape) : s_(shape) {
    reserve(arena_);
    arena_.allocate();
    to_device(arena_.at<std::int64_t>(group_start_), host_group_start());
    to_device(arena_.at<std::int32_t>(group_rows_), host_group_rows());
  }
  static std::size_t bytes(const MoeShape& shape) {
    MoeBuffers sizing(shape, 0);
    sizing.reserve(sizing.arena_);
    return sizing.arena_.bytes();
  }

  void fill(std::uint64_t seed, cudaStream_t s) const {
    const std::int64_t t = s_.rows.total_rows, g = static_cast<std::int64_t>(s_.rows.ms.size());
    const std::int64_t h = s_.hidden, i = s_.intermediate;
    fill_bf16(at<__nv_bfloat16>(x_), t * h, seed + 1, s);
    fill_e4m3(at<std::uint8_t>(w_up_), g * 2 * i * h, seed + 2, s);
    fill_scales(at<float>(w_up_scales_), g * weight_scale_count(2 * i, h), k_blocks_padded(h), k_blocks(h), seed + 3, s);
    fill_e4m3(at<std::uint8_t>(w_down_), g * h * i, seed + 4, s);
    fill_scales(at<float>(w_down_scales_), g * weight_scale_count(h, i), k_blocks_padded(i), k_blocks(i), seed + 5, s);
  }
  /// Every stage's output, so that a check sees only what this run wrote.
  void poison_outputs(cudaStream_t s) const {
    const auto t = static_cast<std::size_t>(s_.rows.total_rows);
    const auto h = static_cast<std::size_t>(s_.hidden), i = static_cast<std::size_t>(s_.intermediate);
    poison(at<std::uint8_t>(xq_), t * h, s);
    poison(at<float>(xq_scales_), t * h / kScaleBlock * sizeof(float), s);
    poison(at<__nv_bfloat16>(h_), t * 2 * i * sizeof(__nv_bfloat16), s);
    poison(at<std::uint8_t>(hq_), t * i, s);
    poison(at<float>(hq_scales_), t * i / kScaleBlock * sizeof(float), s);
    poison(at<__nv_bfloat16>(y_), t * h * sizeof(__nv_bfloat16), s);
  }

  [[nodiscard]] std::vector<GemmOperands> gate_up() const {
    return group_operands(s_.rows, at<std::uint8_t>(xq_), at<float>(xq_scales_), at<std::uint8_t>(w_up_),
                          at<float>(w_up_scales_), at<__nv_bfloat16>(h_), 2 * s_.intermediate, s_.hidden);
  }
  [[nodiscard]] std::vector<GemmOperands> down() const {
    return group_operands(s_.rows, at<std::uint8_t>(hq_), at<float>(hq_scales_), at<std::uint8_t>(w_down_),
                          at<float>(w_down_scales_), at<__nv_bfloat16>(y_), s_.hidden, s_.intermediate);
  }

  void enqueue(Stage stage, Fp8BlockScaledGemm& gemm, cudaStream_t s) const {
    const GroupedScaleIndex index{at<std::int64_t>(group_start_), at<std::int32_t>(group_rows_)};
    const std::int64_t t = s_.rows.total_rows;
    switch (stage) {
      case Stage::kQuantize:
        quantize_1x128(at<__nv_bfloat16>(x_), t, s_.hidden, at<std::uint8_t>(xq_), at<float>(xq_scales_), index, s);
        break;
      case Stage::kGateUp:
        for (const GemmOperands& op : gate_up()) gemm.enqueue(op, s);
        break;
      case Stage::kSwiglu:
        swiglu_quantize(at<__nv_bfloat16>(h_), t, s_.intermediate, at<std::uint8_t>(hq_), at<float>(hq_scales_), index,
                        s);
        break;
      case Stage::kDown:
        for (const GemmOperands& op : down()) gemm.enqueue(op, s);
        break;
    }
  }

  /// Checks one stage's output against a host reference from its GPU inputs (stream complete);
  /// `rows` are the real rows to recompute, `gemm_rows` the rows per group for the GEMMs.
  [[nodiscard]] Json check(Stage stage, const std::vector<std::int64_t>& rows, std::int64_t gemm_rows_per_group,
                           std::int64_t gemm_cols, cudaStream_t s, bool& ok) const {
    const std::vector<std::int64_t> start = host_group_start();
    const std::vector<std::int32_t> count = host_group_rows();
    const GroupedScaleIndex host_index{start.data(), count.data()};
    const std::int64_t t = s_.rows.total_rows, h = s_.hidden, i = s_.intermediate;
    if (stage == Stage::kQuantize || stage == Stage::kSwiglu) {
      const bool plain = stage == Stage::kQuantize;
      const std::int64_t cols = plain ? h : i;
      const auto values_of = [&](std::int64_t row) {
        return plain ? bf16_row_values(at<__nv_bfloat16>(x_), row, h) : swiglu_row_values(at<__nv_bfloat16>(h_), row, i);
      };
      const QuantCheck c = check_quantized(rows, values_of, at<std::uint8_t>(plain ? xq_ : hq_),
                                           at<float>(plain ? xq_scales_ : hq_scales_), t * cols / kScaleBlock,
                                           host_index, t, cols, s);
      ok = ok && c.ok();
      return c.json();
    }
    GemmCheck c;
    for (const GemmOperands& op : stage == Stage::kGateUp ? gate_up() : down())
      check_gemm(op, gemm_rows_per_group, gemm_cols, s, c);
    ok = ok && c.ok();
    return c.json();
  }

 private:
  MoeBuffers(const MoeShape& shape, int /*sizing only*/) : s_(shape) {}
  void reserve(Arena& a) {
    const auto t = static_cast<std::size_t>(s_.rows.total_rows), g = s_.rows.ms.size();
    const auto h = static_cast<std::size_t>(s_.hidden), i = static_cast<std::size_t>(s_.intermediate);
    x_ = a.reserve(t * h * sizeof(__nv_bfloat16));
    xq_ = a.reserve(t * h);
    xq_scales_ = a.reserve(t * h / kScaleBlock * sizeof(float));
    w_up_ = a.reserve(g * 2 * i * h);
    w_up_scales_ = a.reserve(g * static_cast<std::size_t>(weight_scale_count(2 * s_.intermediate, s_.hidden)) * 4);
    h_ = a.reserve(t * 2 * i * sizeof(__nv_bfloat16));
    hq_ = a.reserve(t * i);
    hq_scales_ = a.reserve(t * i / kScaleBlock * sizeof(float));
    w_down_ = a.reserve(g * h * i);
    w_down_scales_ = a.reserve(g * static_cast<std::size_t>(weight_scale_count(s_.hidden, s_.intermediate)) * 4);
    y_ = a.reserve(t * h * sizeof(__nv_bfloat16));
    group_start_ = a.reserve(t * sizeof(std::int64_t));
    group_rows_ = a.reserve(t * sizeof(std::int32_t));
  }
  [[nodiscard]] std::vector<std::int64_t> host_group_start() const {
    std::vector<std::int64_t> v;
    for (std::size_t g = 0; g < s_.rows.ms.size(); ++g) v.insert(v.end(), s_.rows.rows[g], s_.rows.first_row[g]);
    return v;
  }
  [[nodiscard]] std::vector<std::int32_t> host_group_rows() const {
    std::vector<std::int32_t> v;
    for (const std::int64_t r : s_.rows.rows) v.insert(v.end(), r, static_cast<std::int32_t>(r));
    return v;
  }
  template <class T>
  [[nodiscard]] T* at(std::size_t offset) const {
    return arena_.at<T>(offset);
  }

  MoeShape s_;
  Arena arena_;
  std::size_t x_ = 0, xq_ = 0, xq_scales_ = 0, w_up_ = 0, w_up_scales_ = 0, h_ = 0, hq_ = 0, hq_scales_ = 0, w_down_ = 0,
              w_down_scales_ = 0, y_ = 0, group_start_ = 0, group_rows_ = 0;
};

struct Bench {
  cudaStream_t stream;
  Fp8BlockScaledGemm& gemm;
  std::int64_t l2_bytes;
  const L2Flusher* l2;  ///< null: check only (self-test)
  int warmup, runs;
};

/// The real rows to recompute: up to `per_group` of each group's, or all.
std::vector<std::int64_t> sampled_rows(const GroupRows& g, std::int64_t per_group) {
  std::vector<std::int64_t> rows;
  for (std::size_t e = 0; e < g.ms.size(); ++e)
    for (const std::int64_t r : sample_indices(g.ms[e], per_group)) rows.push_back(g.first_row[e] + r);
  return rows;
}

/// Runs every set's whole graph on poisoned outputs and checks each stage; the checks' records.
Json check_sets(const std::vector<MoeBuffers>& sets, const std::vector<Graph>& graphs, const GroupRows& g, bool full,
                Bench& b, bool& ok) {
  const std::int64_t groups = std::max<std::int64_t>(1, static_cast<std::int64_t>(g.ms.size()));
  const std::int64_t per_group = full ? INT64_MAX : std::max<std::int64_t>(2, 64 / groups);
  const std::int64_t cols = full ? INT64_MAX : 64;
  const std::vector<std::int64_t> rows = sampled_rows(g, full ? INT64_MAX : std::max<std::int64_t>(4, 256 / groups));
  Json checks = Json::object();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    sets[i].poison_outputs(b.stream);
    graphs[i].launch(b.stream);
    REF_CUDA_CHECK(cudaStreamSynchronize(b.stream));
    for (const Stage st : kStages) checks[stage_name(st)] = sets[i].check(st, rows, per_group, cols, b.stream, ok);
  }
  return checks;
}

Json case_shape(const MoeCase& c) {
  Json s = Json::object();
  s["name"] = c.name;
  s["scenario"] = c.scenario;
  s["gpu"] = c.gpu;
  s["micro_batch"] = c.micro_batch;
  s["seed"] = static_cast<unsigned long long>(c.seed);
  s["hidden"] = c.hidden;
  s["intermediate"] = c.intermediate;
  s["ms"] = int_array(c.ms);
  return s;
}

/// Checks one case and, unless b.l2 is null, times the whole pipeline and each stage.
Outcome run_case(const MoeCase& c, Bench& b) {
  const char* op = "moe_expert";
  const MoeShape shape{c.hidden, c.intermediate, GroupRows::make(c.ms, false)};
  if (shape.rows.real_rows() == 0) return not_measured(op, case_shape(c), "skipped", "no tokens on this GPU");
  const bool timing = b.l2 != nullptr;
  const int set_count = timing ? rotation_sets(MoeBuffers::bytes(shape), b.l2_bytes) : 2;
  std::vector<MoeBuffers> sets;
  for (int i = 0; i < set_count; ++i) {
    sets.emplace_back(shape);
    sets.back().fill(c.seed * 1000003ull + 64ull * static_cast<std::uint64_t>(i), b.stream);
  }
  for (const auto& gemms : {sets[0].gate_up(), sets[0].down()})
    if (const std::string why = b.gemm.try_run(gemms, b.stream); !why.empty())
      return not_measured(op, case_shape(c), "unsupported", why);
  const auto capture = [&](const MoeBuffers& set, const std::vector<Stage>& stages) {
    return Graph::capture(b.stream, [&](cudaStream_t s) {
      for (const Stage st : stages) set.enqueue(st, b.gemm, s);
    });
  };
  std::vector<Graph> whole;
  for (const MoeBuffers& set : sets) whole.push_back(capture(set, {std::begin(kStages), std::end(kStages)}));
  bool ok = true;
  const Json checks = check_sets(sets, whole, shape.rows, !timing, b, ok);
  if (!ok) {
    Outcome o = not_measured(op, case_shape(c), "failed_check", "a stage differs from its reference");
    o.record["check"] = checks;
    return o;
  }
  if (!timing) return not_measured(op, case_shape(c), "checked", checks.dump(-1));
  Outcome o = measured(op, case_shape(c), time_graphs(whole, *b.l2, b.stream, b.warmup, b.runs), shape.flop(),
                       shape.bytes());
  Json stages = Json::array();
  for (const Stage st : kStages) {
    std::vector<Graph> graphs;
    for (const MoeBuffers& set : sets) graphs.push_back(capture(set, {st}));
    const Timing t = time_graphs(graphs, *b.l2, b.stream, b.warmup, b.runs);
    Json s = Json::object();
    s["operator"] = stage_operator(st);
    s["name"] = stage_name(st);
    s["time_us"] = t.median_us;
    s["time_us_min"] = t.min_us;
    s["time_us_max"] = t.max_us;
    stages.push_back(std::move(s));
  }
  o.record["stages"] = std::move(stages);
  o.record["tokens"] = static_cast<long long>(shape.rows.real_rows());
  o.record["rows_computed"] = shape.rows.computed_rows();
  o.record["buffer_sets"] = set_count;
  Json algos = Json::object();
  algos["gate_up"] = algorithms_json(b.gemm, sets[0].gate_up());
  algos["down"] = algorithms_json(b.gemm, sets[0].down());
  o.record["algorithms"] = std::move(algos);
  o.record["check"] = checks;
  return o;
}

/// A small case that exercises rows not a multiple of 4, an empty expert and several groups, and
/// one at DeepSeek-V3's widths.
std::vector<MoeCase> self_test_cases() {
  MoeCase small;
  small.name = "self_test_small";
  small.scenario = "self_test";
  small.seed = 1;
  small.hidden = 512;
  small.intermediate = 256;
  small.ms = {5, 0, 64, 130};
  MoeCase wide = small;
  wide.name = "self_test_deepseek_widths";
  wide.seed = 2;
  wide.hidden = 7168;
  wide.intermediate = 2048;
  wide.ms = {3, 40};
  return {small, wide};
}

int run(const Options& o, int argc, char** argv) {
  DeviceInfo device = query_device();
  device.cublas_version = cublaslt_version();
  Stream stream;
  Fp8BlockScaledGemm gemm;
  if (o.self_test) {
    Bench b{stream, gemm, device.l2_bytes, nullptr, o.warmup, o.runs};
    Results results(kProgram);
    for (const MoeCase& c : self_test_cases()) results.add(c.name, run_case(c, b));
    return results.finish();
  }
  const std::vector<MoeCase> cases = read_moe_cases(o.shapes / "moe_cases.csv");
  const L2Flusher l2(device.l2_bytes);
  Bench b{stream, gemm, device.l2_bytes, &l2, o.warmup, o.runs};
  Results results(kProgram, result_file(kProgram, command_line(argc, argv), device), result_path(o, kProgram, device));
  for (const MoeCase& c : cases) results.add(c.name, run_case(c, b));
  return results.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return run_program(kProgram, argc, argv, [&](const Options& o) { return run(o, argc, argv); });
}
