#pragma once
// The exit status ctest treats as "skipped" (SKIP_RETURN_CODE in reference_gpu/CMakeLists.txt):
// a reference_gpu program run where there is no usable GPU prints one line and exits with it.
namespace codesim::reference {
inline constexpr int kSkipExitCode = 77;
}  // namespace codesim::reference
