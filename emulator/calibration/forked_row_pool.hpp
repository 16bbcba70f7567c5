#pragma once
// Predicting a calibration's rows on several cores. The timing model behind a row is a
// SystemC simulation, and SystemC keeps one simulation context per process, so threads
// cannot share it: the pool forks worker processes instead, each with its own copy of the
// model, and spreads the rows over them (the costliest first, to the least loaded worker).
// Every row is simulated by the same worker each time, and a row's result does not depend on
// what the process simulated before, so the answers equal a serial run's bit for bit.
#include <cstddef>
#include <functional>
#include <sys/types.h>
#include <vector>

namespace codesim::calibration {

/// Predicts one row at a parameter vector.
using SingleRowModel = std::function<double(const std::vector<double>& values, std::size_t row)>;

class ForkedRowPool {
 public:
  /// `workers` <= 1 (or a single row) runs in this process. `row_costs` (any unit, one per
  /// row) balances the rows over the workers. Forks at construction: call it before starting
  /// threads. Throws std::runtime_error if a worker cannot be started.
  ForkedRowPool(SingleRowModel model, std::vector<double> row_costs, std::size_t workers);
  ~ForkedRowPool();
  ForkedRowPool(const ForkedRowPool&) = delete;
  ForkedRowPool& operator=(const ForkedRowPool&) = delete;

  /// Every row's prediction at `values`. Throws std::runtime_error with the worker's message
  /// if a row fails.
  [[nodiscard]] std::vector<double> predict(const std::vector<double>& values);
  [[nodiscard]] std::size_t workers() const { return workers_.empty() ? 1 : workers_.size(); }

 private:
  struct Worker {
    pid_t pid = -1;
    int to_worker = -1;    ///< parent writes parameter vectors
    int from_worker = -1;  ///< parent reads predictions
    std::vector<std::size_t> rows;
  };
  void serve(const Worker& self, int in, int out) const;  // the worker's loop; never returns
  void stop();

  SingleRowModel model_;
  std::size_t rows_ = 0;
  std::vector<Worker> workers_;  ///< empty: serial
};

}  // namespace codesim::calibration
