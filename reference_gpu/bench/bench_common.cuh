#pragma once
// What every GPU benchmark shares: command-line options, device memory, cuBLAS status checks,
// random non-zero inputs, poisoned outputs, counting unwritten outputs, and the program's main.
//
// Each benchmark is one translation unit, so the kernels defined in these headers are compiled
// once per program.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "emulator/numerics/splitmix.hpp"
#include "reference_gpu/common/result_json.hpp"
#include "reference_gpu/cuda/device_query.hpp"

namespace codesim::reference::bench {

// ------------------------------------------------------------------------------------ checks

/// A cuBLAS call's failure (distinct, so that a refused GEMM can be told from other errors).
struct CublasError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw CublasError(std::string(file) + ":" + std::to_string(line) + ": " + call +
                             " failed: " + cublasLtGetStatusName(status));
}
#define REF_CUBLAS_CHECK(call) ::codesim::reference::bench::check_cublas((call), #call, __FILE__, __LINE__)

// ------------------------------------------------------------------------------------ sizes

constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
constexpr std::int64_t round_up(std::int64_t a, std::int64_t b) { return ceil_div(a, b) * b; }

/// DeepSeek's scale granularity: one scale per 128 elements along K (and per 128 rows of weights).
inline constexpr std::int64_t kScaleBlock = 128;

// ------------------------------------------------------------------------------------ options

struct Options {
  std::filesystem::path shapes = "reference_gpu/shapes";
  std::filesystem::path out;  ///< empty: reference_gpu/results/<device>/<program>.json
  int runs = 50;
  int warmup = 10;
  bool self_test = false;
};

inline int positive_int(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < 1) throw std::invalid_argument(option + " needs a positive integer, got '" + text + "'");
  return v;
}

inline Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--self-test") {
      o.self_test = true;
      continue;
    }
    if (a != "--shapes" && a != "--out" && a != "--runs" && a != "--warmup")
      throw std::invalid_argument("unknown option '" + a +
                                  "' (options: --shapes DIR, --out FILE.json, --runs N, --warmup N, --self-test)");
    if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--shapes") o.shapes = v;
    if (a == "--out") o.out = v;
    if (a == "--runs") o.runs = positive_int(a, v);
    if (a == "--warmup") o.warmup = positive_int(a, v);
  }
  return o;
}

inline std::filesystem::path result_path(const Options& o, const std::string& program, const DeviceInfo& device) {
  if (!o.out.empty()) return o.out;
  return std::filesystem::path("reference_gpu/results") / device_folder_name(device.name) / (program + ".json");
}

