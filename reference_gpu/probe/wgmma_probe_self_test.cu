// Built-in checks of wgmma_probe, run before every real run: a wrong descriptor (LBO and SBO swapped,
// a wrong stride), a wrong accumulator-fragment mapping, a wrong scale-d, or a dropped or repeated
// chain step must each change at least one result.
//
// Why the results are exact: every operand is +-{0.25, 0.5, 0.75, 1, 1.5} (representable in E4M3,
// E5M2 and BF16), so every product is a multiple of 2^-4 of magnitude <= 2.25, and c is a multiple of
// 2^-4 in [-64, 64). With at most 9 chained instructions of 32 products, every partial result stays
// below 9 * 32 * 2.25 + 64 = 712 < 2^10. The FP8 tensor core aligns each instruction's terms to the
// largest exponent E <= 9 and keeps 13 fractional bits below it, a grain of 2^(E-13) <= 2^-4: no term
// loses a bit, and a sum below 2^10 on a 2^-4 grid has at most 14 significant bits, which the FP32
// result (and the 13-bit truncation) keeps. BF16 keeps 25 bits. So the GPU must match the exact
// (double) value bit for bit, whatever its internal rounding.
//
// Why a layout error shows: values are drawn per test and per K position, so swapping K halves, rows,
// or A and B changes the sums; each instruction's share of a diagonal result is non-zero (a dropped
// or repeated step changes it); c is non-zero (C not added shows); without c the accumulators start
// as NaN (scale-d = 0 not honoured shows); the whole 64 x N tile of CTA 0 is compared too, which
// checks every register of the fragment mapping, not only the diagonal; and the tests do not fill
// the last CTA (its zero rows must stay out of the results).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/numerics/splitmix.hpp"
#include "reference_gpu/probe/exact_formats.cuh"
#include "reference_gpu/probe/wgmma_probe_kernel.cuh"
#include "reference_gpu/probe/wgmma_probe_self_test.cuh"

namespace codesim::reference::probe {
namespace {

constexpr float kMagnitudes[] = {0.25f, 0.5f, 0.75f, 1.0f, 1.5f};
constexpr int kChainLengths[] = {1, 3, 9};  // 9 > every N's stage size, so shared memory is refilled
constexpr int kMaxReported = 4;

/// splitmix64: a fixed, portable stream, so a failure reproduces exactly.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return numerics::splitmix_next(state_); }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  float operand() {
    const float m = kMagnitudes[below(static_cast<int>(std::size(kMagnitudes)))];
    return below(2) != 0 ? -m : m;
  }
  /// A non-zero multiple of 1/16 in [-64, 64).
  float accumulator() {
    int q = 0;
    while (q == 0) q = below(2048) - 1024;
    return static_cast<float>(q) / 16.0f;
  }

 private:
  std::uint64_t state_;
};

struct Case {
  OperandFormat format;
  int n;
  bool with_c;
  int steps;  ///< chained instructions per test
  [[nodiscard]] std::string name() const {
    return std::string(format_name(format)) + " n=" + std::to_string(n) + (with_c ? " with c" : " without c") +
           " k=" + std::to_string(steps * instruction_k(format));
  }
};

/// The case's tests as values (rows x k, row-major), before encoding.
struct Values {
  int rows = 0, k = 0;
  std::vector<float> a, b, c;
  [[nodiscard]] double dot(int row_a, int row_b) const {
    double s = 0;
    for (int i = 0; i < k; ++i)
      s += static_cast<double>(a[static_cast<std::size_t>(row_a * k + i)]) * b[static_cast<std::size_t>(row_b * k + i)];
    return s;
  }
};

