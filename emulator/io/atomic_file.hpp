#pragma once
// Writing output so that a failure never leaves a half-written file or directory behind.
//
// write_file_atomically: the content goes to a temporary file in the target's directory, is
// flushed to disk, and is then renamed over the target (rename within one file system is
// atomic on POSIX: readers see the old file or the new one, never a mix).
//
// StagingDirectory / publish_directory: a set of files is built in a temporary sibling of the
// output directory and each finished file is then renamed into place. If building fails, the
// staging directory is removed and the output directory is left as it was.
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace codesim::io {

/// An output path that cannot be used: no name, a directory or a device where a file should go,
/// a write that failed. The command line turns it into exit status 2.
class OutputPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `content` to `target` atomically. Only a regular file is replaced: a `target` that
/// exists as anything else (a symbolic link, a FIFO, a device node, a directory) is refused, as
/// is an empty path. Throws OutputPathError naming the path if the file cannot be written; the
/// temporary file is removed and `target` is left unchanged. The target's directory must exist.
void write_file_atomically(const std::filesystem::path& target, std::string_view content);

/// A temporary directory next to `out_dir` (same parent, so renames stay on one file system),
/// `.<name>.staging-<pid>-<n>`, where a set of files is built before commit() moves them into
/// `out_dir`. Destroying it without commit() removes the staging directory and everything in
/// it; staging directories of killed runs are removed by the next one (remove_stale_work_folders).
class StagingDirectory {
 public:
  /// Creates the staging directory (and out_dir's parent directories if missing). Throws
  /// OutputPathError naming the path if out_dir exists and is not a directory, or if the
  /// staging directory cannot be created.
  explicit StagingDirectory(std::filesystem::path out_dir);
  ~StagingDirectory();
  StagingDirectory(const StagingDirectory&) = delete;
  StagingDirectory& operator=(const StagingDirectory&) = delete;
  StagingDirectory(StagingDirectory&&) = delete;
  StagingDirectory& operator=(StagingDirectory&&) = delete;

  /// Where the files are built.
  [[nodiscard]] const std::filesystem::path& path() const { return staging_; }
  [[nodiscard]] const std::filesystem::path& out_dir() const { return out_dir_; }

  /// Atomically writes `name` (a plain file name, no directories) into the staging directory.
  void write(std::string_view name, std::string_view content) const;

  /// Creates out_dir if needed and renames every regular file of the staging directory into
  /// it (replacing regular files of the same name, leaving other files in out_dir alone), then
  /// removes the staging directory. Returns the published paths, sorted by name. Subdirectories
  /// in the staging directory, and a target that exists as anything but a regular file, are an
  /// error. Throws OutputPathError naming the path.
  std::vector<std::filesystem::path> commit();

 private:
  std::filesystem::path out_dir_;
  std::filesystem::path staging_;
  bool done_ = false;
};

/// Removes the folders in `parent` named `<prefix><pid>` or `<prefix><pid>-<anything>` whose
/// process `pid` is no longer running: the work folders (staging directories, partial outputs)
/// of runs that were killed before they could clean up. Folders of live processes, and entries
/// that are not folders, are left alone; errors are ignored (a leftover is harmless).
void remove_stale_work_folders(const std::filesystem::path& parent, const std::string& prefix);

/// Runs build(staging_dir) and then publishes the files it wrote into out_dir (see
/// StagingDirectory). If build throws, nothing is published and the exception propagates.
std::vector<std::filesystem::path> publish_directory(
    const std::filesystem::path& out_dir, const std::function<void(const StagingDirectory& staging)>& build);

}  // namespace codesim::io