/// The program's main: skip without a Hopper GPU (exit 77), then run `body` with the parsed
/// options; any exception becomes "<program>: error: ..." and exit status 1.
template <class Body>
int run_program(const char* program, int argc, char** argv, Body body) {
  exit_if_no_hopper_gpu(program);
  try {
    return body(parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
}

inline std::string cublaslt_version() {
  const std::size_t v = cublasLtGetVersion();  // e.g. 130100 for 13.1.0
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// ------------------------------------------------------------------------------------ memory

/// One cudaMalloc, freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    if (bytes > 0) REF_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);  // nothing useful to do with an error in a destructor
  }
  [[nodiscard]] std::byte* data() const { return static_cast<std::byte*>(ptr_); }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

/// A non-blocking stream, destroyed with the object. Host copies synchronise it explicitly.
class Stream {
 public:
  Stream() { REF_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { cudaStreamDestroy(stream_); }
  operator cudaStream_t() const { return stream_; }  // NOLINT: used wherever a stream is
  void sync() const { REF_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  cudaStream_t stream_ = nullptr;
};

/// Several arrays in one allocation: first `reserve` each (offsets), then `allocate`, then `at`.
/// Offsets are 256-byte aligned, more than cuBLASLt's 16 bytes and a full memory transaction.
class Arena {
 public:
  std::size_t reserve(std::size_t bytes) {
    const std::size_t offset = total_;
    total_ += static_cast<std::size_t>(round_up(static_cast<std::int64_t>(bytes), 256));
    return offset;
  }
  void allocate() { buffer_ = DeviceBuffer(total_); }
  template <class T>
  [[nodiscard]] T* at(std::size_t offset) const {
    return reinterpret_cast<T*>(buffer_.data() + offset);
  }
  [[nodiscard]] std::size_t bytes() const { return total_; }

 private:
  std::size_t total_ = 0;
  DeviceBuffer buffer_;
};

/// Every byte 0xFF: NaN in FP32, BF16 and E4M3, none of which a correct kernel writes here, so an
/// unwritten output element shows up in count_nonfinite.
inline void poison(void* p, std::size_t bytes, cudaStream_t s) { REF_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, bytes, s)); }

template <class T>
std::vector<T> to_host(const T* device, std::size_t count) {
  std::vector<T> v(count);
  if (count > 0) REF_CUDA_CHECK(cudaMemcpy(v.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
  return v;
}

template <class T>
void to_device(T* device, const std::vector<T>& host) {
  if (!host.empty()) REF_CUDA_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
}

// ------------------------------------------------------------------------------------ random inputs

/// Counter-based random bits (splitmix64 finaliser): element i of a fill depends only on (seed, i),
/// so fills need no state and every thread computes its own element.
__host__ __device__ inline std::uint64_t random_bits(std::uint64_t seed, std::uint64_t index) {
  return numerics::splitmix_mix(seed * numerics::kSplitmixGamma + index);
}

inline constexpr int kFillThreads = 256;
inline unsigned fill_blocks(std::int64_t count) {
  return static_cast<unsigned>(std::min<std::int64_t>(ceil_div(count, kFillThreads), 4096));
}

/// BF16 activations: sign * (1 + m/128) * 2^e with e in [-8, 4]; never zero, never rounded.
__global__ void fill_bf16_kernel(__nv_bfloat16* p, std::int64_t count, std::uint64_t seed) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < count;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::uint64_t r = random_bits(seed, static_cast<std::uint64_t>(i));
    const unsigned sign = static_cast<unsigned>(r & 1u);
    const unsigned exponent = 127u - 8u + static_cast<unsigned>((r >> 1) % 13u);
    const unsigned mantissa = static_cast<unsigned>((r >> 8) & 0x7Fu);
    p[i] = __ushort_as_bfloat16(static_cast<unsigned short>((sign << 15) | (exponent << 7) | mantissa));
  }
}

/// E4M3 codes like quantised Gaussian data: a sum of four uniforms (near-normal) scaled so that
/// about 3 standard deviations reach 448, the quantiser's amax; zero codes become the smallest
/// subnormal of the same sign so that no input is zero.
__global__ void fill_e4m3_kernel(std::uint8_t* p, std::int64_t count, std::uint64_t seed) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < count;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::uint64_t r = random_bits(seed, static_cast<std::uint64_t>(i));
    float sum = 0.0f;
    for (int u = 0; u < 4; ++u) sum += static_cast<float>((r >> (16 * u)) & 0xFFFFu) * (1.0f / 65536.0f);
    const float normal = (sum - 2.0f) * 1.7320508f;  // sd of a sum of 4 uniforms is sqrt(1/3)
    std::uint8_t code = __nv_cvt_float_to_fp8(normal * (448.0f / 3.0f), __NV_SATFINITE, __NV_E4M3);
    if ((code & 0x7Fu) == 0) code |= 1u;
    p[i] = code;
  }
}

/// Positive scales (1 + u) * 2^e with e in [-9, -6] (amax/448 for unit-variance data is about
/// 2^-7). Entries whose index modulo `row` is at or past `used` are padding and set to zero.
__global__ void fill_scales_kernel(float* p, std::int64_t count, std::int64_t row, std::int64_t used,
                                   std::uint64_t seed) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < count;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::uint64_t r = random_bits(seed, static_cast<std::uint64_t>(i));
    const float unit = 1.0f + static_cast<float>(r & 0xFFFFFFu) * (1.0f / 16777216.0f);
    const int exponent = -9 + static_cast<int>((r >> 32) % 4u);
    p[i] = i % row < used ? ldexpf(unit, exponent) : 0.0f;
  }
}

