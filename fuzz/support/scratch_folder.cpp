#include "fuzz/support/scratch_folder.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace codesim::fuzz {
namespace {

/// Created once; its destructor (at a normal exit) removes it. A crash leaves it behind, which
/// is why scripts/fuzz.sh points TMPDIR at a folder of its own.
class ScratchFolder {
 public:
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/codesim-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a scratch folder: " + pattern);
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& emptied() {
    for (const auto& e : std::filesystem::directory_iterator(path_)) std::filesystem::remove_all(e.path());
    return path_;
  }

 private:
  std::filesystem::path path_;
};

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kHeader = "--- ";

}  // namespace

const std::filesystem::path& fresh_scratch_folder() {
  static ScratchFolder folder;
  return folder.emptied();
}

std::filesystem::path write_file(const std::filesystem::path& folder, const std::string& name, std::string_view bytes) {
  const auto file = folder / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write the scratch file " + file.string());
  return file;
}

std::vector<std::pair<std::string, std::string_view>> split_bundle(std::string_view input) {
  // Offsets of every header line: at the start of the input or right after a '\n'.
  std::vector<std::size_t> headers;
  for (std::size_t at = 0; at < input.size();) {
    if (input.substr(at, kHeader.size()) == kHeader) headers.push_back(at);
    const auto nl = input.find('\n', at);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  std::vector<std::pair<std::string, std::string_view>> files;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const std::size_t name_at = headers[i] + kHeader.size();
    const std::size_t line_end = std::min(input.find('\n', name_at), input.size());
    std::string name(input.substr(name_at, line_end - name_at));
    if (!name.empty() && name.back() == '\r') name.pop_back();
    const std::size_t body_at = std::min(line_end + 1, input.size());
    std::size_t body_end = i + 1 < headers.size() ? headers[i + 1] : input.size();
    if (i + 1 < headers.size() && body_end > body_at) --body_end;  // the '\n' before the next header
    if (plain_name(name)) files.emplace_back(std::move(name), input.substr(body_at, body_end - body_at));
  }
  return files;
}

const std::filesystem::path& write_bundle(std::string_view input) {
  const auto& folder = fresh_scratch_folder();
  for (const auto& [name, bytes] : split_bundle(input)) write_file(folder, name, bytes);
  return folder;
}

}  // namespace codesim::fuzz
