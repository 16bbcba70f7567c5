#pragma once
// The input sets the GPU numerics probes run (reference_gpu/probe): dot-product sets in the
// tensor-cores text format for the raw wgmma probe, and FP8 GEMM cases for the cuBLASLt runs.
// Each set targets one behaviour numerics.md §9 leaves open; all are drawn from a seed, so the
// same seed writes byte-identical files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "reference_gpu/common/dot_product_files.hpp"
#include "reference_gpu/common/gemm_case_files.hpp"

namespace codesim::emulator_reference {

struct InputSetOptions {
  std::int64_t rows = 10000;  ///< rows of each random set; edge-case sets are smaller fractions of it
  std::uint64_t seed = 1;
};

struct NamedDotProductSet {
  std::string name;  ///< folder name under dot/
  reference::DotProductSet set;
};

/// Throws std::invalid_argument when rows < 64 or rows > 10,000,000.
std::vector<NamedDotProductSet> make_dot_product_sets(const InputSetOptions& options);
/// Per-tensor cases (power-of-two scales, for FAST_ACCUM on and off) and blockwise cases
/// (DeepSeek's 1x128 / 128x128 quantisation of normal data, for VEC128 / BLK128x128).
std::vector<reference::GemmCase> make_gemm_cases(std::uint64_t seed);

/// Writes dot/<set>/ and gemm/<case>/ under `out`. The folder must not exist or be empty; the
/// files are written to `out`.partial and renamed into place at the end, so a failure leaves
/// no half-written input folder. Throws std::runtime_error naming the path on failure.
void write_numerics_inputs(const std::filesystem::path& out, const InputSetOptions& options);

}  // namespace codesim::emulator_reference