/// Draws one test's a and b until every instruction's share and the total (with c) are non-zero.
void draw_test(Rng& rng, Values& v, int row, int step_k, float c) {
  const auto at = [&](int i) { return static_cast<std::size_t>(row * v.k + i); };
  for (;;) {
    for (int i = 0; i < v.k; ++i) {
      v.a[at(i)] = rng.operand();
      v.b[at(i)] = rng.operand();
    }
    bool every_step_counts = true;
    for (int s0 = 0; s0 < v.k; s0 += step_k) {
      double share = 0;
      for (int i = s0; i < s0 + step_k; ++i) share += static_cast<double>(v.a[at(i)]) * v.b[at(i)];
      every_step_counts = every_step_counts && share != 0;
    }
    if (every_step_counts && v.dot(row, row) + c != 0) return;
  }
}

Values draw_values(const Case& cs, int rows, Rng& rng) {
  Values v;
  v.rows = rows;
  v.k = cs.steps * instruction_k(cs.format);
  v.a.resize(static_cast<std::size_t>(rows * v.k));
  v.b.resize(v.a.size());
  for (int r = 0; r < rows; ++r) {
    const float c = cs.with_c ? rng.accumulator() : 0.0f;
    if (cs.with_c) v.c.push_back(c);
    draw_test(rng, v, r, instruction_k(cs.format), c);
  }
  return v;
}

/// Operand codes, little-endian for BF16 (the GPU's byte order).
std::vector<std::uint8_t> encode_all(const std::vector<float>& values, OperandFormat f) {
  std::vector<std::uint8_t> bytes;
  for (const float x : values) {
    const auto code = encode_exact(float_bits(x), f);
    if (!code) throw std::logic_error("self-test value not representable in " + std::string(format_name(f)));
    bytes.push_back(static_cast<std::uint8_t>(*code & 0xFF));
    if (f == OperandFormat::bf16) bytes.push_back(static_cast<std::uint8_t>(*code >> 8));
  }
  return bytes;
}

std::string describe(float v) {
  std::ostringstream s;
  s << v << " (0x" << std::hex << float_bits(v) << ")";
  return s.str();
}

/// Compares the diagonal results; appends the first mismatches to `report`; returns their count.
int check_results(const Values& v, const DotProductResult& got, std::string& report) {
  int wrong = 0;
  for (int r = 0; r < v.rows; ++r) {
    const double exact = v.dot(r, r) + (v.c.empty() ? 0.0 : v.c[static_cast<std::size_t>(r)]);
    const auto expected = static_cast<float>(exact);
    if (got.d[static_cast<std::size_t>(r)] == float_bits(expected)) continue;
    if (wrong++ < kMaxReported)
      report += " row " + std::to_string(r) + ": expected " + describe(expected) + " got " +
                describe(bits_float(got.d[static_cast<std::size_t>(r)])) + ";";
  }
  return wrong;
}

/// Compares CTA 0's whole tile: D[r][col] = a_r . b_col over its tests (zero rows beyond them), plus
/// c_r on the diagonal.
int check_tile(const Values& v, int n, const DotProductResult& got, std::string& report) {
  const int per_cta = n < 64 ? n : 64;
  const int tests = v.rows < per_cta ? v.rows : per_cta;
  int wrong = 0;
  for (int r = 0; r < 64; ++r) {
    for (int col = 0; col < n; ++col) {
      double exact = r < tests && col < tests ? v.dot(r, col) : 0.0;
      if (r == col && r < tests && !v.c.empty()) exact += v.c[static_cast<std::size_t>(r)];
      const float g = got.first_tile[static_cast<std::size_t>(r * n + col)];
      if (g == static_cast<float>(exact)) continue;
      if (wrong++ < kMaxReported)
        report += " tile[" + std::to_string(r) + "][" + std::to_string(col) + "]: expected " +
                  describe(static_cast<float>(exact)) + " got " + describe(g) + ";";
    }
  }
  return wrong;
}

