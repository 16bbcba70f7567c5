// quant_bench: the element-wise FP8 kernels of DeepSeek's expert computation, measured against a
// device-to-device copy of the same byte count (the practical bandwidth ceiling):
//   quantize_1x128   BF16 tokens x hidden -> E4M3 codes and 1x128 scales
//   swiglu_quantize  BF16 tokens x (2 x intermediate), gate | up -> E4M3 silu(gate) * up and scales
// Codes and scales are checked bit for bit against a host reference before timing.
//
//   quant_bench [--out FILE.json] [--runs N] [--warmup N] [--self-test]   (--shapes is accepted, unused)
#include <map>
#include <string>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"
#include "reference_gpu/bench/bench_timer.cuh"
#include "reference_gpu/bench/quant_kernels.cuh"

namespace {

using namespace codesim::reference;
using namespace codesim::reference::bench;

constexpr const char* kProgram = "quant_bench";

/// DeepSeek-V3's widths: hidden 7168 for the quantiser in front of the up-projection, the expert
/// intermediate width 2048 for the SwiGLU in front of the down-projection.
constexpr std::int64_t kHidden = 7168;
constexpr std::int64_t kIntermediate = 2048;
constexpr std::int64_t kTokens[] = {4096, 8192, 16384, 32768};

struct QuantCase {
  bool swiglu = false;
  std::int64_t tokens = 0;
  std::int64_t width = 0;  ///< output columns: hidden, or intermediate for SwiGLU

  [[nodiscard]] std::string op() const { return swiglu ? "swiglu_quantize" : "quantize_1x128"; }
  [[nodiscard]] std::string label() const { return op() + " " + std::to_string(tokens) + "x" + std::to_string(width); }
  [[nodiscard]] Json shape() const {
    Json s = Json::object();
    s["tokens"] = tokens;
    s[swiglu ? "intermediate" : "hidden"] = width;
    return s;
  }
  [[nodiscard]] std::int64_t input_cols() const { return swiglu ? 2 * width : width; }
  /// BF16 input read once, E4M3 codes and FP32 scales written once.
  [[nodiscard]] double bytes() const {
    const double t = static_cast<double>(tokens), out = t * static_cast<double>(width);
    return 2.0 * t * static_cast<double>(input_cols()) + out + 4.0 * out / kScaleBlock;
  }
};

/// One buffer set: input, codes, scales (M-major, as the GEMM reads them).
class QuantBuffers {
 public:
  explicit QuantBuffers(const QuantCase& c) : c_(c) {
    reserve(arena_);
    arena_.allocate();
  }
  static std::size_t bytes(const QuantCase& c) {
    QuantBuffers sizing(c, 0);
    sizing.reserve(sizing.arena_);
    return sizing.arena_.bytes();
  }
  void fill(std::uint64_t seed, cudaStream_t s) const { fill_bf16(input(), c_.tokens * c_.input_cols(), seed, s); }
  void poison_outputs(cudaStream_t s) const {
    poison(codes(), static_cast<std::size_t>(c_.tokens * c_.width), s);
    poison(scales(), static_cast<std::size_t>(scale_count()) * sizeof(float), s);
  }
  void enqueue(cudaStream_t s) const {
    const MMajorScaleIndex index{c_.tokens};
    if (c_.swiglu)
      swiglu_quantize(input(), c_.tokens, c_.width, codes(), scales(), index, s);
    else
      quantize_1x128(input(), c_.tokens, c_.width, codes(), scales(), index, s);
  }
  /// Compares `rows` with the host reference (the stream's work must be complete).
  [[nodiscard]] QuantCheck check(const std::vector<std::int64_t>& rows, cudaStream_t s) const {
    const auto values_of = [&](std::int64_t row) {
      return c_.swiglu ? swiglu_row_values(input(), row, c_.width) : bf16_row_values(input(), row, c_.width);
    };
    return check_quantized(rows, values_of, codes(), scales(), scale_count(), MMajorScaleIndex{c_.tokens}, c_.tokens,
                           c_.width, s);
  }

 private:
  QuantBuffers(const QuantCase& c, int /*sizing only*/) : c_(c) {}
  void reserve(Arena& a) {
    input_ = a.reserve(static_cast<std::size_t>(c_.tokens * c_.input_cols()) * sizeof(__nv_bfloat16));
    codes_ = a.reserve(static_cast<std::size_t>(c_.tokens * c_.width));
    scales_ = a.reserve(static_cast<std::size_t>(scale_count()) * sizeof(float));
  }
  [[nodiscard]] std::int64_t scale_count() const { return c_.tokens * (c_.width / kScaleBlock); }
  [[nodiscard]] __nv_bfloat16* input() const { return arena_.at<__nv_bfloat16>(input_); }
  [[nodiscard]] std::uint8_t* codes() const { return arena_.at<std::uint8_t>(codes_); }
  [[nodiscard]] float* scales() const { return arena_.at<float>(scales_); }

