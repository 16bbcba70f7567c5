#include "emulator/calibration/forked_row_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <numeric>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/calibration/pipe_io.hpp"
#include "emulator/calibration/worker_error.hpp"

namespace codesim::calibration {
namespace {

// A worker's answer: a status word (0 ok, else the length of an error message), then either
// the predictions of its rows or the message.
constexpr std::uint64_t kOk = 0;

}  // namespace

ForkedRowPool::ForkedRowPool(SingleRowModel model, std::vector<double> row_costs, std::size_t workers)
    : model_(std::move(model)), rows_(row_costs.size()) {
  workers = std::min(workers, rows_);
  if (workers <= 1) return;
  // Longest-processing-time first: each row, costliest first, to the least loaded worker.
  std::vector<std::size_t> order(rows_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return row_costs[a] > row_costs[b]; });
  workers_.resize(workers);
  std::vector<double> load(workers, 0.0);
  for (const auto r : order) {
    const auto w = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    workers_[w].rows.push_back(r);
    load[w] += row_costs[r];
  }
  for (auto& w : workers_) std::sort(w.rows.begin(), w.rows.end());
  for (auto& w : workers_) {
    int down[2];
    int up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0) {
      stop();
      throw std::runtime_error(std::string("cannot create a pipe for a calibration worker: ") + std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      stop();
      throw std::runtime_error(std::string("cannot start a calibration worker: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(down[1]);
      ::close(up[0]);
      for (const auto& other : workers_) {  // the pipes of workers started before this one
        if (other.to_worker >= 0) ::close(other.to_worker);
        if (other.from_worker >= 0) ::close(other.from_worker);
      }
      serve(w, down[0], up[1]);
    }
    ::close(down[0]);
    ::close(up[1]);
    w.pid = pid;
    w.to_worker = down[1];
    w.from_worker = up[0];
  }
}

void ForkedRowPool::serve(const Worker& self, int in, int out) const {
  std::uint64_t n = 0;
  while (read_all(in, &n, sizeof n)) {
    std::vector<double> values(n);
    if (!read_all(in, values.data(), n * sizeof(double))) break;
    std::vector<double> predicted;
    std::string error;
    try {
      for (const auto r : self.rows) predicted.push_back(model_(values, r));
    } catch (const std::exception& e) {
      error = encode_worker_error(e);
    }
    const std::uint64_t status = error.empty() ? kOk : error.size();
    if (!write_all(out, &status, sizeof status)) break;
    const bool sent = error.empty() ? write_all(out, predicted.data(), predicted.size() * sizeof(double))
                                    : write_all(out, error.data(), error.size());
    if (!sent) break;
  }
  // The parent closed the pipe: leave without unwinding the copy of its state (no atexit
  // handlers, no leak report for objects the parent owns).
  ::_exit(0);
}

std::vector<double> ForkedRowPool::predict(const std::vector<double>& values) {
  std::vector<double> out(rows_, 0.0);
  if (workers_.empty()) {
    for (std::size_t r = 0; r < rows_; ++r) out[r] = model_(values, r);
    return out;
  }
  const std::uint64_t n = values.size();
  for (const auto& w : workers_)
    if (!write_all(w.to_worker, &n, sizeof n) || !write_all(w.to_worker, values.data(), n * sizeof(double)))
      throw std::runtime_error("a calibration worker stopped (write)");
  std::string error;
  for (const auto& w : workers_) {
    std::uint64_t status = 0;
    if (!read_all(w.from_worker, &status, sizeof status)) throw std::runtime_error("a calibration worker stopped (read)");
    if (status == kOk) {
      std::vector<double> part(w.rows.size());
      if (!read_all(w.from_worker, part.data(), part.size() * sizeof(double)))
        throw std::runtime_error("a calibration worker stopped (read)");
      for (std::size_t i = 0; i < part.size(); ++i) out[w.rows[i]] = part[i];
    } else {
      std::string message(status, '\0');
      if (!read_all(w.from_worker, message.data(), message.size()))
        throw std::runtime_error("a calibration worker stopped (read)");
      if (error.empty()) error = message;
    }
  }
  if (!error.empty()) throw_worker_error(error);
  return out;
}

void ForkedRowPool::stop() {
  for (auto& w : workers_) {
    if (w.to_worker >= 0) ::close(w.to_worker);
    if (w.from_worker >= 0) ::close(w.from_worker);
    w.to_worker = w.from_worker = -1;
  }
  for (auto& w : workers_) {
    if (w.pid <= 0) continue;
    int status = 0;
    while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    w.pid = -1;
  }
}

ForkedRowPool::~ForkedRowPool() { stop(); }

}  // namespace codesim::calibration
