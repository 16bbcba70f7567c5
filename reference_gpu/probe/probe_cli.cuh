#pragma once
// Command line and output-folder helpers shared by wgmma_probe and cublaslt_numerics. Host code only.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "reference_gpu/common/atomic_write.hpp"

namespace codesim::reference::probe {

struct ProbeOptions {
  std::filesystem::path inputs;
  std::filesystem::path out;
  bool self_test = false;  ///< run only the built-in checks
  int n = 64;              ///< wgmma_probe only: the instruction's N
};

/// "--inputs DIR --out DIR [--n N] | --self-test"; `--n` only where accepts_n. Throws
/// std::invalid_argument with a usage line on anything else.
inline ProbeOptions parse_probe_options(int argc, char** argv, bool accepts_n) {
  const std::string usage = std::string("usage: ") + (argc > 0 ? argv[0] : "program") +
                            " --inputs DIR --out DIR" + (accepts_n ? " [--n 8|16|32|64|128|256]" : "") +
                            " | --self-test";
  ProbeOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--self-test") {
      o.self_test = true;
    } else if (arg == "--inputs" && has_value) {
      o.inputs = argv[++i];
    } else if (arg == "--out" && has_value) {
      o.out = argv[++i];
    } else if (arg == "--n" && accepts_n && has_value) {
      const std::string v = argv[++i];
      std::size_t used = 0;
      try {
        o.n = std::stoi(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size()) throw std::invalid_argument("--n '" + v + "' is not a number; " + usage);
    } else {
      throw std::invalid_argument("unexpected argument '" + arg + "'; " + usage);
    }
  }
  if (!o.self_test && (o.inputs.empty() || o.out.empty()))
    throw std::invalid_argument("--inputs and --out are required; " + usage);
  return o;
}

/// The file name part of argv[0], for messages.
inline std::string program_basename(const char* argv0) {
  return std::filesystem::path(argv0 != nullptr ? argv0 : "program").filename().string();
}

/// An output folder strictly inside the input folder would be found as input by the next run
/// (every copied set is a set again); refuse it. The same folder is fine (results land beside the inputs).
inline void check_output_folder(const std::filesystem::path& inputs, const std::filesystem::path& out) {
  const auto in = std::filesystem::weakly_canonical(inputs);
  const auto o = std::filesystem::weakly_canonical(out);
  const auto rel = o.lexically_relative(in);
  if (o != in && !rel.empty() && *rel.begin() != "..")
    throw std::invalid_argument("--out " + out.string() + " lies inside --inputs " + inputs.string());
}

/// Where the outputs for input folder `item` go: `out` plus item's path relative to `inputs`.
inline std::filesystem::path output_folder(const std::filesystem::path& inputs, const std::filesystem::path& out,
                                           const std::filesystem::path& item) {
  return out / std::filesystem::relative(item, inputs);
}

/// Copies a file byte for byte through write_file_atomically (so the copy appears whole).
inline void copy_file_whole(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw std::runtime_error(from.string() + ": cannot open");
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error(from.string() + ": read failed");
  write_file_atomically(to, bytes);
}

}  // namespace codesim::reference::probe
