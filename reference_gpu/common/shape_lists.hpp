#pragma once
// The shapes the GPU benchmarks run, as CSV files that `codesim reference shapes` writes into
// reference_gpu/shapes/ (committed, so the GPU machine needs no codesim build):
//   dense_gemm_shapes.csv    m,n,k,source
//   grouped_gemm_shapes.csv  name,layout,n,k,ms,source        (ms: ';'-separated rows per group)
//   moe_cases.csv            name,scenario,gpu,micro_batch,seed,hidden,intermediate,ms
//                            (ms: tokens per local expert, routed then shared, ';'-separated)
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace codesim::reference {

struct DenseGemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  std::string source;
};

struct GroupedGemmShape {
  std::string name;
  std::string layout;  ///< contiguous | masked
  std::int64_t n = 0, k = 0;
  std::vector<std::int64_t> ms;  ///< rows of each group (tokens per expert)
  std::string source;
};

/// One GPU's expert computation: quantise the received tokens, grouped GEMM up (N = 2 *
/// intermediate, K = hidden), SwiGLU + quantise, grouped GEMM down (N = hidden, K = intermediate).
struct MoeCase {
  std::string name;
  std::string scenario;
  int gpu = 0;
  int micro_batch = 0;
  std::uint64_t seed = 0;
  std::int64_t hidden = 0;
  std::int64_t intermediate = 0;
  std::vector<std::int64_t> ms;
  [[nodiscard]] std::int64_t tokens() const;
};

std::vector<DenseGemmShape> read_dense_gemm_shapes(const std::filesystem::path& file);
std::vector<GroupedGemmShape> read_grouped_gemm_shapes(const std::filesystem::path& file);
std::vector<MoeCase> read_moe_cases(const std::filesystem::path& file);

void write_dense_gemm_shapes(const std::filesystem::path& file, const std::vector<DenseGemmShape>& shapes);
void write_grouped_gemm_shapes(const std::filesystem::path& file, const std::vector<GroupedGemmShape>& shapes);
void write_moe_cases(const std::filesystem::path& file, const std::vector<MoeCase>& cases);

}  // namespace codesim::reference
