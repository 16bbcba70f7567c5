#pragma once
// A catalogue of named data files: one JSON file per entry, `<folder>/<name>.json`, where the
// folder is an environment variable's value when it is set (and not empty), else a default
// fixed at build time. Devices, models and scenarios are catalogues; a new kind of data file
// is one `DataCatalogue` object and its file loader:
//
//   const io::DataCatalogue catalogue{"device", "CODESIM_DEVICE_DATA", CODESIM_DEVICE_DATA_DEFAULT};
//   DeviceConfig d = catalogue.load(name_or_path, load_device_file);
//
// Wherever a name is accepted, so is a path to a file (anything containing '/' or ending in
// ".json"). A file found by name must carry that name in its `name` field, so that a renamed
// copy cannot masquerade as another entry.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace codesim::io {

class DataCatalogue {
 public:
  /// `kind` names what one file describes, for messages ("device", "model"). `subfolder`, if
  /// not empty, is where the files lie below the folder (several catalogues sharing one
  /// environment variable: <data>/models, <data>/scenarios).
  DataCatalogue(std::string kind, std::string env_var, std::filesystem::path default_folder,
                std::filesystem::path subfolder = {});

  [[nodiscard]] const std::string& kind() const { return kind_; }
  [[nodiscard]] const std::string& env_var() const { return env_var_; }
  /// $env_var if set and not empty, else the default folder (read anew on every call).
  [[nodiscard]] std::filesystem::path root() const;
  /// Where the files lie: root(), or root() / subfolder.
  [[nodiscard]] std::filesystem::path folder() const;
  /// The names of the `.json` files in folder(), sorted; none if the folder does not exist.
  [[nodiscard]] std::vector<std::string> names() const;

  /// True when `name_or_path` is a path (contains '/' or ends in ".json"), not a name.
  [[nodiscard]] static bool is_path(std::string_view name_or_path);
  /// The file of a name (folder()/<name>.json, which must exist) or a path as given (a
  /// relative path against `relative_to` when that is not empty; its existence is left to
  /// the reader, whose message names the file). An unknown name throws DataFileError:
  /// "unknown <kind> '<name>' in <folder> (known: a, b, c; or give a path to a <kind> file)".
  [[nodiscard]] std::filesystem::path resolve(std::string_view name_or_path,
                                              const std::filesystem::path& relative_to = {}) const;

  /// resolve(), then `load_file(file)`; for a file found by name, checks that the result's
  /// `name` is that name (check_own_name). Returns what `load_file` returns.
  template <typename LoadFile>
  [[nodiscard]] auto load(std::string_view name_or_path, LoadFile&& load_file,
                          const std::filesystem::path& relative_to = {}) const {
    const std::filesystem::path file = resolve(name_or_path, relative_to);
    auto loaded = std::forward<LoadFile>(load_file)(file);
    if (!is_path(name_or_path)) check_own_name(loaded.name, file);
    return loaded;
  }

  /// Throws DataFileError naming the file and its /name field unless `name` is the file's stem.
  static void check_own_name(const std::string& name, const std::filesystem::path& file);

 private:
  std::string kind_;
  std::string env_var_;
  std::filesystem::path default_folder_;
  std::filesystem::path subfolder_;
};

}  // namespace codesim::io
