#pragma once
// What a command accepts where it expects an input file: a regular file (or a symbolic link to
// one) of bounded size. Checked before the file is opened, because opening is itself the
// problem for some paths: a FIFO with no writer blocks open() forever, /dev/zero never ends,
// and a directory opens but reads as an error the stream reports as an empty file.
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

namespace codesim::io {

/// The largest JSON or CSV data file read (devices, models, scenarios, clusters, results,
/// published tables): the largest shipped one is under 1 MB.
inline constexpr std::uintmax_t kMaxDataFileBytes = std::uintmax_t{64} << 20;
/// The largest text input of `numerics dot` and `numerics convert`, file or standard input: the
/// published tensor-core vectors are a few MB per file.
inline constexpr std::uintmax_t kMaxTextInputBytes = std::uintmax_t{1} << 30;

/// Empty when `file` can be read as an input of at most `max_bytes`; else why not, as the end of
/// a message that starts with the file's name ("not a regular file (a FIFO)", ...).
[[nodiscard]] inline std::string input_file_problem(const std::filesystem::path& file, std::uintmax_t max_bytes) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::string("cannot open the file: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a plain file";
    return std::string("not a regular file (") + kind + "): give a file";
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    return std::to_string(static_cast<std::uintmax_t>(st.st_size)) + " bytes, more than the " +
           std::to_string(max_bytes >> 20) + " MiB an input file of this kind may have";
  return {};
}

}  // namespace codesim::io
