#include "reference_gpu/cuda/device_query.hpp"

#include "reference_gpu/common/gpu_skip.hpp"

namespace codesim::reference {

void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                             cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

bool hopper_gpu_present(std::string& why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    why = std::string("no usable CUDA driver or device (") + cudaGetErrorName(status) + ")";
    return false;
  }
  if (count == 0) {
    why = "no CUDA device";
    return false;
  }
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
    why = "cudaGetDeviceProperties failed on device 0";
    return false;
  }
  if (p.major != 9) {
    why = std::string("device 0 (") + p.name + ") is compute capability " + std::to_string(p.major) + "." +
          std::to_string(p.minor) + ", these programs need Hopper (9.0, built for sm_90a)";
    return false;
  }
  return true;
}

void exit_if_no_hopper_gpu(const char* program) {
  std::string why;
  if (hopper_gpu_present(why)) return;
  std::printf("%s: skipped: %s\n", program, why.c_str());
  std::fflush(stdout);
  std::exit(kSkipExitCode);
}

namespace {
std::string version_string(int v) {  // CUDA encodes 13.0 as 13000
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}
int attribute(cudaDeviceAttr a, int device) {
  int v = 0;
  REF_CUDA_CHECK(cudaDeviceGetAttribute(&v, a, device));
  return v;
}
}  // namespace

DeviceInfo query_device(int device) {
  cudaDeviceProp p{};
  REF_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  DeviceInfo d;
  d.name = p.name;
  d.sm_count = p.multiProcessorCount;
  d.compute_major = p.major;
  d.compute_minor = p.minor;
  d.sm_clock_mhz = attribute(cudaDevAttrClockRate, device) / 1000;  // reported in kHz
  d.memory_clock_mhz = attribute(cudaDevAttrMemoryClockRate, device) / 1000;
  d.memory_bus_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, device);
  d.l2_bytes = p.l2CacheSize;
  d.memory_bytes = static_cast<std::int64_t>(p.totalGlobalMem);
  d.shared_memory_per_sm = static_cast<std::int64_t>(p.sharedMemPerMultiprocessor);
  int driver = 0, runtime = 0;
  REF_CUDA_CHECK(cudaDriverGetVersion(&driver));
  REF_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  d.driver_version = version_string(driver);
  d.runtime_version = version_string(runtime);
  return d;
}

}  // namespace codesim::reference
