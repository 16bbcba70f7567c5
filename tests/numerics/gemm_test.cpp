// FP8 GEMM recipes: the fast tensor-core step agrees bit for bit with the block model, the
// recipes compose as documented, and the DeepSeek-V3 accumulation figures come out.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "emulator/numerics/exact_accumulator.hpp"
#include "emulator/numerics/fp8_mma_step.hpp"
#include "emulator/numerics/gemm.hpp"

namespace codesim::numerics {
namespace {

/// Random finite FP8 codes with many zeros and subnormals.
DecodedFp8 random_operand(int rows, int cols, const FloatFormat& f, std::mt19937_64& rng) {
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (auto& c : codes) {
    do {
      const auto r = rng();
      c = static_cast<std::uint8_t>(r);
      if ((r >> 8) % 8 == 0) c = static_cast<std::uint8_t>(c & 0x87);  // subnormal or zero
      if ((r >> 12) % 16 == 0) c = 0;
    } while (unpack(c, f).cls == FloatClass::kNan || unpack(c, f).cls == FloatClass::kInf);
  }
  return DecodedFp8(rows, cols, f, std::move(codes));
}

float random_accumulator(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0.0F;
    case 1: return std::bit_cast<float>(static_cast<std::uint32_t>(rng()) & 0x807FFFFFU);  // FP32 subnormal
    case 2: return std::bit_cast<float>((static_cast<std::uint32_t>(rng()) & 0x8FFFFFFFU) | 0x70000000U);  // huge
    default: {
      const float v = std::ldexp(static_cast<float>(static_cast<int>(rng() % 20001) - 10000),
                                 static_cast<int>(rng() % 60) - 40);
      return v;
    }
  }
}

BlockFmaConfig with_bits(int bits) { return accum_bits_recipe(bits).mma; }

struct StepCase {
  std::string label;
  BlockFmaConfig config;
};

class MmaStepPaths : public ::testing::TestWithParam<StepCase> {};

TEST_P(MmaStepPaths, MatchTheBlockModelBitForBit) {
  for (const FloatFormat* f : {&FloatFormat::e4m3(), &FloatFormat::e5m2()}) {
    std::mt19937_64 rng(42);
    const BlockFmaModel model(GetParam().config, *f, OutputFormat::kFp32);
    const Fp8MmaStep step(model);
    const DecodedFp8 a = random_operand(1, 32 * 4000, *f, rng);
    const DecodedFp8 b = random_operand(1, 32 * 4000, *f, rng);
    int mismatches = 0;
    for (int blk = 0; blk < 4000; ++blk) {
      const std::size_t k = static_cast<std::size_t>(blk) * 32;
      const float c = random_accumulator(rng);
      std::vector<std::uint64_t> ab(a.bits.begin() + static_cast<long>(k), a.bits.begin() + static_cast<long>(k + 32));
      std::vector<std::uint64_t> bb(b.bits.begin() + static_cast<long>(k), b.bits.begin() + static_cast<long>(k + 32));
      const std::uint32_t want = model.dot(ab, bb, std::bit_cast<std::uint32_t>(c));
      const std::uint32_t got = std::bit_cast<std::uint32_t>(step(a, k, b, k, 32, c));
      if (want != got && ++mismatches <= 3)
        ADD_FAILURE() << f->name << " block " << blk << " c=" << c << ": model " << std::hex << want << " fast "
                      << got;
    }
    EXPECT_EQ(mismatches, 0) << f->name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, MmaStepPaths,
    ::testing::Values(StepCase{"hopper_fp8_float", *block_fma_preset("hopper-fp8")},
                      StepCase{"bits16_float", with_bits(16)}, StepCase{"bits19_double", with_bits(19)},
                      StepCase{"bits44_double", with_bits(44)}, StepCase{"bits50_model", with_bits(50)},
                      StepCase{"exact_rne", *block_fma_preset("blackwell-fp8")},
                      StepCase{"ada_fp8_chained", *block_fma_preset("ada-fp8")}),
    [](const auto& param_info) { return param_info.param.label; });

GemmProblem problem(int k, Distribution d, std::uint64_t seed = 3) {
  GemmProblem p;
  p.m = 24;
  p.n = 24;
  p.k = k;
  p.distribution = d;
  p.seed = seed;
  return p;
}

TEST(GemmRecipes, Promote128IsTheDeepGemmComposition) {
  // Independent composition through the generic block model: FP22 chains of 4 MMAs, then
  // s = sa*sb in FP32 and one FFMA per 128 elements.
  std::uint64_t state = 9;
  const int m = 4;
  const int n = 5;
  const int k = 512;
  const auto xa = draw_matrix(m, k, Distribution::kNormal, state);
  const auto xb = draw_matrix(n, k, Distribution::kNormal, state);
  const QuantisedMatrix a = quantise(xa, m, k, 1, 128, FloatFormat::e4m3());
  const QuantisedMatrix b = quantise(xb, n, k, 128, 128, FloatFormat::e4m3());
  const auto d = emulate_gemm(a, b, promote_recipe(128));
  const BlockFmaModel model(*block_fma_preset("hopper-fp8"), FloatFormat::e4m3(), OutputFormat::kFp32);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float result = 0.0F;
      for (int g = 0; g < k; g += 128) {
        std::vector<std::uint64_t> ab;
        std::vector<std::uint64_t> bb;
        for (int kk = g; kk < g + 128; ++kk) {
          ab.push_back(a.data.bits[static_cast<std::size_t>(i * k + kk)]);
          bb.push_back(b.data.bits[static_cast<std::size_t>(j * k + kk)]);
        }
        const float acc = std::bit_cast<float>(model.dot(ab, bb, 0));
        result = std::fma(a.scale(i, g) * b.scale(j, g), acc, result);
      }
      EXPECT_EQ(std::bit_cast<std::uint32_t>(result), std::bit_cast<std::uint32_t>(d[static_cast<std::size_t>(i * n + j)]))
          << i << "," << j;
    }
}

TEST(GemmRecipes, AccumBits13IsTheBaseline) {
  const auto p = problem(1024, Distribution::kNormal);
  EXPECT_EQ(run_gemm(p, accum_bits_recipe(13)).output, run_gemm(p, promote_recipe(128)).output);
}

TEST(GemmRecipes, DeterministicAndThreadIndependent) {
  const auto p = problem(512, Distribution::kUniform);
  const auto r1 = run_gemm(p, fast_accum_recipe(), 1);
  const auto r2 = run_gemm(p, fast_accum_recipe(), 2);
  EXPECT_EQ(r1.output, r2.output);
  EXPECT_EQ(r1.reference, r2.reference);
  const auto r3 = run_gemm(problem(512, Distribution::kUniform, 4), fast_accum_recipe(), 1);
  EXPECT_NE(r1.output, r3.output);
}

TEST(GemmRecipes, ReferenceAgreesWithALongDoubleSum) {
  const auto p = problem(256, Distribution::kNormal);
  const auto r = run_gemm(p, promote_recipe(128));
  std::uint64_t state = p.seed;
  const auto xa = draw_matrix(p.m, p.k, p.distribution, state);
  const auto xb = draw_matrix(p.n, p.k, p.distribution, state);
  const QuantisedMatrix a = quantise(xa, p.m, p.k, 1, 128, p.input);
  const QuantisedMatrix b = quantise(xb, p.n, p.k, 128, 128, p.input);
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      long double s = 0;
      for (int k = 0; k < p.k; ++k) {
        const auto ia = static_cast<std::size_t>(i * p.k + k);
        const auto jb = static_cast<std::size_t>(j * p.k + k);
        s += static_cast<long double>(a.data.value[ia]) * a.scale(i, k) * b.data.value[jb] * b.scale(j, k);
      }
      const double ref = r.reference[static_cast<std::size_t>(i * p.n + j)];
      EXPECT_NEAR(ref, static_cast<double>(s), 1e-12 * std::fabs(ref) + 1e-15);
    }
}

