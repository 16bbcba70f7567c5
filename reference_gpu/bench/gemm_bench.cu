// gemm_bench: DeepSeek's block-scaled FP8 GEMM (1x128 activation scales, 128x128 weight scales,
// BF16 output) through cuBLASLt, for every shape of dense_gemm_shapes.csv and
// grouped_gemm_shapes.csv. A grouped GEMM is one cuBLASLt call per non-empty group, all captured
// into one CUDA graph. Every measurement is checked against a double-precision reference first.
//
//   gemm_bench [--shapes DIR] [--out FILE.json] [--runs N] [--warmup N] [--self-test]
#include <cstdio>
#include <string>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"
#include "reference_gpu/bench/bench_timer.cuh"
#include "reference_gpu/bench/fp8_gemm_cublaslt.cuh"
#include "reference_gpu/common/shape_lists.hpp"

namespace {

using namespace codesim::reference;
using namespace codesim::reference::bench;

constexpr const char* kProgram = "gemm_bench";

/// One measurement: a dense GEMM (one group) or a grouped one.
struct GemmCase {
  std::string op;  ///< fp8_gemm | fp8_gemm_grouped
  std::string label;
  Json shape;
  std::vector<std::int64_t> ms;
  std::int64_t n = 0, k = 0;
  bool masked = false;

  [[nodiscard]] double real_rows() const {
    double s = 0;
    for (const std::int64_t m : ms) s += static_cast<double>(m);
    return s;
  }
  [[nodiscard]] double flop() const { return 2.0 * real_rows() * static_cast<double>(n) * static_cast<double>(k); }
  /// DeepGEMM's counting: FP8 activations and every group's FP8 weights read once, the BF16 output
  /// written once; scales not counted.
  [[nodiscard]] double bytes() const {
    const double groups = static_cast<double>(ms.size()), nd = static_cast<double>(n), kd = static_cast<double>(k);
    return real_rows() * kd + groups * nd * kd + 2.0 * real_rows() * nd;
  }
};

GemmCase dense_case(std::int64_t m, std::int64_t n, std::int64_t k) {
  GemmCase c;
  c.op = "fp8_gemm";
  c.label = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  c.shape = Json::object();
  c.shape["m"] = m;
  c.shape["n"] = n;
  c.shape["k"] = k;
  c.shape["groups"] = 1;
  c.shape["layout"] = "dense";
  c.ms = {m};
  c.n = n;
  c.k = k;
  return c;
}

GemmCase grouped_case(const std::string& name, const std::string& layout, const std::vector<std::int64_t>& ms,
                      std::int64_t n, std::int64_t k) {
  if (layout != "contiguous" && layout != "masked")
    throw std::invalid_argument("grouped shape " + name + ": layout must be contiguous or masked, got '" + layout + "'");
  GemmCase c;
  c.op = "fp8_gemm_grouped";
  c.label = name + " (" + layout + ", " + std::to_string(ms.size()) + " groups, n " + std::to_string(n) + ", k " +
            std::to_string(k) + ")";
  c.shape = Json::object();
  c.shape["name"] = name;
  c.shape["layout"] = layout;
  c.shape["n"] = n;
  c.shape["k"] = k;
  c.shape["groups"] = static_cast<long long>(ms.size());
  c.shape["ms"] = int_array(ms);
  c.ms = ms;
  c.n = n;
  c.k = k;
  c.masked = layout == "masked";
  return c;
}

/// One buffer set: activations (rows as GroupRows says), every group's weights, their scales, the
/// output. All in one allocation.
class GemmBuffers {
 public:
  GemmBuffers(const GroupRows& rows, std::int64_t groups, std::int64_t n, std::int64_t k)
      : rows_(rows), n_(n), k_(k) {
    reserve(arena_, groups);
    arena_.allocate();
  }
  static std::size_t bytes(const GroupRows& rows, std::int64_t groups, std::int64_t n, std::int64_t k) {
    GemmBuffers sizing(rows, n, k);
    sizing.reserve(sizing.arena_, groups);
    return sizing.arena_.bytes();
  }
  void fill(std::uint64_t seed, cudaStream_t s) const {
    const std::int64_t blocks = k_blocks(k_);
    fill_e4m3(arena_.at<std::uint8_t>(act_), rows_.total_rows * k_, seed + 1, s);
    fill_scales(arena_.at<float>(act_scales_), rows_.total_rows * blocks, blocks, blocks, seed + 2, s);
    fill_e4m3(arena_.at<std::uint8_t>(weight_), groups_ * n_ * k_, seed + 3, s);
    fill_scales(arena_.at<float>(weight_scales_), groups_ * weight_scale_count(n_, k_), k_blocks_padded(k_), blocks,
                seed + 4, s);
  }
  void poison_output(cudaStream_t s) const {
    poison(arena_.at<__nv_bfloat16>(out_), static_cast<std::size_t>(rows_.total_rows * n_) * sizeof(__nv_bfloat16), s);
  }
  [[nodiscard]] std::vector<GemmOperands> operands() const {
    return group_operands(rows_, arena_.at<std::uint8_t>(act_), arena_.at<float>(act_scales_),
                          arena_.at<std::uint8_t>(weight_), arena_.at<float>(weight_scales_),
                          arena_.at<__nv_bfloat16>(out_), n_, k_);
  }

