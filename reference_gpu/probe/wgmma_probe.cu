// wgmma_probe: runs dot-product sets on Hopper's tensor core with raw wgmma PTX and writes the
// FP32 results, for bit-level comparison with the emulator's block-FMA models
// (../shared/notes/numerics.md §2, §9).
//
//   wgmma_probe --inputs DIR --out DIR [--n N]   every set folder under DIR (info.txt, a.txt, b.txt,
//                                                 optional c.txt) -> OUT/<same path>/ with copies of
//                                                 the inputs and d.txt (d_n<N>.txt for N != 64), plus
//                                                 OUT/wgmma_probe.json (wgmma_probe_n<N>.json)
//   wgmma_probe --self-test                       the built-in checks only
//
// The built-in checks run before every real run too: a layout error must stop the run, not
// produce plausible-looking numbers. Without a Hopper GPU the program prints one line and exits 77.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "reference_gpu/common/dot_product_files.hpp"
#include "reference_gpu/common/result_json.hpp"
#include "reference_gpu/cuda/device_query.hpp"
#include "reference_gpu/probe/exact_formats.cuh"
#include "reference_gpu/probe/probe_cli.cuh"
#include "reference_gpu/probe/wgmma_probe_kernel.cuh"
#include "reference_gpu/probe/wgmma_probe_self_test.cuh"

namespace fs = std::filesystem;
using namespace codesim::reference;
using namespace codesim::reference::probe;

namespace {

constexpr const char* kProgram = "wgmma_probe";

std::string hex32(std::uint32_t v) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08X", v);
  return text;
}

/// Operand codes of one file's values (rows x k binary32 patterns); a value the format cannot hold
/// exactly is a FormatError naming the file, line and field.
std::vector<std::uint8_t> encode_operands(const std::vector<std::uint32_t>& bits, int k, OperandFormat f,
                                          const fs::path& file) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(bits.size() * static_cast<std::size_t>(operand_bytes(f)));
  for (std::size_t i = 0; i < bits.size(); ++i) {
    const auto code = encode_exact(bits[i], f);
    if (!code)
      throw FormatError(file.string() + ": line " + std::to_string(i / static_cast<std::size_t>(k) + 1) + " field " +
                        std::to_string(i % static_cast<std::size_t>(k) + 1) + ": " + hex32(bits[i]) +
                        " is not exactly representable in " + format_name(f));
    bytes.push_back(static_cast<std::uint8_t>(*code & 0xFF));
    if (f == OperandFormat::bf16) bytes.push_back(static_cast<std::uint8_t>(*code >> 8));  // little-endian
  }
  return bytes;
}

DotProductBatch to_batch(const DotProductSet& set, const fs::path& dir) {
  const auto format = parse_operand_format(set.format);
  if (!format) throw FormatError((dir / "info.txt").string() + ": format '" + set.format + "' is not e4m3, e5m2 or bf16");
  if (set.k <= 0 || set.k % instruction_k(*format) != 0)
    throw FormatError((dir / "info.txt").string() + ": k " + std::to_string(set.k) + " is not a positive multiple of " +
                      std::to_string(instruction_k(*format)) + " (one " + set.format + " wgmma)");
  DotProductBatch batch;
  batch.format = *format;
  batch.k = set.k;
  batch.rows = static_cast<int>(set.rows());
  batch.a = encode_operands(set.a, set.k, *format, dir / "a.txt");
  batch.b = encode_operands(set.b, set.k, *format, dir / "b.txt");
  for (const std::uint32_t c : set.c) batch.c.push_back(bits_float(c));
  return batch;
}

/// prefix + N + suffix. (Built by append: GCC 12 gives a false -Wrestrict for "literal" + std::string.)
std::string with_n(const char* prefix, int n, const char* suffix) {
  std::string s(prefix);
  s.append(std::to_string(n)).append(suffix);
  return s;
}

/// d.txt for the default N = 64, d_n<N>.txt otherwise; likewise the result file.
std::string d_file_name(int n) { return n == 64 ? "d.txt" : with_n("d_n", n, ".txt"); }
std::string result_file_name(int n) { return n == 64 ? "wgmma_probe.json" : with_n("wgmma_probe_n", n, ".json"); }

/// Runs one set folder and writes its output folder; returns its entry for the result file.
Json run_set(const fs::path& dir, const ProbeOptions& options) {
  const DotProductSet set = read_dot_product_set(dir);
  const DotProductBatch batch = to_batch(set, dir);
  const DotProductResult result = run_wgmma_dot_products(batch, options.n, false);
  const fs::path out_dir = output_folder(options.inputs, options.out, dir);
  for (const char* name : {"info.txt", "a.txt", "b.txt", "c.txt"})
    if (fs::exists(dir / name)) copy_file_whole(dir / name, out_dir / name);
  write_bit_strings(out_dir / d_file_name(options.n), result.d);

  Json entry = Json::object();
  entry["operator"] = "wgmma_dot";
  entry["set"] = fs::relative(dir, options.inputs).generic_string();
  entry["format"] = set.format;
  entry["rows"] = batch.rows;
  entry["k"] = batch.k;
  entry["has_c"] = set.has_c();
  entry["mode"] = with_n("n", options.n, "");
  entry["instruction"] = wgmma_instruction_name(batch.format, options.n);
  entry["output"] = d_file_name(options.n);
  entry["status"] = "ok";
  return entry;
}

void run_all_sets(const ProbeOptions& options, int argc, char** argv) {
  check_output_folder(options.inputs, options.out);
  const auto sets = find_dot_product_sets(options.inputs);
  if (sets.empty()) throw FormatError(options.inputs.string() + ": no dot-product set folders (info.txt with a.txt)");
  Json doc = result_file(kProgram, command_line(argc, argv), query_device());
  for (const auto& dir : sets) {
    doc["results"].push_back(run_set(dir, options));
    std::cout << kProgram << ": " << fs::relative(dir, options.inputs).generic_string() << ": ok\n";
  }
  write_result_file(options.out / result_file_name(options.n), doc);
}

}  // namespace

int main(int argc, char** argv) {
  exit_if_no_hopper_gpu(program_basename(argc > 0 ? argv[0] : kProgram).c_str());
  try {
    const ProbeOptions options = parse_probe_options(argc, argv, true);
    if (std::find(std::begin(kWgmmaNs), std::end(kWgmmaNs), options.n) == std::end(kWgmmaNs))
      throw std::invalid_argument("--n " + std::to_string(options.n) + " is not one of 8, 16, 32, 64, 128, 256");
    if (!run_wgmma_self_test(std::cerr)) {
      std::cerr << kProgram << ": self-test failed: the wgmma layout or chaining is wrong; no results written\n";
      return 1;
    }
    if (options.self_test) {
      std::cout << kProgram << ": self-test passed\n";
      return 0;
    }
    run_all_sets(options, argc, argv);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": error: " << e.what() << "\n";
    return 1;
  }
}
