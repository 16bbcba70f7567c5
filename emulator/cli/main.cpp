// codesim: hardware co-design emulator and proposal testbed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>
#include <sstream>
#include <streambuf>
#include <string>
#include <system_error>

#include "emulator/cli/cli_error.hpp"
#include "emulator/cli/commands.hpp"
#include "emulator/io/atomic_file.hpp"
#include "emulator/io/json_fields.hpp"

namespace {

// Results printed to a full disk or a closed file are lost: that must not pass as success.
// std::cout and fmt::print both write into C's stdout, so their output keeps its order. This
// buffer is std::cout's: it writes through to stdout and keeps the cause (errno) of the first
// write that failed, which a later flush no longer knows once C stdio has dropped the buffer.
class CheckedStdout : public std::streambuf {
 public:
  [[nodiscard]] int first_error() const { return first_error_; }
  /// Records a failed write to stdout (its errno) that happened outside this buffer.
  void note_failure(int error) {
    if (first_error_ == 0) first_error_ = error;
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return sync() == 0 ? traits_type::not_eof(c) : c;
    if (std::fputc(traits_type::to_char_type(c), stdout) == EOF) {
      note_failure(errno);
      return traits_type::eof();
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const std::size_t written = std::fwrite(s, 1, static_cast<std::size_t>(n), stdout);
    if (written != static_cast<std::size_t>(n)) note_failure(errno);
    return static_cast<std::streamsize>(written);
  }
  int sync() override {
    if (std::fflush(stdout) == 0) return 0;
    note_failure(errno);
    return -1;
  }

 private:
  int first_error_ = 0;
};

/// Writes one error line to stderr. Never throws (fmt::print would, with stderr full too, and
/// there is then nowhere left to report to: the exit status still says it).
void report(const std::string& message) {
  std::fputs(("codesim: error: " + codesim::io::bounded_message(message) + "\n").c_str(), stderr);
  std::fflush(stderr);
}

/// Exit status 2 (the output path is unusable), with the cause, when standard output could not
/// be written, now or earlier; `status` itself when it was written or the run had failed anyway.
int check_standard_output(int status, const CheckedStdout& out) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int cause = out.first_error() != 0 ? out.first_error() : errno;
  if (flushed && std::ferror(stdout) == 0 && std::cout.good()) return status;
  // C stdio drops a buffer it failed to write out from inside fwrite without reporting it, and
  // errno may have changed since: then the cause is unknown, and the message says only that.
  report(std::string("standard output: ") + (cause != 0 ? std::strerror(cause) : "a write failed (cause not known)"));
  return status == 0 ? codesim::cli::kExitBadInput : status;
}

int run(int argc, char** argv, CheckedStdout& out) {
  CLI::App app{"codesim: emulates DeepSeek-V3's proposed GPU features and measures what they change"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "codesim 0.1.0");
  codesim::cli::add_numerics_commands(app);
  codesim::cli::add_proposals_commands(app);
  codesim::cli::add_report_commands(app);
  codesim::cli::add_workload_commands(app);
  codesim::cli::add_timing_commands(app);
  codesim::cli::add_alltoall_command(app);
  codesim::cli::add_validate_commands(app);
  codesim::cli::add_reference_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print to stdout in full; an error message (which may repeat an
    // argument of any length) is bounded like every other.
    std::ostringstream error;
    const int code = app.exit(e, std::cout, error);
    if (!error.str().empty()) {
      std::fputs(codesim::io::bounded_message(error.str()).c_str(), stderr);
      std::fflush(stderr);
    }
    return code == 0 ? 0 : codesim::cli::kExitBadInput;
  } catch (const codesim::cli::InputError& e) {
    std::cout.flush();
    report(e.what());
    return codesim::cli::kExitBadInput;
  } catch (const codesim::cli::ComparisonMismatch& e) {
    std::cout.flush();
    report(e.what());
    return codesim::cli::kExitMismatch;
  } catch (const codesim::io::OutputPathError& e) {
    // An unusable output path is the user's to fix, whichever command met it.
    std::cout.flush();
    report(e.what());
    return codesim::cli::kExitBadInput;
  } catch (const std::bad_alloc&) {
    // A request the work limits let through that still needs more memory than the process may
    // take: the user's to shrink, as any other input past a limit.
    std::cout.flush();
    report("out of memory: the request needs more memory than this process may use; run a smaller one "
           "(fewer rows, tokens or GPUs)");
    return codesim::cli::kExitBadInput;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the file system refuses (too long, a loop of links, no permission): the user's path.
    std::cout.flush();
    report(codesim::io::bounded_quote(e.path1().string()) + ": " + e.code().message());
    return codesim::cli::kExitBadInput;
  } catch (const std::system_error& e) {
    std::cout.flush();
    if (std::ferror(stdout) != 0) {
      // fmt::print throws when a write to stdout fails: the output path is unusable, which
      // check_standard_output reports (once) with this cause.
      out.note_failure(e.code().value());
      return 0;
    }
    report(e.what());
    return 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    report(e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CheckedStdout out;
  std::streambuf* const original = std::cout.rdbuf(&out);
  const int status = check_standard_output(run(argc, argv, out), out);
  std::cout.rdbuf(original);  // `out` ends with main; the library flushes std::cout after that
  return status;
}