TEST(GemmRecipes, QuantiserMapsGroupAmaxToTheFormatMaximum) {
  std::uint64_t state = 5;
  const auto x = draw_matrix(4, 256, Distribution::kNormal, state);
  const QuantisedMatrix q = quantise(x, 4, 256, 1, 128, FloatFormat::e4m3());
  for (int r = 0; r < 4; ++r)
    for (int g = 0; g < 256; g += 128) {
      float amax = 0;
      double qmax = 0;
      for (int c = g; c < g + 128; ++c) {
        amax = std::max(amax, std::fabs(x[static_cast<std::size_t>(r * 256 + c)]));
        qmax = std::max(qmax, std::fabs(static_cast<double>(q.data.value[static_cast<std::size_t>(r * 256 + c)])));
      }
      EXPECT_EQ(q.scale(r, g), amax / 448.0F);
      EXPECT_EQ(qmax, 448.0);
    }
}

TEST(GemmRecipes, DeepSeekV3AccumulationFigures) {
  // DeepSeek-V3 §3.3.2: fast accumulation at K=4096 gives a maximum relative error of nearly
  // 2%; promotion every 128 elements fixes it. Measured with max |err| / mean |ref|.
  GemmProblem p = problem(4096, Distribution::kNormal, 20241226);
  p.m = 64;
  p.n = 64;
  const double fast = run_gemm(p, fast_accum_recipe(), 2).error.max_abs_err_over_mean_abs_ref;
  const double promoted = run_gemm(p, promote_recipe(128), 2).error.max_abs_err_over_mean_abs_ref;
  const double full = run_gemm(p, full_accum_recipe(), 2).error.max_abs_err_over_mean_abs_ref;
  EXPECT_GT(fast, 0.005);
  EXPECT_LT(fast, 0.05);
  EXPECT_GE(fast / promoted, 10.0);
  EXPECT_LT(full, promoted / 100.0);
  // Fast accumulation's error grows with K.
  GemmProblem shorter = p;
  shorter.k = 512;
  EXPECT_LT(run_gemm(shorter, fast_accum_recipe(), 2).error.max_abs_err_over_mean_abs_ref, fast);
}

