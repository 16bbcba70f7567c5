#include "reference_gpu/common/dot_product_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "emulator/io/input_file.hpp"
#include "reference_gpu/common/atomic_write.hpp"

namespace codesim::reference {
namespace {

std::string where(const std::filesystem::path& file, std::size_t line) {
  return file.string() + ":" + std::to_string(line) + ": ";
}

std::ifstream open_or_throw(const std::filesystem::path& file) {
  // Before the open: a FIFO with no writer would block it, /dev/zero would never end.
  if (const auto why = io::input_file_problem(file, io::kMaxTextInputBytes); !why.empty())
    throw FormatError(file.string() + ": " + why);
  std::ifstream in(file);
  if (!in) throw FormatError(file.string() + ": cannot open");
  return in;
}

std::uint32_t parse_hex_field(const std::string& s, const std::filesystem::path& file, std::size_t line,
                              std::size_t field) {
  const bool ok = s.size() == 8 && std::all_of(s.begin(), s.end(), [](char ch) {
                    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
                  });
  if (!ok)
    throw FormatError(where(file, line) + "field " + std::to_string(field) + " " + quoted_value(s) +
                      " is not a binary32 bit pattern in 8 hex digits");
  return static_cast<std::uint32_t>(std::stoul(s, nullptr, 16));
}

const char* kHex = "0123456789abcdef";

}  // namespace

std::string quoted_value(std::string_view text) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict) about "'" + std::string(...).
  std::string out(1, '\'');
  if (text.size() <= kMaxQuotedChars) {
    out.append(text);
    out.push_back('\'');
    return out;
  }
  // Back up over UTF-8 continuation bytes (10xxxxxx) so that the prefix stays valid text.
  std::size_t cut = kMaxQuotedChars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  out.append(text.substr(0, cut));
  out.append("'... (");
  out.append(std::to_string(text.size()));
  out.append(" characters)");
  return out;
}

std::map<std::string, std::string> read_info_file(const std::filesystem::path& file) {
  auto in = open_or_throw(file);
  std::map<std::string, std::string> info;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string key;
    if (!(words >> key)) continue;
    std::string value;
    std::getline(words >> std::ws, value);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r' || value.back() == '\t')) value.pop_back();
    if (value.empty()) throw FormatError(where(file, n) + "key " + quoted_value(key) + " has no value");
    info[key] = value;
  }
  return info;
}

void write_info_file(const std::filesystem::path& file, const std::map<std::string, std::string>& info) {
  std::string out;
  for (const auto& [k, v] : info) out += k + " " + v + "\n";
  write_file_atomically(file, out);
}

std::vector<std::uint32_t> read_hex_rows(const std::filesystem::path& file, int& k) {
  auto in = open_or_throw(file);
  std::vector<std::uint32_t> values;
  std::string line;
  std::string field;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    int count = 0;
    while (fields >> field) values.push_back(parse_hex_field(field, file, n, static_cast<std::size_t>(++count)));
    if (count == 0) throw FormatError(where(file, n) + "empty line");
    if (k == 0) k = count;
    if (count != k)
      throw FormatError(where(file, n) + "has " + std::to_string(count) + " values, expected k = " + std::to_string(k));
  }
  return values;
}

void write_hex_rows(const std::filesystem::path& file, const std::vector<std::uint32_t>& values, int k) {
  std::string out;
  out.reserve(values.size() * 9);
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (int s = 28; s >= 0; s -= 4) out += kHex[(values[i] >> s) & 0xF];
    out += ' ';  // the published files end every line with a space too
    if ((i + 1) % static_cast<std::size_t>(k) == 0) out += '\n';
  }
  write_file_atomically(file, out);
}

std::vector<std::uint32_t> read_bit_strings(const std::filesystem::path& file) {
  auto in = open_or_throw(file);
  std::vector<std::uint32_t> values;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.size() != 32 || line.find_first_not_of("01") != std::string::npos)
      throw FormatError(where(file, n) + quoted_value(line) + " is not a 32-character 0/1 string");
    std::uint32_t v = 0;
    for (char ch : line) v = (v << 1) | static_cast<std::uint32_t>(ch - '0');
    values.push_back(v);
  }
  return values;
}

