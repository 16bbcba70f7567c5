#pragma once
// Timing as ../.library/device/METHOD.md says: the work is captured once per buffer set into a CUDA
// graph; warm-up launches first; then every timed launch is preceded, outside the timed region,
// by a write of twice the L2 size (so no input or output sits in L2), bracketed by CUDA events,
// and the median over the runs is reported (min and max too). Consecutive launches rotate over
// several buffer sets, so even without the flush a run would not find its inputs in L2.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "reference_gpu/bench/bench_common.cuh"

namespace codesim::reference::bench {

struct Timing {
  double median_us = 0, min_us = 0, max_us = 0;
  int runs = 0;
};

/// An instantiated CUDA graph.
class Graph {
 public:
  /// Captures what `enqueue(stream)` puts on `stream`; a failure inside ends the capture first.
  template <class Enqueue>
  static Graph capture(cudaStream_t stream, Enqueue&& enqueue) {
    REF_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    cudaGraph_t graph = nullptr;
    try {
      enqueue(stream);
    } catch (...) {
      if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    REF_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    Graph g;
    const cudaError_t status = cudaGraphInstantiate(&g.exec_, graph, 0);
    cudaGraphDestroy(graph);
    REF_CUDA_CHECK(status);
    return g;
  }
  Graph() = default;
  Graph(Graph&& o) noexcept : exec_(std::exchange(o.exec_, nullptr)) {}
  Graph& operator=(Graph&& o) noexcept {
    std::swap(exec_, o.exec_);
    return *this;
  }
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() {
    if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
  }
  void launch(cudaStream_t stream) const { REF_CUDA_CHECK(cudaGraphLaunch(exec_, stream)); }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

class Event {
 public:
  Event() { REF_CUDA_CHECK(cudaEventCreate(&event_)); }
  Event(Event&& o) noexcept : event_(std::exchange(o.event_, nullptr)) {}
  Event& operator=(Event&&) = delete;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (event_ != nullptr) cudaEventDestroy(event_);
  }
  void record(cudaStream_t s) const { REF_CUDA_CHECK(cudaEventRecord(event_, s)); }
  /// Microseconds from `start` to this event (both complete).
  [[nodiscard]] double us_since(const Event& start) const {
    float ms = 0;
    REF_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
    return 1000.0 * ms;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

/// Evicts L2 by writing a buffer twice its size.
class L2Flusher {
 public:
  explicit L2Flusher(std::int64_t l2_bytes) : buffer_(static_cast<std::size_t>(2 * l2_bytes)) {}
  void flush(cudaStream_t s) const { REF_CUDA_CHECK(cudaMemsetAsync(buffer_.data(), 0x5A, buffer_.bytes(), s)); }

 private:
  DeviceBuffer buffer_;
};

/// How many copies of a `set_bytes` working set to rotate over: enough that the sets together are
/// at least three times L2 (and at least two), as far as half the free memory allows.
inline int rotation_sets(std::size_t set_bytes, std::int64_t l2_bytes) {
  std::size_t free_bytes = 0, total_bytes = 0;
  REF_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const auto bytes = static_cast<std::int64_t>(std::max<std::size_t>(set_bytes, 1));
  const std::int64_t wanted = std::max<std::int64_t>(2, ceil_div(3 * l2_bytes, bytes));
  const std::int64_t fit = static_cast<std::int64_t>(free_bytes / 2) / bytes;
  return static_cast<int>(std::clamp<std::int64_t>(std::min(wanted, fit), 1, 16));
}

/// Launches graphs[i % n] `warmup` times, then `runs` timed launches, each after an L2 flush.
inline Timing time_graphs(const std::vector<Graph>& graphs, const L2Flusher& l2, cudaStream_t s, int warmup,
                          int runs) {
  const std::size_t n = graphs.size();
  std::size_t next = 0;
  for (int i = 0; i < warmup; ++i) {
    l2.flush(s);
    graphs[next++ % n].launch(s);
  }
  std::vector<Event> start, stop;
  start.reserve(static_cast<std::size_t>(runs));
  stop.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    start.emplace_back();
    stop.emplace_back();
    l2.flush(s);
    start.back().record(s);
    graphs[next++ % n].launch(s);
    stop.back().record(s);
  }
  REF_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> us;
  for (std::size_t i = 0; i < start.size(); ++i) us.push_back(stop[i].us_since(start[i]));
  Timing t;
  t.median_us = median(us);
  t.min_us = *std::min_element(us.begin(), us.end());
  t.max_us = *std::max_element(us.begin(), us.end());
  t.runs = runs;
  return t;
}

/// Bytes over the median time, in GB/s (1e9 bytes per second; t in microseconds).
inline double gbps(double bytes, const Timing& t) { return bytes / (t.median_us * 1e3); }

/// One measurement's record, its status (ok | checked | failed_check | unsupported | skipped) and
/// a line for the console.
struct Outcome {
  std::string status;
  std::string detail;
  Json record;
};

/// A timed measurement: the common fields in the order codesim's readers expect. `flop` 0 means
/// a memory-bound operator, whose "tflops" is null.
inline Outcome measured(const std::string& op, Json shape, const Timing& t, double flop, double bytes) {
  Json r = Json::object();
  r["operator"] = op;
  r["shape"] = std::move(shape);
  r["status"] = "ok";
  r["time_us"] = t.median_us;
  r["time_us_min"] = t.min_us;
  r["time_us_max"] = t.max_us;
  r["runs"] = t.runs;
  const double tflops = flop / (t.median_us * 1e6), rate = gbps(bytes, t);  // 1 TFLOP/s = 1e12 FLOP/s
  r["tflops"] = flop > 0 ? Json(tflops) : Json(nullptr);
  r["gbps"] = rate;
  char line[128];
  if (flop > 0)
    std::snprintf(line, sizeof line, "%10.2f us %8.1f TFLOPS %8.0f GB/s", t.median_us, tflops, rate);
  else
    std::snprintf(line, sizeof line, "%10.2f us %8.0f GB/s", t.median_us, rate);
  return {"ok", line, std::move(r)};
}

/// A measurement that was not timed: checked only (self-test), or not run, with the reason.
inline Outcome not_measured(const std::string& op, Json shape, const std::string& status, const std::string& reason) {
  Json r = Json::object();
  r["operator"] = op;
  r["shape"] = std::move(shape);
  r["status"] = status;
  r["reason"] = reason;
  return {status, status + ": " + reason, std::move(r)};
}

/// Collects a program's outcomes: prints each, and either rewrites the result file after each
/// (so an interrupted run keeps what it measured) or, in a self-test, only counts.
class Results {
 public:
  /// A benchmark run writing `file`.
  Results(const char* program, Json doc, std::filesystem::path file)
      : program_(program), doc_(std::move(doc)), file_(std::move(file)) {}
  /// A self-test: nothing is written; every outcome must be "checked".
  explicit Results(const char* program) : program_(program), self_test_(true) {}

  void add(const std::string& label, Outcome o) {
    const bool bad = self_test_ ? o.status != "checked" : o.status == "failed_check";
    failed_ += bad ? 1 : 0;
    ++count_;
    std::printf("%-6s %-64s %s\n", bad ? "FAILED" : "ok", label.c_str(), o.detail.c_str());
    std::fflush(stdout);
    if (self_test_) return;
    doc_["results"].push_back(std::move(o.record));
    write_result_file(file_, doc_);
  }
  /// Prints the closing line; the program's exit status (1 when a check failed).
  int finish() const {
    if (self_test_)
      std::printf("%s: self-test %s: %d passed, %d failed\n", program_, failed_ == 0 ? "passed" : "FAILED",
                  count_ - failed_, failed_);
    else
      std::printf("%s: %d results in %s%s\n", program_, count_, file_.string().c_str(),
                  failed_ > 0 ? ", some FAILED their correctness check" : "");
    return failed_ == 0 ? 0 : 1;
  }

 private:
  const char* program_;
  Json doc_;
  std::filesystem::path file_;
  bool self_test_ = false;
  int count_ = 0, failed_ = 0;
};

inline Json int_array(const std::vector<std::int64_t>& v) {
  Json a = Json::array();
  for (const std::int64_t x : v) a.push_back(static_cast<long long>(x));
  return a;
}

}  // namespace codesim::reference::bench
