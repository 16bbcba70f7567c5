#pragma once
// Independent simulations on several cores, once: each task runs in a forked copy of this
// process (SystemC keeps one simulation context per process, so threads cannot share it) and
// hands back its result as bytes. The first tasks run here; a task's result does not depend
// on where it ran.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace codesim::calibration {

/// Runs every task and returns their results in order, on at most `workers` processes (this
/// one included; 1 runs them all here). Call it with no other threads running. Throws
/// std::runtime_error with the task's message if one throws, or if a worker cannot start.
[[nodiscard]] std::vector<std::string> run_forked(const std::vector<std::function<std::string()>>& tasks,
                                                  std::size_t workers);

}  // namespace codesim::calibration
