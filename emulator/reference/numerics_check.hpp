#pragma once
// Compares GPU outputs with the emulator, bit for bit: dot-product sets run by the wgmma probe
// (and the published H100 tensor-core files, which use the same format), and FP8 GEMM cases run
// through cuBLASLt, against each candidate recipe the emulator has.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace codesim::emulator_reference {

struct DotMismatch {
  std::size_t row = 0;
  std::uint32_t expected = 0;  ///< the emulator
  std::uint32_t got = 0;       ///< the GPU
};

struct DotFileCheck {
  std::filesystem::path set;  ///< the set folder
  std::string d_file;         ///< d.txt, d_n8.txt, d_H100_fp32.txt, ...
  std::string model;          ///< the tensor-core model compared with (hopper-fp8, ...)
  std::string format;
  std::string output;         ///< fp32 or fp16
  int k = 0;
  std::size_t rows = 0;
  std::size_t mismatches = 0;       ///< rows whose bits differ
  std::size_t nan_payload_only = 0;  ///< of those: both NaN, different payload or sign
  std::vector<DotMismatch> first;    ///< the first few mismatches
};

/// Every d file of every set under `root`: folders written by the probe (info.txt, a.txt,
/// b.txt, c.txt, d*.txt) and folders in the published layout (a_<gpu>_<FMT>.txt,
/// b_..., c_<gpu>_fp32.txt, d_<gpu>_fp32.txt / d_<gpu>_fp16.txt). Throws
/// reference::FormatError or std::invalid_argument naming the file on bad input.
std::vector<DotFileCheck> check_dot_sets(const std::filesystem::path& root);

struct GemmCandidateCheck {
  std::string recipe;          ///< emulator recipe, e.g. "promote:128"
  std::size_t mismatches = 0;  ///< elements whose FP32 bits differ
  double max_relative_difference = 0;
};

struct GemmFileCheck {
  std::filesystem::path case_dir;
  std::string mode;    ///< fast_accum, split_accum, vec128_blk128, ...
  std::string status;  ///< "ok" or the GPU run's reason for not producing it
  std::size_t elements = 0;
  std::vector<GemmCandidateCheck> candidates;  ///< best (fewest mismatches) first
};

/// Every d_<mode>.bin of every GEMM case under `root`, against the candidate recipes:
/// per-tensor cases: fast-accum and promotion every 32, 64, 128 of K; blockwise cases:
/// promotion every 32, 64, 128 (DeepGEMM's scale order: sa * sb first, then one FFMA).
std::vector<GemmFileCheck> check_gemm_cases(const std::filesystem::path& root, unsigned threads);

}  // namespace codesim::emulator_reference
