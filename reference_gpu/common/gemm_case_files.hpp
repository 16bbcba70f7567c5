#pragma once
// FP8 GEMM cases for the cuBLASLt numerics runs: D = A * B^T with A (M x K) and B (N x K) as
// FP8 codes, row-major (DeepGEMM's NT layout), and FP32 scales.
//
// A case is a folder: info.txt (name, m, n, k, format e4m3|e5m2, scaling blockwise|per-tensor,
// description), a.bin (M*K bytes), b.bin (N*K bytes), a_scale.bin and b_scale.bin (little-endian
// float32). Blockwise: a_scale is M x K/128 (row-major: one scale per row per 128 of K, DeepSeek's
// 1x128 activation tiles) and b_scale is N/128 x K/128 (128x128 weight blocks). Per-tensor: one
// value each. Outputs written by a GPU run: d_<mode>.bin, M x N float32 row-major, and
// d_<mode>.txt with one line "status ok" or "status unsupported <reason>".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace codesim::reference {

struct GemmCase {
  std::string name;
  int m = 0, n = 0, k = 0;
  std::string format = "e4m3";
  std::string scaling = "blockwise";  ///< blockwise | per-tensor
  std::string description;
  std::vector<std::uint8_t> a;  ///< M x K codes
  std::vector<std::uint8_t> b;  ///< N x K codes
  std::vector<float> a_scale;
  std::vector<float> b_scale;
};

/// Expected scale counts for a case's shape and scaling.
std::size_t a_scale_count(const GemmCase& c);
std::size_t b_scale_count(const GemmCase& c);

/// Reads and checks a case folder (sizes against m, n, k and scaling). Throws FormatError.
GemmCase read_gemm_case(const std::filesystem::path& dir);
void write_gemm_case(const std::filesystem::path& dir, const GemmCase& c);
/// The case folders under `root` (folders holding info.txt and a.bin), sorted by path.
std::vector<std::filesystem::path> find_gemm_cases(const std::filesystem::path& root);

std::vector<float> read_f32_file(const std::filesystem::path& file, std::size_t expected_count);
void write_f32_file(const std::filesystem::path& file, const std::vector<float>& values);

}  // namespace codesim::reference