void write_bit_strings(const std::filesystem::path& file, const std::vector<std::uint32_t>& values) {
  std::string out;
  out.reserve(values.size() * 33);
  for (const auto v : values) {
    for (int b = 31; b >= 0; --b) out += ((v >> b) & 1U) ? '1' : '0';
    out += '\n';
  }
  write_file_atomically(file, out);
}

DotProductSet read_dot_product_set(const std::filesystem::path& dir) {
  const auto info_file = dir / "info.txt";
  const auto info = read_info_file(info_file);
  DotProductSet s;
  const auto get = [&](const char* key) {
    const auto it = info.find(key);
    if (it == info.end()) throw FormatError(info_file.string() + ": missing key '" + key + "'");
    return it->second;
  };
  s.format = get("format");
  if (s.format != "e4m3" && s.format != "e5m2" && s.format != "bf16")
    throw FormatError(info_file.string() + ": format " + quoted_value(s.format) + " is not e4m3, e5m2 or bf16");
  const std::string k_text = get("k");
  try {
    s.k = std::stoi(k_text);
  } catch (const std::exception&) {
    s.k = 0;
  }
  const int instruction_k = s.format == "bf16" ? 16 : 32;
  if (s.k <= 0 || s.k % instruction_k != 0)
    throw FormatError(info_file.string() + ": k " + quoted_value(k_text) + " must be a positive multiple of " +
                      std::to_string(instruction_k) + " for " + s.format);
  if (const auto it = info.find("description"); it != info.end()) s.description = it->second;
  int ka = s.k, kb = s.k;
  s.a = read_hex_rows(dir / "a.txt", ka);
  s.b = read_hex_rows(dir / "b.txt", kb);
  if (s.a.size() != s.b.size())
    throw FormatError((dir / "b.txt").string() + ": " + std::to_string(s.b.size() / static_cast<std::size_t>(s.k)) +
                      " rows, a.txt has " + std::to_string(s.rows()));
  if (std::filesystem::exists(dir / "c.txt")) {
    s.c = read_bit_strings(dir / "c.txt");
    if (s.c.size() != s.rows())
      throw FormatError((dir / "c.txt").string() + ": " + std::to_string(s.c.size()) + " rows, a.txt has " +
                        std::to_string(s.rows()));
  }
  if (const auto it = info.find("rows"); it != info.end() && it->second != std::to_string(s.rows()))
    throw FormatError(info_file.string() + ": rows " + quoted_value(it->second) + " but a.txt has " + std::to_string(s.rows()));
  return s;
}

void write_dot_product_set(const std::filesystem::path& dir, const DotProductSet& set) {
  std::map<std::string, std::string> info{
      {"format", set.format}, {"k", std::to_string(set.k)}, {"rows", std::to_string(set.rows())}};
  if (!set.description.empty()) info["description"] = set.description;
  write_hex_rows(dir / "a.txt", set.a, set.k);
  write_hex_rows(dir / "b.txt", set.b, set.k);
  if (set.has_c()) write_bit_strings(dir / "c.txt", set.c);
  write_info_file(dir / "info.txt", info);  // last: a folder with info.txt is complete
}

std::vector<std::filesystem::path> find_folders_holding(const std::filesystem::path& root, const char* payload) {
  std::vector<std::filesystem::path> dirs;
  if (!std::filesystem::is_directory(root)) throw FormatError(root.string() + ": not a folder");
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() != "info.txt") continue;
    if (std::filesystem::exists(e.path().parent_path() / payload)) dirs.push_back(e.path().parent_path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<std::filesystem::path> find_dot_product_sets(const std::filesystem::path& root) {
  return find_folders_holding(root, "a.txt");
}

}  // namespace codesim::reference