bool run_case(const Case& cs, Rng& rng, std::ostream& log) {
  const int per_cta = cs.n < 64 ? cs.n : 64;
  const Values v = draw_values(cs, 2 * per_cta + 3, rng);  // the third CTA holds only 3 tests
  DotProductBatch batch;
  batch.format = cs.format;
  batch.k = v.k;
  batch.rows = v.rows;
  batch.a = encode_all(v.a, cs.format);
  batch.b = encode_all(v.b, cs.format);
  batch.c = v.c;
  const DotProductResult got = run_wgmma_dot_products(batch, cs.n, true);
  std::string report;
  const int wrong_rows = check_results(v, got, report);
  const int wrong_tile = check_tile(v, cs.n, got, report);
  if (wrong_rows == 0 && wrong_tile == 0) return true;
  log << "wgmma self-test FAILED: " << cs.name() << " (" << wgmma_instruction_name(cs.format, cs.n) << "): "
      << wrong_rows << " of " << v.rows << " results and " << wrong_tile << " of " << 64 * cs.n
      << " tile elements wrong;" << report << "\n";
  return false;
}

/// Host checks of the exact encoders: every FP8 code round-trips, and values a format cannot hold
/// are refused (including E4M3's missing infinity and both formats' range ends).
bool check_encoders(std::ostream& log) {
  bool ok = true;
  const auto expect = [&](bool condition, const std::string& what) {
    if (!condition) log << "encoder self-test FAILED: " << what << "\n";
    ok = ok && condition;
  };
  for (const OperandFormat f : {OperandFormat::e4m3, OperandFormat::e5m2}) {
    for (int code = 0; code < 256; ++code) {
      const float v = decode_fp8(static_cast<std::uint8_t>(code), f);
      const auto back = encode_exact(float_bits(v), f);
      const bool same = back && (std::isnan(v) ? std::isnan(decode_fp8(static_cast<std::uint8_t>(*back), f))
                                               : *back == code);
      expect(same, std::string(format_name(f)) + " code " + std::to_string(code) + " does not round-trip");
    }
  }
  const auto refused = [&](float v, OperandFormat f) { return !encode_exact(float_bits(v), f).has_value(); };
  expect(refused(INFINITY, OperandFormat::e4m3), "e4m3 accepted infinity");
  expect(refused(464.0f, OperandFormat::e4m3), "e4m3 accepted 464");
  expect(refused(1.0625f, OperandFormat::e4m3), "e4m3 accepted 1.0625");
  expect(refused(std::ldexp(1.0f, -10), OperandFormat::e4m3), "e4m3 accepted 2^-10");
  expect(refused(65536.0f, OperandFormat::e5m2), "e5m2 accepted 65536");
  expect(refused(1.125f, OperandFormat::e5m2), "e5m2 accepted 1.125");
  expect(refused(std::ldexp(1.0f, -17), OperandFormat::e5m2), "e5m2 accepted 2^-17");
  expect(refused(bits_float(0x3F800001u), OperandFormat::bf16), "bf16 accepted 1 + 2^-23");
  expect(encode_exact(float_bits(448.0f), OperandFormat::e4m3) == 0x7E, "e4m3 448 is not 0x7E");
  expect(encode_exact(float_bits(std::ldexp(1.0f, -9)), OperandFormat::e4m3) == 0x01, "e4m3 2^-9 is not 0x01");
  expect(encode_exact(float_bits(-INFINITY), OperandFormat::e5m2) == 0xFC, "e5m2 -inf is not 0xFC");
  expect(encode_exact(float_bits(-1.5f), OperandFormat::bf16) == 0xBFC0, "bf16 -1.5 is not 0xBFC0");
  return ok;
}

}  // namespace

bool run_wgmma_self_test(std::ostream& log) {
  bool ok = check_encoders(log);
  Rng rng(0x5EED0F0A11CA5E5ull);
  int cases = 0, failed = 0;
  for (const OperandFormat f : {OperandFormat::e4m3, OperandFormat::e5m2, OperandFormat::bf16})
    for (const int n : kWgmmaNs)
      for (const bool with_c : {false, true})
        for (const int steps : kChainLengths) {
          ++cases;
          if (!run_case(Case{f, n, with_c, steps}, rng, log)) ++failed;
        }
  if (failed > 0) log << "wgmma self-test: " << failed << " of " << cases << " cases failed\n";
  return ok && failed == 0;
}

}  // namespace codesim::reference::probe
