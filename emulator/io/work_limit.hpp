#pragma once
// Up-front limits on the work and memory a request may ask for. A request is checked against
// them before anything is allocated or simulated, so that a mistyped size is refused at once
// with a message saying which limit it passes and how to raise it, instead of running for hours
// or exhausting memory. Each limit has a default far above every shipped scenario and test and
// an environment variable that raises (or lowers) it; README.md lists them.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace codesim::io {

/// A request above a work limit. An std::invalid_argument, so that every command that already
/// turns bad input into exit status 2 does the same for it.
class WorkLimitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// One limit: its default, and the environment variable that overrides it.
struct WorkLimit {
  const char* env_var;
  std::uint64_t default_value;
  const char* unit;  ///< what is counted, plural ("tiles per kernel")

  /// $env_var when it is set to a positive whole number, else the default. A value that is not
  /// one is an error, not silently the default: the user meant to change the limit.
  [[nodiscard]] std::uint64_t value() const {
    const char* text = std::getenv(env_var);
    if (text == nullptr || *text == '\0') return default_value;
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (*text == '-' || *end != '\0' || errno != 0 || v == 0)
      throw WorkLimitError(std::string(env_var) + " = '" + std::string(text).substr(0, 40) +
                           "': must be a positive whole number");
    return static_cast<std::uint64_t>(v);
  }

  /// Throws WorkLimitError unless `needed` <= value(): "<what> needs N <unit>, above the limit
  /// of L (set <env_var> to raise it)". `needed` is a double so that a product of sizes cannot
  /// wrap around before it is compared.
  void check(const std::string& what, double needed) const {
    const std::uint64_t limit = value();
    if (needed <= static_cast<double>(limit)) return;
    throw WorkLimitError(what + " needs " + number(needed) + " " + unit + ", above the limit of " +
                         std::to_string(limit) + " (set " + env_var + " to raise it)");
  }

 private:
  static std::string number(double x) {
    if (x < 1e18) return std::to_string(static_cast<std::uint64_t>(x));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", x);
    return buffer;
  }
};

/// Output tiles one kernel may have (each is a tile program in memory, about 160 bytes):
/// 1,048,576 (160 MB); DeepGEMM's largest published shape, 4096 x 7168, has under 2,000.
inline constexpr WorkLimit kMaxTilesPerKernel{"CODESIM_MAX_TILES", std::uint64_t{1} << 20, "tiles per kernel"};
/// Main-loop iterations (tiles x K blocks) one kernel may simulate: 134,217,728, a few minutes
/// of host time.
inline constexpr WorkLimit kMaxTileIterations{"CODESIM_MAX_TILE_ITERATIONS", std::uint64_t{1} << 27,
                                              "main-loop iterations (tiles x K blocks) per kernel"};
/// Multiply-accumulates `numerics gemm` emulates bit for bit (M x N x K): 2^33, about a minute.
inline constexpr WorkLimit kMaxEmulatedMacs{"CODESIM_MAX_MACS", std::uint64_t{1} << 33, "multiply-accumulates"};
/// Rows of each random set `numerics inputs` writes: 100,000 (about 550 MB on disk; the
/// default is 10,000).
inline constexpr WorkLimit kMaxInputRows{"CODESIM_MAX_INPUT_ROWS", 100'000, "rows per set"};

}  // namespace codesim::io