TEST(GemmRecipes, UniformInputsTurnTruncationIntoABias) {
  const auto p = problem(4096, Distribution::kUniform);
  const auto fast = run_gemm(p, fast_accum_recipe(), 2).error;
  // All-positive data: every truncation loses magnitude, so the error is systematic and
  // Frobenius and max errors are close (numerics.md §5 reports about 7.5%).
  EXPECT_GT(fast.frobenius_rel_err, 0.03);
  EXPECT_LT(fast.frobenius_rel_err, 0.15);
  EXPECT_GT(fast.frobenius_rel_err, 0.5 * fast.max_elementwise_rel_err);
}

TEST(GemmRecipes, RejectsImpossibleShapes) {
  EXPECT_THROW((void)run_gemm(problem(100, Distribution::kNormal), promote_recipe(128)), std::invalid_argument);
  EXPECT_THROW((void)run_gemm(problem(48, Distribution::kNormal), fast_accum_recipe()), std::invalid_argument);
  EXPECT_THROW((void)promote_recipe(96), std::invalid_argument);
  EXPECT_THROW((void)parse_gemm_recipe("promote"), std::invalid_argument);
  EXPECT_THROW((void)parse_gemm_recipe("accum-bits:x"), std::invalid_argument);
  EXPECT_THROW((void)parse_gemm_recipe("accum-bits:0"), std::invalid_argument);
  EXPECT_THROW((void)parse_gemm_recipe("fast-accum:3"), std::invalid_argument);
  EXPECT_EQ(parse_gemm_recipe("tc-group-scaling:13").name, "tc-group-scaling:13");
  EXPECT_EQ(parse_gemm_recipe("promote:64").promote_interval, 64);
}

}  // namespace
}  // namespace codesim::numerics
