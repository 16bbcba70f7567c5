#include "reference_gpu/common/gemm_case_files.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

#include "emulator/io/input_file.hpp"
#include "reference_gpu/common/atomic_write.hpp"
#include "reference_gpu/common/dot_product_files.hpp"

namespace codesim::reference {
namespace {

static_assert(std::endian::native == std::endian::little, "the .bin files are little-endian");

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& file, std::size_t expected) {
  if (const auto why = io::input_file_problem(file, io::kMaxTextInputBytes); !why.empty())
    throw FormatError(file.string() + ": " + why);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FormatError(file.string() + ": cannot open");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != expected)
    throw FormatError(file.string() + ": " + std::to_string(bytes.size()) + " bytes, expected " +
                      std::to_string(expected));
  return bytes;
}

int positive_int(const std::map<std::string, std::string>& info, const std::filesystem::path& file, const char* key) {
  const auto it = info.find(key);
  if (it == info.end()) throw FormatError(file.string() + ": missing key '" + key + "'");
  int v = 0;
  try {
    std::size_t used = 0;
    v = std::stoi(it->second, &used);
    if (used != it->second.size()) v = 0;
  } catch (const std::exception&) {
    v = 0;
  }
  if (v <= 0) throw FormatError(file.string() + ": " + key + " " + quoted_value(it->second) + " is not a positive integer");
  return v;
}

}  // namespace

std::size_t a_scale_count(const GemmCase& c) {
  if (c.scaling == "per-tensor") return 1;
  return static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.k / 128);
}

std::size_t b_scale_count(const GemmCase& c) {
  if (c.scaling == "per-tensor") return 1;
  return static_cast<std::size_t>((c.n + 127) / 128) * static_cast<std::size_t>(c.k / 128);
}

std::vector<float> read_f32_file(const std::filesystem::path& file, std::size_t expected_count) {
  const auto bytes = read_bytes(file, expected_count * sizeof(float));
  std::vector<float> v(expected_count);
  if (!bytes.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

void write_f32_file(const std::filesystem::path& file, const std::vector<float>& values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  write_file_atomically(file, bytes);
}

GemmCase read_gemm_case(const std::filesystem::path& dir) {
  const auto info_file = dir / "info.txt";
  const auto info = read_info_file(info_file);
  GemmCase c;
  c.name = info.count("name") ? info.at("name") : dir.filename().string();
  c.m = positive_int(info, info_file, "m");
  c.n = positive_int(info, info_file, "n");
  c.k = positive_int(info, info_file, "k");
  c.format = info.count("format") ? info.at("format") : "";
  c.scaling = info.count("scaling") ? info.at("scaling") : "";
  if (info.count("description")) c.description = info.at("description");
  if (c.format != "e4m3" && c.format != "e5m2")
    throw FormatError(info_file.string() + ": format " + quoted_value(c.format) + " is not e4m3 or e5m2");
  if (c.scaling != "blockwise" && c.scaling != "per-tensor")
    throw FormatError(info_file.string() + ": scaling " + quoted_value(c.scaling) + " is not blockwise or per-tensor");
  // cuBLASLt's FP8 rules: dimensions multiples of 16; the block modes need K in 128s.
  if (c.m % 16 != 0 || c.n % 16 != 0 || c.k % (c.scaling == "blockwise" ? 128 : 16) != 0)
    throw FormatError(info_file.string() + ": m " + std::to_string(c.m) + ", n " + std::to_string(c.n) + ", k " +
                      std::to_string(c.k) + " must be multiples of 16 (k of 128 for blockwise scaling)");
  const auto mk = static_cast<std::size_t>(c.m) * static_cast<std::size_t>(c.k);
  const auto nk = static_cast<std::size_t>(c.n) * static_cast<std::size_t>(c.k);
  c.a = read_bytes(dir / "a.bin", mk);
  c.b = read_bytes(dir / "b.bin", nk);
  c.a_scale = read_f32_file(dir / "a_scale.bin", a_scale_count(c));
  c.b_scale = read_f32_file(dir / "b_scale.bin", b_scale_count(c));
  return c;
}

void write_gemm_case(const std::filesystem::path& dir, const GemmCase& c) {
  write_file_atomically(dir / "a.bin", std::string(c.a.begin(), c.a.end()));
  write_file_atomically(dir / "b.bin", std::string(c.b.begin(), c.b.end()));
  write_f32_file(dir / "a_scale.bin", c.a_scale);
  write_f32_file(dir / "b_scale.bin", c.b_scale);
  std::map<std::string, std::string> info{{"name", c.name},       {"m", std::to_string(c.m)},
                                          {"n", std::to_string(c.n)}, {"k", std::to_string(c.k)},
                                          {"format", c.format},   {"scaling", c.scaling}};
  if (!c.description.empty()) info["description"] = c.description;
  write_info_file(dir / "info.txt", info);  // last: a folder with info.txt is complete
}

std::vector<std::filesystem::path> find_gemm_cases(const std::filesystem::path& root) {
  return find_folders_holding(root, "a.bin");
}

}  // namespace codesim::reference
