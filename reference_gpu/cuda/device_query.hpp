#pragma once
// Shared by every reference_gpu program: finding a usable Hopper GPU (or skipping cleanly
// without one), describing it for the result files, and checking CUDA calls.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "reference_gpu/common/result_json.hpp"

namespace codesim::reference {

/// Throws std::runtime_error naming the call, file and line when a CUDA call fails.
void check_cuda(cudaError_t status, const char* call, const char* file, int line);
#define REF_CUDA_CHECK(call) ::codesim::reference::check_cuda((call), #call, __FILE__, __LINE__)
/// After a kernel launch: the launch error, then (when `sync`) the execution error.
#define REF_CUDA_CHECK_LAUNCH() REF_CUDA_CHECK(cudaGetLastError())

/// Whether device 0 exists and is compute capability 9.x (Hopper). Otherwise `why` says
/// what is missing (no driver, no device, another architecture).
bool hopper_gpu_present(std::string& why);

/// Prints "<program>: skipped: <why>" and exits with kSkipExitCode when there is no Hopper GPU.
void exit_if_no_hopper_gpu(const char* program);

/// The GPU's name, SMs, clocks, memory and the driver and runtime versions (cuBLAS left empty).
DeviceInfo query_device(int device = 0);

}  // namespace codesim::reference