inline void fill_bf16(__nv_bfloat16* p, std::int64_t count, std::uint64_t seed, cudaStream_t s) {
  if (count == 0) return;
  fill_bf16_kernel<<<fill_blocks(count), kFillThreads, 0, s>>>(p, count, seed);
  REF_CUDA_CHECK_LAUNCH();
}
inline void fill_e4m3(std::uint8_t* p, std::int64_t count, std::uint64_t seed, cudaStream_t s) {
  if (count == 0) return;
  fill_e4m3_kernel<<<fill_blocks(count), kFillThreads, 0, s>>>(p, count, seed);
  REF_CUDA_CHECK_LAUNCH();
}
/// `count` scales in rows of `row` entries of which the first `used` are real.
inline void fill_scales(float* p, std::int64_t count, std::int64_t row, std::int64_t used, std::uint64_t seed,
                        cudaStream_t s) {
  if (count == 0) return;
  fill_scales_kernel<<<fill_blocks(count), kFillThreads, 0, s>>>(p, count, row, used, seed);
  REF_CUDA_CHECK_LAUNCH();
}

// ------------------------------------------------------------------------------------ unwritten outputs

__device__ inline bool nonfinite(std::uint8_t e4m3) { return (e4m3 & 0x7Fu) == 0x7Fu; }
__device__ inline bool nonfinite(__nv_bfloat16 v) { return (__bfloat16_as_ushort(v) & 0x7F80u) == 0x7F80u; }
__device__ inline bool nonfinite(float v) { return !isfinite(v); }

template <class T>
__global__ void count_nonfinite_kernel(const T* p, std::int64_t count, unsigned long long* result) {
  unsigned long long local = 0;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < count;
       i += std::int64_t{gridDim.x} * blockDim.x)
    local += nonfinite(p[i]) ? 1u : 0u;
  if (local > 0) atomicAdd(result, local);
}

/// How many of `count` elements are NaN or infinite: after poisoning, the ones nobody wrote.
template <class T>
std::int64_t count_nonfinite(const T* p, std::int64_t count, cudaStream_t s) {
  if (count == 0) return 0;
  DeviceBuffer counter(sizeof(unsigned long long));
  auto* c = reinterpret_cast<unsigned long long*>(counter.data());
  REF_CUDA_CHECK(cudaMemsetAsync(c, 0, sizeof(*c), s));
  count_nonfinite_kernel<<<fill_blocks(count), kFillThreads, 0, s>>>(p, count, c);
  REF_CUDA_CHECK_LAUNCH();
  unsigned long long host = 0;
  REF_CUDA_CHECK(cudaMemcpyAsync(&host, c, sizeof(host), cudaMemcpyDeviceToHost, s));
  REF_CUDA_CHECK(cudaStreamSynchronize(s));
  return static_cast<std::int64_t>(host);
}

// ------------------------------------------------------------------------------------ host decoding

/// E4M3 code -> value through cuda_fp8.h's host conversion, as a table.
inline const std::vector<float>& e4m3_values() {
  static const std::vector<float> table = [] {
    std::vector<float> t(256);
    for (int c = 0; c < 256; ++c) {
      __nv_fp8_e4m3 v;
      v.__x = static_cast<__nv_fp8_storage_t>(c);
      t[static_cast<std::size_t>(c)] = static_cast<float>(v);
    }
    return t;
  }();
  return table;
}

inline float bf16_value(__nv_bfloat16 v) { return __bfloat162float(v); }

/// Up to `limit` indices of [0, n), evenly spread and always including the first and the last
/// (all of them when n <= limit): the rows and columns a correctness check recomputes.
inline std::vector<std::int64_t> sample_indices(std::int64_t n, std::int64_t limit) {
  std::vector<std::int64_t> v;
  if (n <= limit) {
    for (std::int64_t i = 0; i < n; ++i) v.push_back(i);
    return v;
  }
  for (std::int64_t i = 0; i < limit; ++i) v.push_back(limit == 1 ? 0 : i * (n - 1) / (limit - 1));
  return v;
}

}  // namespace codesim::reference::bench
