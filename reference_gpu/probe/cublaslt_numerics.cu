// cublaslt_numerics: runs FP8 GEMM cases through cuBLASLt in each accumulation / scaling mode and
// writes the FP32 results, for comparison with the emulator's GEMM recipes (numerics.md §4.4, §6).
//
//   cublaslt_numerics --inputs DIR --out DIR   every GEMM case folder under DIR ->
//                                              OUT/<same path>/ with copies of the inputs plus, per
//                                              mode, d_<mode>.txt ("status ok" or "status unsupported
//                                              <reason>") and d_<mode>.bin (M x N float32, when ok),
//                                              plus OUT/cublaslt_numerics.json
//   cublaslt_numerics --self-test              the built-in check only
//
// Modes: per-tensor cases fast_accum and split_accum; blockwise cases vec128_blk128 and
// vec128_vec128. The built-in check runs before every real run. Without a Hopper GPU the program
// prints one line and exits 77.
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

#include "reference_gpu/common/atomic_write.hpp"
#include "reference_gpu/common/dot_product_files.hpp"  // FormatError
#include "reference_gpu/common/gemm_case_files.hpp"
#include "reference_gpu/common/result_json.hpp"
#include "reference_gpu/cuda/device_query.hpp"
#include "reference_gpu/probe/cublaslt_gemm.cuh"
#include "reference_gpu/probe/cublaslt_numerics_self_test.cuh"
#include "reference_gpu/probe/probe_cli.cuh"

namespace fs = std::filesystem;
using namespace codesim::reference;
using namespace codesim::reference::probe;

namespace {

constexpr const char* kProgram = "cublaslt_numerics";

/// Writes d_<mode>.txt and, when cuBLASLt ran it, d_<mode>.bin; a refused mode removes a .bin
/// left by an earlier run so that the folder never pairs a stale result with a new status.
void write_mode_outputs(const fs::path& out_dir, GemmMode mode, const GemmModeResult& r) {
  const std::string stem = std::string("d_") + mode_name(mode);
  if (r.ok) {
    write_f32_file(out_dir / (stem + ".bin"), r.d);
    write_file_atomically(out_dir / (stem + ".txt"), "status ok\n");
  } else {
    fs::remove(out_dir / (stem + ".bin"));
    write_file_atomically(out_dir / (stem + ".txt"), "status unsupported " + r.reason + "\n");
  }
}

Json result_entry(const GemmCase& c, const std::string& set, GemmMode mode, const GemmModeResult& r) {
  Json entry = Json::object();
  entry["operator"] = "cublaslt_fp8_gemm_numerics";
  entry["set"] = set;
  entry["case"] = c.name;
  Json shape = Json::object();
  shape["m"] = c.m;
  shape["n"] = c.n;
  shape["k"] = c.k;
  entry["shape"] = shape;
  entry["rows"] = c.m;
  entry["format"] = c.format;
  entry["scaling"] = c.scaling;
  entry["mode"] = mode_name(mode);
  entry["status"] = r.ok ? "ok" : "unsupported";
  if (!r.ok) entry["reason"] = r.reason;
  return entry;
}

void run_case(LtGemmRunner& runner, const fs::path& dir, const ProbeOptions& options, Json& results) {
  const GemmCase c = read_gemm_case(dir);
  const fs::path out_dir = output_folder(options.inputs, options.out, dir);
  const std::string set = fs::relative(dir, options.inputs).generic_string();
  write_gemm_case(out_dir, c);
  for (const GemmMode mode : modes_for(c)) {
    const GemmModeResult r = runner.run(c, mode);
    write_mode_outputs(out_dir, mode, r);
    results.push_back(result_entry(c, set, mode, r));
    std::cout << kProgram << ": " << set << ": " << mode_name(mode) << ": "
              << (r.ok ? std::string("ok") : "unsupported (" + r.reason + ")") << "\n";
  }
}

void run_all_cases(const ProbeOptions& options, int argc, char** argv) {
  check_output_folder(options.inputs, options.out);
  const auto cases = find_gemm_cases(options.inputs);
  if (cases.empty()) throw FormatError(options.inputs.string() + ": no GEMM case folders (info.txt with a scaling key)");
  DeviceInfo device = query_device();
  device.cublas_version = cublaslt_version_string();
  Json doc = result_file(kProgram, command_line(argc, argv), device);
  LtGemmRunner runner;
  for (const auto& dir : cases) run_case(runner, dir, options, doc["results"]);
  write_result_file(options.out / (std::string(kProgram) + ".json"), doc);
}

}  // namespace

int main(int argc, char** argv) {
  exit_if_no_hopper_gpu(program_basename(argc > 0 ? argv[0] : kProgram).c_str());
  try {
    const ProbeOptions options = parse_probe_options(argc, argv, false);
    if (!run_cublaslt_self_test(std::cerr)) {
      std::cerr << kProgram << ": self-test failed: a supported mode gave a wrong result; no results written\n";
      return 1;
    }
    if (options.self_test) {
      std::cout << kProgram << ": self-test passed (cuBLASLt " << cublaslt_version_string() << ")\n";
      return 0;
    }
    run_all_cases(options, argc, argv);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": error: " << e.what() << "\n";
    return 1;
  }
}
