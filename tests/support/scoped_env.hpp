#pragma once
// Sets an environment variable for one scope and restores the previous value: tests of the
// data-folder overrides (CODESIM_DEVICE_DATA, CODESIM_CLUSTER_DATA, ...).
#include <cstdlib>
#include <optional>
#include <string>

namespace codesim::testing {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace codesim::testing