  QuantCase c_;
  Arena arena_;
  std::size_t input_ = 0, codes_ = 0, scales_ = 0;
};

/// A device-to-device copy of `bytes`, rotated over buffer pairs like the kernels' inputs.
class CopyBench {
 public:
  CopyBench(std::int64_t bytes, std::int64_t l2_bytes, cudaStream_t s) : bytes_(bytes) {
    const int sets = rotation_sets(2 * static_cast<std::size_t>(bytes), l2_bytes);
    for (int i = 0; i < sets; ++i) {
      src_.emplace_back(static_cast<std::size_t>(bytes));
      dst_.emplace_back(static_cast<std::size_t>(bytes));
      fill_bf16(reinterpret_cast<__nv_bfloat16*>(src_.back().data()), bytes / 2, 0xC0B1ull + i, s);
      const DeviceBuffer& src = src_.back();
      const DeviceBuffer& dst = dst_.back();
      graphs_.push_back(Graph::capture(s, [&](cudaStream_t cs) {
        REF_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), static_cast<std::size_t>(bytes_),
                                       cudaMemcpyDeviceToDevice, cs));
      }));
    }
  }
  [[nodiscard]] const std::vector<Graph>& graphs() const { return graphs_; }

 private:
  std::int64_t bytes_;
  std::vector<DeviceBuffer> src_, dst_;
  std::vector<Graph> graphs_;
};

struct Bench {
  cudaStream_t stream;
  std::int64_t l2_bytes;
  const L2Flusher* l2;  ///< null: check only (self-test)
  int warmup, runs;
  std::map<std::int64_t, double> copy_gbps;  ///< measured copies, by byte count
};

/// Times a copy of `bytes` (once per byte count) into `results`; its GB/s.
double copy_bandwidth(std::int64_t bytes, Bench& b, Results& results) {
  const auto known = b.copy_gbps.find(bytes);
  if (known != b.copy_gbps.end()) return known->second;
  const CopyBench copy(bytes, b.l2_bytes, b.stream);
  const Timing t = time_graphs(copy.graphs(), *b.l2, b.stream, b.warmup, b.runs);
  Json shape = Json::object();
  shape["bytes"] = bytes;
  // A copy reads and writes every byte.
  const double bytes_moved = 2.0 * static_cast<double>(bytes);
  results.add("copy_d2d " + std::to_string(bytes) + " bytes", measured("copy_d2d", std::move(shape), t, 0, bytes_moved));
  return b.copy_gbps[bytes] = gbps(bytes_moved, t);
}

/// Checks one case and, unless b.l2 is null, times it against a copy of as many bytes.
Outcome run_case(const QuantCase& c, Bench& b, Results& results) {
  const bool timing = b.l2 != nullptr;
  const int set_count = timing ? rotation_sets(QuantBuffers::bytes(c), b.l2_bytes) : 2;
  std::vector<QuantBuffers> sets;
  std::vector<Graph> graphs;
  for (int i = 0; i < set_count; ++i) {
    sets.emplace_back(c);
    sets.back().fill(0xF00D0000ull + static_cast<std::uint64_t>(i), b.stream);
    graphs.push_back(Graph::capture(b.stream, [&](cudaStream_t s) { sets.back().enqueue(s); }));
  }
  QuantCheck check;
  for (int i = 0; i < set_count && check.ok(); ++i) {
    sets[static_cast<std::size_t>(i)].poison_outputs(b.stream);
    graphs[static_cast<std::size_t>(i)].launch(b.stream);
    REF_CUDA_CHECK(cudaStreamSynchronize(b.stream));
    // Self-test: every row; benchmark: 256 rows spread over the tensor (unwritten outputs anywhere count).
    check = sets[static_cast<std::size_t>(i)].check(sample_indices(c.tokens, timing ? 256 : c.tokens), b.stream);
  }
  if (!check.ok()) {
    Outcome o = not_measured(c.op(), c.shape(), "failed_check", check.summary());
    o.record["check"] = check.json();
    return o;
  }
  if (!timing) return not_measured(c.op(), c.shape(), "checked", check.summary());
  const double copy = copy_bandwidth(static_cast<std::int64_t>(c.bytes()), b, results);
  const Timing t = time_graphs(graphs, *b.l2, b.stream, b.warmup, b.runs);
  Outcome o = measured(c.op(), c.shape(), t, 0, c.bytes());
  o.record["fraction_of_copy_bandwidth"] = gbps(c.bytes(), t) / copy;
  o.record["buffer_sets"] = set_count;
  o.record["check"] = check.json();
  return o;
}

/// Row counts that leave partial blocks of 64 rows, a single row, and narrow and wide rows.
std::vector<QuantCase> self_test_cases() {
  return {{false, 1, kHidden},      {false, 100, kHidden}, {false, 333, 1024},
          {true, 1, kIntermediate}, {true, 77, kIntermediate}, {true, 130, 256}};
}

std::vector<QuantCase> benchmark_cases() {
  std::vector<QuantCase> cases;
  for (const bool swiglu : {false, true})
    for (const std::int64_t t : kTokens) cases.push_back({swiglu, t, swiglu ? kIntermediate : kHidden});
  return cases;
}

int run(const Options& o, int argc, char** argv) {
  const DeviceInfo device = query_device();
  Stream stream;
  if (o.self_test) {
    Bench b{stream, device.l2_bytes, nullptr, o.warmup, o.runs, {}};
    Results results(kProgram);
    for (const QuantCase& c : self_test_cases()) results.add(c.label(), run_case(c, b, results));
    return results.finish();
  }
  const L2Flusher l2(device.l2_bytes);
  Bench b{stream, device.l2_bytes, &l2, o.warmup, o.runs, {}};
  Results results(kProgram, result_file(kProgram, command_line(argc, argv), device), result_path(o, kProgram, device));
  for (const QuantCase& c : benchmark_cases()) results.add(c.label(), run_case(c, b, results));
  return results.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return run_program(kProgram, argc, argv, [&](const Options& o) { return run(o, argc, argv); });
}
