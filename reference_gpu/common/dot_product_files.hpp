#pragma once
// Dot-product sets in the format of the published H100 tensor-core vectors
// (../shared/reference/tensor-cores): one test per line; a and b lines hold K binary32 bit
// patterns as 8 hex digits separated by spaces; c and d lines hold one binary32 value as a
// 32-character string of 0/1, most significant bit first.
//
// A set is a folder: info.txt (key value lines: format, k, rows, description), a.txt, b.txt,
// c.txt (optional: without it the accumulator input is zero) and, once a GPU has run it,
// d files (d.txt, or d_<variant>.txt). Standard C++ only: it builds on a machine with just
// the CUDA toolkit.
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace codesim::reference {

/// Malformed or inconsistent input file; the message names the file, line and field.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The most characters of a bad value a FormatError repeats (as the emulator's data files:
/// io::kMaxQuotedChars), so that a megabyte-long field gives a short message.
inline constexpr std::size_t kMaxQuotedChars = 80;

/// `text` in quotes when it has at most kMaxQuotedChars characters, else its first ones (not
/// cutting a UTF-8 sequence) followed by "... (N characters)".
[[nodiscard]] std::string quoted_value(std::string_view text);

struct DotProductSet {
  std::string format;       ///< input format of a and b: e4m3, e5m2 or bf16
  int k = 0;                ///< values per line (a multiple of the instruction's K chains instructions)
  std::string description;  ///< what the set exercises
  std::vector<std::uint32_t> a;  ///< rows x k binary32 bit patterns, row-major
  std::vector<std::uint32_t> b;
  std::vector<std::uint32_t> c;  ///< rows values, or empty: accumulator input zero (scale-d 0)
  [[nodiscard]] std::size_t rows() const { return k > 0 ? a.size() / static_cast<std::size_t>(k) : 0; }
  [[nodiscard]] bool has_c() const { return !c.empty(); }
};

/// key value lines; '#' starts a comment. Throws FormatError on a line without a value.
std::map<std::string, std::string> read_info_file(const std::filesystem::path& file);
void write_info_file(const std::filesystem::path& file, const std::map<std::string, std::string>& info);

/// Lines of `k` hex binary32 fields each (k = 0: take the first line's count; every line must match).
std::vector<std::uint32_t> read_hex_rows(const std::filesystem::path& file, int& k);
void write_hex_rows(const std::filesystem::path& file, const std::vector<std::uint32_t>& values, int k);
/// One 32-character 0/1 string per line.
std::vector<std::uint32_t> read_bit_strings(const std::filesystem::path& file);
void write_bit_strings(const std::filesystem::path& file, const std::vector<std::uint32_t>& values);

/// Reads a set folder (info.txt, a.txt, b.txt, optional c.txt) and checks that the counts agree.
DotProductSet read_dot_product_set(const std::filesystem::path& dir);
/// Writes info.txt, a.txt, b.txt and c.txt when the set has one (each file via a temporary and rename).
void write_dot_product_set(const std::filesystem::path& dir, const DotProductSet& set);

/// The folders under `root` holding info.txt and `payload`, sorted by path (info.txt is
/// written last, so each is complete). Throws FormatError when `root` is not a folder.
std::vector<std::filesystem::path> find_folders_holding(const std::filesystem::path& root, const char* payload);
/// The set folders under `root` (info.txt and a.txt), sorted by path.
std::vector<std::filesystem::path> find_dot_product_sets(const std::filesystem::path& root);

}  // namespace codesim::reference