 private:
  GemmBuffers(const GroupRows& rows, std::int64_t n, std::int64_t k) : rows_(rows), n_(n), k_(k) {}
  void reserve(Arena& a, std::int64_t groups) {
    groups_ = groups;
    act_ = a.reserve(static_cast<std::size_t>(rows_.total_rows * k_));
    act_scales_ = a.reserve(static_cast<std::size_t>(rows_.total_rows * k_blocks(k_)) * sizeof(float));
    weight_ = a.reserve(static_cast<std::size_t>(groups * n_ * k_));
    weight_scales_ = a.reserve(static_cast<std::size_t>(groups * weight_scale_count(n_, k_)) * sizeof(float));
    out_ = a.reserve(static_cast<std::size_t>(rows_.total_rows * n_) * sizeof(__nv_bfloat16));
  }

  GroupRows rows_;
  std::int64_t n_, k_, groups_ = 0;
  Arena arena_;
  std::size_t act_ = 0, act_scales_ = 0, weight_ = 0, weight_scales_ = 0, out_ = 0;
};

/// What every case uses.
struct Bench {
  cudaStream_t stream;
  Fp8BlockScaledGemm& gemm;
  std::int64_t l2_bytes;
  const L2Flusher* l2;  ///< null: check only (self-test)
  int warmup, runs;
};

/// Runs every buffer set's graph once on poisoned outputs and checks them all.
GemmCheck check_sets(const std::vector<GemmBuffers>& sets, const std::vector<Graph>& graphs, bool full, Bench& b) {
  GemmCheck check;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    sets[i].poison_output(b.stream);
    graphs[i].launch(b.stream);
    REF_CUDA_CHECK(cudaStreamSynchronize(b.stream));
    const std::vector<GemmOperands> ops = sets[i].operands();
    // Sampled: about 64 rows in all and 64 columns; full: every output.
    const std::int64_t rows = full ? INT64_MAX : std::max<std::int64_t>(2, 64 / static_cast<std::int64_t>(ops.size()));
    const std::int64_t cols = full ? INT64_MAX : 64;
    for (const GemmOperands& op : ops) check_gemm(op, rows, cols, b.stream, check);
  }
  return check;
}

