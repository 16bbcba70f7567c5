// Emulated multiply-accumulates per second of the bit-exact FP8 GEMM recipes, next to a
// plain FP32 dot-product loop over the same (dequantised) data, on one core.
#include <benchmark/benchmark.h>

#include "emulator/numerics/gemm.hpp"

namespace {

using namespace codesim::numerics;

constexpr int kM = 64;
constexpr int kN = 64;
constexpr int kK = 4096;

struct Operands {
  QuantisedMatrix a_tensor, b_tensor, a_block, b_block;
  std::vector<float> a_f32, b_f32;  // dequantised values of the blockwise operands
};

const Operands& operands() {
  static const Operands ops = [] {
    Operands o;
    std::uint64_t state = 7;
    const auto xa = draw_matrix(kM, kK, Distribution::kNormal, state);
    const auto xb = draw_matrix(kN, kK, Distribution::kNormal, state);
    const FloatFormat& f = FloatFormat::e4m3();
    o.a_tensor = quantise(xa, kM, kK, kM, kK, f);
    o.b_tensor = quantise(xb, kN, kK, kN, kK, f);
    o.a_block = quantise(xa, kM, kK, 1, kScaleGroup, f);
    o.b_block = quantise(xb, kN, kK, kScaleGroup, kScaleGroup, f);
    for (int i = 0; i < kM * kK; ++i) o.a_f32.push_back(o.a_block.data.value[static_cast<std::size_t>(i)]);
    for (int i = 0; i < kN * kK; ++i) o.b_f32.push_back(o.b_block.data.value[static_cast<std::size_t>(i)]);
    return o;
  }();
  return ops;
}

void report_macs(benchmark::State& state) {
  const double macs = static_cast<double>(state.iterations()) * kM * kN * kK;
  state.counters["MAC/s"] = benchmark::Counter(macs, benchmark::Counter::kIsRate);
}

void recipe_bench(benchmark::State& state, const GemmRecipe& recipe) {
  const Operands& o = operands();
  const bool tensor = recipe.scaling == GemmScaling::kPerTensor;
  for (auto _ : state) {
    auto d = emulate_gemm(tensor ? o.a_tensor : o.a_block, tensor ? o.b_tensor : o.b_block, recipe, 1);
    benchmark::DoNotOptimize(d.data());
  }
  report_macs(state);
}

void BM_HopperFp8_Promote128(benchmark::State& s) { recipe_bench(s, promote_recipe(128)); }
void BM_HopperFp8_FastAccum(benchmark::State& s) { recipe_bench(s, fast_accum_recipe()); }
void BM_AccumBits19(benchmark::State& s) { recipe_bench(s, accum_bits_recipe(19)); }
void BM_TcFullAccum(benchmark::State& s) { recipe_bench(s, full_accum_recipe()); }
void BM_TcGroupScaling(benchmark::State& s) { recipe_bench(s, group_scaling_recipe()); }

void BM_Fp32DotLoop(benchmark::State& state) {
  const Operands& o = operands();
  std::vector<float> d(static_cast<std::size_t>(kM) * kN);
  for (auto _ : state) {
    for (int i = 0; i < kM; ++i)
      for (int j = 0; j < kN; ++j) {
        const float* a = o.a_f32.data() + static_cast<std::size_t>(i) * kK;
        const float* b = o.b_f32.data() + static_cast<std::size_t>(j) * kK;
        float acc = 0.0F;
        for (int k = 0; k < kK; ++k) acc += a[k] * b[k];
        d[static_cast<std::size_t>(i) * kN + static_cast<std::size_t>(j)] = acc;
      }
    benchmark::DoNotOptimize(d.data());
  }
  report_macs(state);
}

BENCHMARK(BM_HopperFp8_Promote128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HopperFp8_FastAccum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AccumBits19)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TcFullAccum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TcGroupScaling)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Fp32DotLoop)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
