#pragma once
// A design report as the registry knows it: a name (`codesim report NAME`), what it shows,
// and how it writes its files into a folder. Each report registers itself from one file in
// reports/kinds/, so adding a report touches no existing file; the command line lists and
// runs whatever is registered.
#include <filesystem>
#include <functional>
#include <string>

#include "emulator/registry/named_registry.hpp"

namespace codesim::reports {

/// What every report is given.
struct ReportRequest {
  std::filesystem::path out;  ///< output folder (created if missing)
  unsigned threads = 1;       ///< worker threads; results do not depend on it
};

struct ReportKind {
  std::string name;
  std::string summary;  ///< one line: what the report shows
  std::string files;    ///< what it writes, for the command's help
  /// Writes the report; throws std::invalid_argument for bad options, std::runtime_error
  /// otherwise, leaving no half-written file.
  std::function<void(const ReportRequest&)> write;
};

using ReportRegistry = registry::NamedRegistry<ReportKind>;
using ReportRegistrar = registry::NamedRegistrar<ReportKind>;

}  // namespace codesim::reports
