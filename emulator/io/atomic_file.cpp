#include "emulator/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace codesim::io {
namespace fs = std::filesystem;
namespace {

/// A name no other writer in this process or another one uses at the same time.
std::string unique_suffix() {
  static std::atomic<unsigned long long> counter{0};
  return std::to_string(static_cast<long long>(::getpid())) + "-" + std::to_string(counter.fetch_add(1));
}

[[noreturn]] void fail(const fs::path& path, const std::string& what, int err) {
  throw OutputPathError("cannot write '" + path.string() + "': " + what + ": " + std::strerror(err));
}

/// Closes a descriptor once, reporting close()'s own error where it matters.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

void write_all(int fd, std::string_view content, const fs::path& target) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(target, "write failed", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// out_dir as an absolute path without a trailing separator, so that it has a file name and a
/// parent directory for the staging sibling.
fs::path normalise_dir(const fs::path& out_dir) {
  if (out_dir.empty()) throw OutputPathError("output directory path is empty");
  fs::path p = fs::absolute(out_dir).lexically_normal();
  while (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  if (!p.has_filename() || p.filename() == "." || p.filename() == "..")
    throw OutputPathError("cannot use '" + out_dir.string() + "' as an output directory");
  return p;
}

/// Throws OutputPathError unless `target` is absent or a regular file (not followed if it is a
/// symbolic link): renaming over a device node, a FIFO, a socket or a link would replace it by
/// a regular file, which is never what a user naming it as output meant.
void check_replaceable(const fs::path& target) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(target, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw OutputPathError("cannot write '" + target.string() + "': " + ec.message());
  if (!fs::exists(st) || fs::is_regular_file(st)) return;
  const char* kind = fs::is_symlink(st)     ? "a symbolic link"
                     : fs::is_directory(st) ? "a directory"
                     : fs::is_fifo(st)      ? "a FIFO"
                     : fs::is_character_file(st) ? "a character device"
                     : fs::is_block_file(st)     ? "a block device"
                     : fs::is_socket(st)         ? "a socket"
                                                 : "not a regular file";
  throw OutputPathError("cannot write '" + target.string() + "': it exists and is " + kind +
                        "; only a regular file is replaced (remove it or choose another path)");
}

void check_directory_or_absent(const fs::path& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw OutputPathError("cannot use output directory '" + dir.string() + "': " + ec.message());
  if (fs::exists(st) && !fs::is_directory(st))
    throw OutputPathError("output directory '" + dir.string() + "' exists and is not a directory");
}

/// True when a process with this id exists (kill with signal 0 only checks; EPERM means it
/// exists under another user).
bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

void remove_stale_work_folders(const fs::path& parent, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    // The process id follows the prefix, up to the next '-' or the end; anything else is not
    // one of ours.
    std::size_t end_of_pid = prefix.size();
    while (end_of_pid < name.size() && name[end_of_pid] >= '0' && name[end_of_pid] <= '9') ++end_of_pid;
    if (end_of_pid == prefix.size() || end_of_pid - prefix.size() > 9) continue;
    if (end_of_pid != name.size() && name[end_of_pid] != '-') continue;
    if (process_alive(std::stol(name.substr(prefix.size(), end_of_pid - prefix.size())))) continue;
    std::error_code ignored;
    if (fs::is_directory(fs::symlink_status(it->path(), ignored))) fs::remove_all(it->path(), ignored);
  }
}

void write_file_atomically(const fs::path& target, std::string_view content) {
  if (target.empty()) throw OutputPathError("cannot write to an empty path: name a file");
  if (!target.has_filename()) throw OutputPathError("cannot write '" + target.string() + "': no file name");
  check_replaceable(target);  // before any work, and again just before the rename
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string at -O3.
  std::string base = ".";
  base += target.filename().string();
  base += ".tmp-";

  fs::path tmp;
  int raw = -1;
  for (int attempt = 0; attempt < 100 && raw < 0; ++attempt) {
    tmp = dir / (base + unique_suffix());
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (raw < 0 && errno != EEXIST && errno != EINTR) fail(target, "cannot create temporary file", errno);
  }
  if (raw < 0) fail(target, "cannot create temporary file", EEXIST);

  Fd fd(raw);
  try {
    write_all(fd.get(), content, target);
    if (::fsync(fd.get()) != 0) fail(target, "fsync failed", errno);
    if (fd.close() != 0) fail(target, "close failed", errno);
    check_replaceable(target);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw OutputPathError("cannot write '" + target.string() + "': rename failed: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

StagingDirectory::StagingDirectory(fs::path out_dir) : out_dir_(normalise_dir(out_dir)) {
  check_directory_or_absent(out_dir_);
  const fs::path parent = out_dir_.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw OutputPathError("cannot create directory '" + parent.string() + "': " + ec.message());
  std::string base = ".";
  base += out_dir_.filename().string();
  base += ".staging-";
  // A run killed before it could remove its staging directory (SIGTERM, SIGKILL, a crash)
  // leaves it behind; the next run next to the same output removes it.
  remove_stale_work_folders(parent, base);
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = parent / (base + unique_suffix());
    if (fs::create_directory(candidate, ec)) {
      staging_ = std::move(candidate);
      return;
    }
    if (ec)
      throw OutputPathError("cannot create staging directory '" + candidate.string() + "': " + ec.message());
  }
  throw OutputPathError("cannot create a staging directory next to '" + out_dir_.string() + "'");
}

StagingDirectory::~StagingDirectory() {
  if (!done_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
  }
}

void StagingDirectory::write(std::string_view name, std::string_view content) const {
  const fs::path rel(name);
  if (name.empty() || rel.has_parent_path() || rel.is_absolute() || name == "." || name == "..")
    throw OutputPathError("'" + std::string(name) + "' is not a plain file name");
  write_file_atomically(staging_ / rel, content);
}

std::vector<fs::path> StagingDirectory::commit() {
  if (done_) throw std::logic_error("StagingDirectory::commit called twice");
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(staging_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file())
      throw OutputPathError("staging directory entry '" + it->path().string() + "' is not a regular file");
    names.push_back(it->path().filename().string());
  }
  if (ec) throw OutputPathError("cannot read staging directory '" + staging_.string() + "': " + ec.message());
  std::sort(names.begin(), names.end());

  check_directory_or_absent(out_dir_);
  fs::create_directories(out_dir_, ec);
  if (ec) throw OutputPathError("cannot create directory '" + out_dir_.string() + "': " + ec.message());
  // Check every target before moving any, so that a predictable failure moves nothing.
  for (const auto& name : names) check_replaceable(out_dir_ / name);
  std::vector<fs::path> published;
  published.reserve(names.size());
  for (const auto& name : names) {
    const fs::path target = out_dir_ / name;
    fs::rename(staging_ / name, target, ec);
    if (ec) throw OutputPathError("cannot write '" + target.string() + "': rename failed: " + ec.message());
    published.push_back(target);
  }
  fs::remove(staging_, ec);  // now empty; a leftover empty directory is harmless, so no throw
  done_ = true;
  return published;
}

std::vector<fs::path> publish_directory(const fs::path& out_dir,
                                        const std::function<void(const StagingDirectory& staging)>& build) {
  StagingDirectory staging(out_dir);
  build(staging);
  return staging.commit();
}

}  // namespace codesim::io
