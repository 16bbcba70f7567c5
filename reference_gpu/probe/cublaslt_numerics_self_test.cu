// Built-in check of cublaslt_numerics: one per-tensor and one blockwise case whose FP32 results are
// exact in every mode, compared bit for bit with the CPU. A mode cuBLASLt refuses is reported, not
// failed; a wrong value fails (a wrong operand layout, transpose, or scale layout changes values).
//
// Shape M = 128, N = 256, K = 384: two 128-row weight blocks and L = 3 K blocks, so the BLK128x128
// leading dimension is padded (3 -> 4) and a wrong padding or block-row stride picks wrong scales.
// Operands are the integers -3..3, so a 128-long block sum is an integer below 128 * 9 < 2^11 and a
// whole-K sum below 2^12: exact even in the tensor core's 14-bit accumulator (fast accumulation).
// Scales are powers of two in [2^-3, 2^3] that differ per row and per block (per-tensor: 2 and
// 1/4), so the scaled sums are exact in FP32 whatever order cuBLASLt applies them in.
#include <cmath>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "reference_gpu/probe/cublaslt_gemm.cuh"
#include "reference_gpu/probe/cublaslt_numerics_self_test.cuh"
#include "emulator/numerics/splitmix.hpp"
#include "reference_gpu/probe/exact_formats.cuh"

namespace codesim::reference::probe {
namespace {

constexpr int kM = 128, kN = 256, kK = 384, kBlock = 128;
constexpr int kMaxReported = 4;

/// A fixed pseudo-random integer in [-3, 3] for element i of matrix `salt` (splitmix64 of the index).
int small_integer(std::uint64_t salt, std::uint64_t i) {
  return static_cast<int>(numerics::splitmix_mix(salt * numerics::kSplitmixGamma + i + 1) % 7) - 3;
}

std::vector<std::uint8_t> e4m3_codes(std::uint64_t salt, std::size_t count) {
  std::vector<std::uint8_t> codes(count);
  for (std::size_t i = 0; i < count; ++i)
    codes[i] = static_cast<std::uint8_t>(
        *encode_exact(float_bits(static_cast<float>(small_integer(salt, i))), OperandFormat::e4m3));
  return codes;
}

GemmCase make_case(bool blockwise) {
  GemmCase c;
  c.name = blockwise ? "self-test-blockwise" : "self-test-per-tensor";
  c.m = kM;
  c.n = kN;
  c.k = kK;
  c.format = "e4m3";
  c.scaling = blockwise ? "blockwise" : "per-tensor";
  c.a = e4m3_codes(1, static_cast<std::size_t>(kM) * kK);
  c.b = e4m3_codes(2, static_cast<std::size_t>(kN) * kK);
  if (!blockwise) {
    c.a_scale = {2.0f};
    c.b_scale = {0.25f};
    return c;
  }
  const int l = kK / kBlock;
  for (int m = 0; m < kM; ++m)
    for (int b = 0; b < l; ++b) c.a_scale.push_back(std::ldexp(1.0f, (m * 3 + b) % 5 - 2));
  for (int r = 0; r < kN / kBlock; ++r)
    for (int b = 0; b < l; ++b) c.b_scale.push_back(std::ldexp(1.0f, (r * 2 + b) % 3 - 1));
  return c;
}

/// D[m][n] = sum over K blocks of sa * sb * (block's integer dot product), exactly.
std::vector<float> expected_d(const GemmCase& c) {
  const int l = c.k / kBlock;
  const bool blockwise = c.scaling == "blockwise";
  std::vector<float> d(static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.n));
  for (int m = 0; m < c.m; ++m) {
    for (int n = 0; n < c.n; ++n) {
      double sum = 0;
      for (int b = 0; b < l; ++b) {
        double block = 0;
        for (int k = b * kBlock; k < (b + 1) * kBlock; ++k)
          block += static_cast<double>(decode_fp8(c.a[static_cast<std::size_t>(m) * c.k + k], OperandFormat::e4m3)) *
                   decode_fp8(c.b[static_cast<std::size_t>(n) * c.k + k], OperandFormat::e4m3);
        const double sa = blockwise ? c.a_scale[static_cast<std::size_t>(m * l + b)] : c.a_scale[0];
        const double sb = blockwise ? c.b_scale[static_cast<std::size_t>((n / kBlock) * l + b)] : c.b_scale[0];
        sum += sa * sb * block;
      }
      d[static_cast<std::size_t>(m) * c.n + n] = static_cast<float>(sum);
    }
  }
  return d;
}

/// Compares one mode's result; writes the first mismatches to `log`; returns whether it matched.
bool check_mode(const GemmCase& c, GemmMode mode, const GemmModeResult& got, const std::vector<float>& want,
                std::ostream& log) {
  int wrong = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (got.d[i] == want[i]) continue;  // NaN (poison left by an unwritten element) never matches
    if (wrong++ < kMaxReported)
      first << " D[" << i / static_cast<std::size_t>(c.n) << "][" << i % static_cast<std::size_t>(c.n)
            << "]: expected " << want[i] << " got " << got.d[i] << ";";
  }
  if (wrong == 0) return true;
  log << "cublaslt self-test FAILED: " << c.name << " " << mode_name(mode) << ": " << wrong << " of " << want.size()
      << " elements wrong;" << first.str() << "\n";
  return false;
}

}  // namespace

bool run_cublaslt_self_test(std::ostream& log) {
  LtGemmRunner runner;
  bool ok = true;
  for (const bool blockwise : {false, true}) {
    const GemmCase c = make_case(blockwise);
    const std::vector<float> want = expected_d(c);
    for (const GemmMode mode : modes_for(c)) {
      const GemmModeResult got = runner.run(c, mode);
      if (!got.ok) {
        log << "cublaslt self-test: " << c.name << " " << mode_name(mode) << ": unsupported (" << got.reason
            << "), not checked\n";
        continue;
      }
      ok = check_mode(c, mode, got, want, log) && ok;
    }
  }
  return ok;
}

}  // namespace codesim::reference::probe
