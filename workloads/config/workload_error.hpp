#pragma once
// The workloads layer reads its data files with the project's strict JSON reader; a bad
// workload input is a DataFileError (exit status 2 on the command line).
#include "emulator/io/json_fields.hpp"

namespace codesim::workloads {

using WorkloadError = io::DataFileError;
using io::JsonObjectReader;
using io::read_json_file;

}  // namespace codesim::workloads
