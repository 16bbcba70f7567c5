#include "emulator/io/data_catalogue.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "emulator/io/json_fields.hpp"

namespace codesim::io {

DataCatalogue::DataCatalogue(std::string kind, std::string env_var, std::filesystem::path default_folder,
                             std::filesystem::path subfolder)
    : kind_(std::move(kind)),
      env_var_(std::move(env_var)),
      default_folder_(std::move(default_folder)),
      subfolder_(std::move(subfolder)) {}

std::filesystem::path DataCatalogue::root() const {
  if (const char* env = std::getenv(env_var_.c_str()); env != nullptr && *env != '\0') return env;
  return default_folder_;
}

std::filesystem::path DataCatalogue::folder() const {
  return subfolder_.empty() ? root() : root() / subfolder_;
}

std::vector<std::string> DataCatalogue::names() const {
  const auto dir = folder();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    // An empty list would read as "there are none": a mistyped variable must not look like that.
    const char* env = std::getenv(env_var_.c_str());
    const bool from_env = env != nullptr && *env != '\0';
    throw DataFileError(bounded_quote(dir.string()) + ": no such folder of " + kind_ + " files" +
                        (from_env ? " (" + env_var_ + " is " + bounded_quote(env) + ")"
                                  : " (the built-in default; set " + env_var_ + " to use another)"));
  }
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool DataCatalogue::is_path(std::string_view s) {
  return s.find('/') != std::string_view::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json");
}

std::filesystem::path DataCatalogue::resolve(std::string_view name_or_path,
                                             const std::filesystem::path& relative_to) const {
  if (is_path(name_or_path)) {
    std::filesystem::path p(name_or_path);
    if (p.is_relative() && !relative_to.empty()) p = relative_to / p;
    return p;
  }
  const auto dir = folder();
  auto file = dir / (std::string(name_or_path) + ".json");
  std::error_code ec;  // a name too long for the file system is an unknown name, not an exception
  if (!std::filesystem::exists(file, ec)) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw DataFileError("unknown " + kind_ + " '" + bounded_quote(name_or_path) + "' in " + dir.string() +
                        " (known: " + known + "; or give a path to a " + kind_ + " file)");
  }
  return file;
}

void DataCatalogue::check_own_name(const std::string& name, const std::filesystem::path& file) {
  if (name != file.stem().string())
    JsonObjectReader::fail_at(file.string(), "/name", "\"" + name + "\"",
                              "must equal the file name '" + file.stem().string() + "'");
}

}  // namespace codesim::io
