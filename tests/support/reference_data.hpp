#pragma once
// Locates the third-party tensor-core vectors (../shared/reference/tensor-cores). They are
// never copied into the project: the folder comes from the environment variable
// CODESIM_TENSOR_CORE_DATA, else from the CMake option of the same name.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace codesim::testing {

inline std::filesystem::path tensor_core_data_dir() {
  if (const char* env = std::getenv("CODESIM_TENSOR_CORE_DATA"); env != nullptr && *env != '\0')
    return env;
  return CODESIM_TENSOR_CORE_DATA_DEFAULT;
}

/// Message for GTEST_SKIP when the data folder is absent.
inline std::string missing_data_message(const std::filesystem::path& p) {
  return "tensor-core reference data not found at " + p.string() +
         " (set CODESIM_TENSOR_CORE_DATA or the CMake option CODESIM_TENSOR_CORE_DATA)";
}

}  // namespace codesim::testing
