// Work spread over forked processes: the same results as in one process, in order, and a
// worker's error reaches the caller.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <unistd.h>

#include "emulator/calibration/forked_row_pool.hpp"
#include "emulator/calibration/forked_tasks.hpp"
#include "emulator/io/work_limit.hpp"

namespace cal = codesim::calibration;

namespace {
std::vector<std::function<std::string()>> numbered_tasks(std::size_t n) {
  std::vector<std::function<std::string()>> tasks;
  for (std::size_t i = 0; i < n; ++i) tasks.emplace_back([i] { return std::string(i * 1000 + 1, char('a' + i % 26)); });
  return tasks;
}
}  // namespace

TEST(RunForked, ResultsInOrderWhateverTheWorkers) {
  const auto tasks = numbered_tasks(7);  // up to 6001 bytes each: more than one pipe write
  const auto serial = cal::run_forked(tasks, 1);
  ASSERT_EQ(serial.size(), 7U);
  EXPECT_EQ(serial[3], std::string(3001, 'd'));
  for (const std::size_t w : {2U, 3U, 7U, 20U}) EXPECT_EQ(cal::run_forked(tasks, w), serial) << w << " workers";
  EXPECT_TRUE(cal::run_forked({}, 4).empty());
}

TEST(RunForked, TasksRunInOtherProcessesAndTheFirstHere) {
  const pid_t self = ::getpid();
  std::vector<std::function<std::string()>> tasks(3, [] { return std::to_string(::getpid()); });
  const auto pids = cal::run_forked(tasks, 3);
  EXPECT_EQ(pids[0], std::to_string(self));
  EXPECT_NE(pids[1], std::to_string(self));
  EXPECT_NE(pids[2], pids[1]);
}

// Bad input stays bad input across the pipe (the CLI exits 2 for it, as in a serial run);
// anything else arrives as a runtime error with its message.
TEST(RunForked, AWorkersErrorReachesTheCallerWithItsKind) {
  auto tasks = numbered_tasks(4);
  tasks[3] = []() -> std::string { throw codesim::io::WorkLimitError("row 3 passes a work limit"); };
  try {
    (void)cal::run_forked(tasks, 2);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "row 3 passes a work limit");
  }
  tasks[3] = []() -> std::string { throw std::logic_error("row 3 broke"); };
  try {
    (void)cal::run_forked(tasks, 2);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "row 3 broke");
  }
}

TEST(ForkedRowPool, SameAnswerAsOneProcessAndErrorsPassThrough) {
  const auto model = [](const std::vector<double>& x, std::size_t row) {
    if (x[0] < 0) throw std::domain_error("negative value at row " + std::to_string(row));
    return x[0] * static_cast<double>(row) + 1.0 / 3.0;
  };
  cal::ForkedRowPool serial(model, {5, 1, 1, 1, 3}, 1);
  cal::ForkedRowPool pool(model, {5, 1, 1, 1, 3}, 3);
  EXPECT_EQ(serial.workers(), 1U);
  EXPECT_EQ(pool.workers(), 3U);
  for (const double x : {0.5, 2.0, 1e-300}) EXPECT_EQ(pool.predict({x}), serial.predict({x}));
  EXPECT_THROW((void)pool.predict({-1.0}), std::runtime_error);
  EXPECT_EQ(pool.predict({2.0}), serial.predict({2.0}));  // the pool still works after an error
  const auto limited = [](const std::vector<double>& x, std::size_t row) {
    if (row == 4) throw codesim::io::WorkLimitError("row 4 passes a work limit");
    return x[0];
  };
  cal::ForkedRowPool limited_pool(limited, {5, 1, 1, 1, 3}, 3);
  EXPECT_THROW((void)limited_pool.predict({1.0}), std::invalid_argument);
}
