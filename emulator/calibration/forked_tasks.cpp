#include "emulator/calibration/forked_tasks.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/calibration/pipe_io.hpp"
#include "emulator/calibration/worker_error.hpp"

namespace codesim::calibration {
namespace {

// Each result goes back as: ok flag (1 byte), length (8 bytes), bytes (the result or the
// error message).
void send(int fd, bool ok, const std::string& bytes) {
  const char flag = ok ? 1 : 0;
  const std::uint64_t n = bytes.size();
  if (!write_all(fd, &flag, 1) || !write_all(fd, &n, sizeof n) || !write_all(fd, bytes.data(), bytes.size())) ::_exit(1);
}

struct Worker {
  pid_t pid = -1;
  int from = -1;
  std::vector<std::size_t> tasks;
};

}  // namespace

std::vector<std::string> run_forked(const std::vector<std::function<std::string()>>& tasks, std::size_t workers) {
  std::vector<std::string> out(tasks.size());
  if (workers > tasks.size()) workers = tasks.size();
  if (workers <= 1) {
    for (std::size_t i = 0; i < tasks.size(); ++i) out[i] = tasks[i]();
    return out;
  }
  // Round robin: worker 0 is this process.
  std::vector<Worker> children(workers - 1);
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const std::size_t w = i % workers;
    if (w == 0) mine.push_back(i);
    else children[w - 1].tasks.push_back(i);
  }
  auto reap = [&] {
    for (auto& c : children) {
      if (c.from >= 0) ::close(c.from);
      c.from = -1;
      if (c.pid > 0) {
        int status = 0;
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
        c.pid = -1;
      }
    }
  };
  for (auto& c : children) {
    int fds[2];
    if (::pipe(fds) != 0) {
      reap();
      throw std::runtime_error(std::string("cannot create a pipe for a worker: ") + std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      reap();
      throw std::runtime_error(std::string("cannot start a worker: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(fds[0]);
      for (const auto& other : children)
        if (other.from >= 0) ::close(other.from);
      for (const auto i : c.tasks) {
        try {
          send(fds[1], true, tasks[i]());
        } catch (const std::exception& e) {
          send(fds[1], false, encode_worker_error(e));
        }
      }
      ::_exit(0);  // leave without unwinding the copy of the parent's state
    }
    ::close(fds[1]);
    c.pid = pid;
    c.from = fds[0];
  }
  std::string error;  // the first error, as encode_worker_error() writes it
  try {
    for (const auto i : mine) out[i] = tasks[i]();
  } catch (const std::exception& e) {
    error = encode_worker_error(e);
  }
  for (auto& c : children) {
    for (const auto i : c.tasks) {
      char flag = 0;
      std::uint64_t n = 0;
      if (!read_all(c.from, &flag, 1) || !read_all(c.from, &n, sizeof n)) {
        if (error.empty()) error = encode_worker_error(std::runtime_error("a worker stopped before it returned its results"));
        break;
      }
      std::string bytes(n, '\0');
      if (!read_all(c.from, bytes.data(), bytes.size())) {
        if (error.empty()) error = encode_worker_error(std::runtime_error("a worker stopped before it returned its results"));
        break;
      }
      if (flag != 0) out[i] = std::move(bytes);
      else if (error.empty()) error = std::move(bytes);
    }
  }
  reap();
  if (!error.empty()) throw_worker_error(error);
  return out;
}

}  // namespace codesim::calibration
