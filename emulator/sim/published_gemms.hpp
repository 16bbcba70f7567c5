#pragma once
// The published DeepGEMM tables: the dense table of ../shared/reference/h800 (or any CSV with
// its columns), the conditions each row was measured under, and the project's grouped tables
// (data/published/). Pure C++ (no SystemC): the fuzz target builds without the timing model.
#include <filesystem>
#include <vector>

#include "emulator/kernels/gemm_kernel.hpp"
#include "emulator/sim/gemm_conditions.hpp"

namespace codesim::sim {

struct MeasuredGemm {
  kernels::GemmShape shape;
  double measured_us = 0.0;  ///< recovered from the published TFLOPS: 2*M*N*K / TFLOPS
  double measured_tflops = 0.0;
  int line = 0;              ///< line in the source file
  GemmConditions conditions;  ///< the DeepGEMM release and the L2 state it was measured with
};

/// Reads a CSV with header `m,n,k,tflops,...` (the columns of deepgemm_dense_fp8_gemm.csv),
/// with default conditions (see apply_measurement_conditions). Throws io::DataFileError
/// naming the file, line, column and value for anything malformed.
[[nodiscard]] std::vector<MeasuredGemm> read_published_dense_gemms(const std::filesystem::path& csv);

/// Sets each row's conditions from a CSV `m,n,k,kernel,l2_at_start` (kernel: a GEMM kernel
/// generation; l2_at_start: flushed or b-tail/<r>), matched on the shape. Every row needs
/// exactly one line (a line without a row is allowed: the measured table may be a subset);
/// throws io::DataFileError otherwise.
void apply_measurement_conditions(std::vector<MeasuredGemm>& rows, const std::filesystem::path& csv);

/// Reads the project's published-figure tables (data/published/*.csv: groups,m_per_group,n,k,
/// layout,tflops,kernel,l2_at_start,source); layout dense (one group), contiguous or masked.
[[nodiscard]] std::vector<MeasuredGemm> read_published_grouped_gemms(const std::filesystem::path& csv);

}  // namespace codesim::sim
