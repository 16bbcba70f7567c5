#pragma once
// A device allocation that frees itself, so that an exception between cudaMalloc and the end of a run
// leaks nothing. cudaMalloc returns 256-byte aligned memory, which covers the 16-byte alignment that
// wgmma's vector loads and cuBLASLt's FP8 kernels ask for.
#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "reference_gpu/cuda/device_query.hpp"

namespace codesim::reference::probe {

template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count_ > 0) REF_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count_ * sizeof(T)));
  }
  /// A copy of `host` on the device.
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) {
    if (count_ > 0) REF_CUDA_CHECK(cudaMemcpy(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);  // no throw from a destructor; a failure here changes no result
  }

  [[nodiscard]] T* get() const { return data_; }
  [[nodiscard]] std::size_t size() const { return count_; }

  /// Fills every byte with 0xFF: as float, a NaN that no exact result equals, so an element the GPU
  /// never wrote cannot pass for a result.
  void poison() {
    if (count_ > 0) REF_CUDA_CHECK(cudaMemset(data_, 0xFF, count_ * sizeof(T)));
  }

  [[nodiscard]] std::vector<T> to_host() const {
    std::vector<T> host(count_);
    if (count_ > 0) REF_CUDA_CHECK(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  std::size_t count_ = 0;
  T* data_ = nullptr;
};

}  // namespace codesim::reference::probe