/// Checks one case and, unless b.l2 is null, times it.
Outcome run_case(const GemmCase& c, Bench& b) {
  const bool timing = b.l2 != nullptr;
  const GroupRows rows = GroupRows::make(c.ms, c.masked);
  if (rows.real_rows() == 0) return not_measured(c.op, c.shape, "skipped", "no rows in any group");
  const auto groups = static_cast<std::int64_t>(c.ms.size());
  const int set_count = timing ? rotation_sets(GemmBuffers::bytes(rows, groups, c.n, c.k), b.l2_bytes) : 2;
  std::vector<GemmBuffers> sets;
  for (int i = 0; i < set_count; ++i) {
    sets.emplace_back(rows, groups, c.n, c.k);
    sets.back().fill(0x5EED0000ull + 16ull * static_cast<std::uint64_t>(i), b.stream);
  }
  if (const std::string why = b.gemm.try_run(sets[0].operands(), b.stream); !why.empty())
    return not_measured(c.op, c.shape, "unsupported", why);
  std::vector<Graph> graphs;
  for (const GemmBuffers& set : sets)
    graphs.push_back(Graph::capture(b.stream, [&](cudaStream_t s) {
      for (const GemmOperands& op : set.operands()) b.gemm.enqueue(op, s);
    }));
  const GemmCheck check = check_sets(sets, graphs, !timing, b);
  if (!check.ok()) {
    Outcome o = not_measured(c.op, c.shape, "failed_check", check.summary());
    o.record["check"] = check.json();
    return o;
  }
  if (!timing) return not_measured(c.op, c.shape, "checked", check.summary());
  Outcome o = measured(c.op, c.shape, time_graphs(graphs, *b.l2, b.stream, b.warmup, b.runs), c.flop(), c.bytes());
  if (rows.computed_rows() != rows.real_rows()) o.record["rows_computed"] = rows.computed_rows();
  o.record["buffer_sets"] = set_count;
  o.record["algorithms"] = algorithms_json(b.gemm, sets[0].operands());
  o.record["check"] = check.json();
  return o;
}

/// Small shapes that cover the layout rules: K not a multiple of 512 (padded weight-scale rows),
/// N not a multiple of 128, rows not a multiple of 4, empty groups, both grouped layouts.
std::vector<GemmCase> self_test_cases() {
  return {dense_case(256, 512, 1024), dense_case(64, 320, 640), dense_case(6, 256, 384),
          grouped_case("self_test_contiguous", "contiguous", {100, 0, 257}, 384, 512),
          grouped_case("self_test_masked", "masked", {64, 3, 128}, 256, 768)};
}

std::vector<GemmCase> benchmark_cases(const std::filesystem::path& shapes) {
  std::vector<GemmCase> cases;
  for (const DenseGemmShape& s : read_dense_gemm_shapes(shapes / "dense_gemm_shapes.csv"))
    cases.push_back(dense_case(s.m, s.n, s.k));
  for (const GroupedGemmShape& s : read_grouped_gemm_shapes(shapes / "grouped_gemm_shapes.csv"))
    cases.push_back(grouped_case(s.name, s.layout, s.ms, s.n, s.k));
  return cases;
}

int run(const Options& o, int argc, char** argv) {
  DeviceInfo device = query_device();
  device.cublas_version = cublaslt_version();
  Stream stream;
  Fp8BlockScaledGemm gemm;
  if (o.self_test) {
    Bench b{stream, gemm, device.l2_bytes, nullptr, o.warmup, o.runs};
    Results results(kProgram);
    for (const GemmCase& c : self_test_cases()) results.add(c.op + " " + c.label, run_case(c, b));
    return results.finish();
  }
  const std::vector<GemmCase> cases = benchmark_cases(o.shapes);
  const L2Flusher l2(device.l2_bytes);
  Bench b{stream, gemm, device.l2_bytes, &l2, o.warmup, o.runs};
  Results results(kProgram, result_file(kProgram, command_line(argc, argv), device), result_path(o, kProgram, device));
  for (const GemmCase& c : cases) results.add(c.op + " " + c.label, run_case(c, b));
  return results.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return run_program(kProgram, argc, argv, [&](const Options& o) { return run(o, argc, argv); });
}
