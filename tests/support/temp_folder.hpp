#pragma once
// The one way tests get a scratch folder: `TempFolder dir;` creates a fresh, empty folder
// under the system's temporary directory ($TMPDIR, else /tmp) with mkdtemp, so each instance
// in each process gets its own even when ctest runs tests in parallel; the destructor removes
// it with everything in it. Standard C++ and POSIX only (no GoogleTest), so any test binary
// can use it: as a member of a fixture, or as a local in a plain TEST.
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace codesim::testing {

class TempFolder {
 public:
  /// `prefix` starts the folder's name (letters, digits, '-', '_'), to tell whose it is.
  explicit TempFolder(std::string_view prefix = "codesim") {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = std::filesystem::absolute(buffer.data());
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  TempFolder(TempFolder&&) = delete;
  TempFolder& operator=(TempFolder&&) = delete;

  /// The folder (absolute).
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// A path inside the folder; nothing is created.
  [[nodiscard]] std::filesystem::path file(const std::filesystem::path& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace codesim::testing
