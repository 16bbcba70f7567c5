#pragma once
// The shape lists the GPU benchmarks run (reference_gpu/shapes/*.csv), made from the published
// DeepGEMM tables and from codesim's own workloads, so that emulator and GPU see the same shapes.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "reference_gpu/common/shape_lists.hpp"

namespace codesim::emulator_reference {

struct ShapeLists {
  std::vector<reference::DenseGemmShape> dense;
  std::vector<reference::GroupedGemmShape> grouped;
  std::vector<reference::MoeCase> moe;
};

/// dense: every row of <published>/deepgemm_dense_fp8_gemm.csv; grouped: the rows of
/// data/published/h800_deepgemm_grouped.csv and the routed-expert GEMMs of GPU 0 of prefill-ep32,
/// decode-ep144 and train-ep64 (seed `seed`); moe: GPU 0's expert computation of prefill-ep32
/// and decode-ep144 (routed experts, then the shared expert, as groups). Throws
/// io::DataFileError / workloads::WorkloadError on bad data.
ShapeLists make_shape_lists(const std::filesystem::path& published_dir, const std::filesystem::path& grouped_csv,
                            std::uint64_t seed);

/// Writes dense_gemm_shapes.csv, grouped_gemm_shapes.csv and moe_cases.csv into `dir`.
void write_shape_lists(const std::filesystem::path& dir, const ShapeLists& lists);

}  // namespace codesim::emulator_reference
