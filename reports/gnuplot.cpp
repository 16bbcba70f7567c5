#include "reports/gnuplot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace codesim::reports {
namespace fs = std::filesystem;
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// An anonymous temporary file (deleted when closed).
File anonymous_file(const char* what) {
  File f(std::tmpfile());
  if (!f) throw std::runtime_error(std::string("gnuplot: cannot create a temporary file for its ") + what + ": " +
                                   std::strerror(errno));
  return f;
}

std::string read_all(std::FILE* f) {
  std::string text;
  if (std::fseek(f, 0, SEEK_SET) != 0) throw std::runtime_error("gnuplot: cannot read its output back");
  char buf[1 << 14];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  if (std::ferror(f)) throw std::runtime_error("gnuplot: cannot read its output back");
  return text;
}

/// The environment without locale settings, plus LC_ALL=C, so numbers print the same way
/// whatever the caller's locale.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("LANG=") || v.starts_with("LC_") || v.starts_with("LANGUAGE=") || v.starts_with("GNUTERM=") ||
        v.starts_with("GNUPLOT_"))
      continue;
    env.emplace_back(v);
  }
  env.emplace_back("LC_ALL=C");
  return env;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && (s[start] == '\n' || s[start] == ' ')) ++start;
  return s.substr(start);
}

/// Characters that continue an attribute name (':' is left out: "xlink:href" is an href).
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

}  // namespace

std::optional<fs::path> find_gnuplot(std::string_view program) {
  if (program.empty()) return std::nullopt;
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string_view::npos) {
    fs::path p(program);
    return executable(p) ? std::optional<fs::path>(p) : std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  const std::string_view path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string_view dir = path.substr(start, end - start);
    const fs::path candidate = (dir.empty() ? fs::path(".") : fs::path(dir)) / fs::path(program);
    if (executable(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string render_svg(std::string_view script, std::string_view program) {
  const auto exe = find_gnuplot(program);
  if (!exe)
    throw std::runtime_error("gnuplot ('" + std::string(program) +
                             "') was not found on PATH; it draws the report's SVG plots "
                             "(install it, e.g. apt-get install gnuplot-nox)");

  File in = anonymous_file("script");
  std::string full(kSvgTerminal);
  full += "\nunset output\n";
  full += script;
  if (!full.ends_with('\n')) full += '\n';
  if (std::fwrite(full.data(), 1, full.size(), in.get()) != full.size() || std::fflush(in.get()) != 0 ||
      std::fseek(in.get(), 0, SEEK_SET) != 0)
    throw std::runtime_error("gnuplot: cannot write its script to a temporary file");
  File out = anonymous_file("output");
  File err = anonymous_file("error output");

  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) throw std::runtime_error("gnuplot: posix_spawn setup failed");
  struct ActionsGuard {
    posix_spawn_file_actions_t* a;
    ~ActionsGuard() { posix_spawn_file_actions_destroy(a); }
  } guard{&actions};
  if (posix_spawn_file_actions_adddup2(&actions, fileno(in.get()), 0) != 0 ||
      posix_spawn_file_actions_adddup2(&actions, fileno(out.get()), 1) != 0 ||
      posix_spawn_file_actions_adddup2(&actions, fileno(err.get()), 2) != 0)
    throw std::runtime_error("gnuplot: posix_spawn setup failed");

  std::string exe_str = exe->string();
  std::string default_settings = "-d";  // read no init file
  std::vector<char*> argv{exe_str.data(), default_settings.data(), nullptr};
  std::vector<std::string> env = child_environment();
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_err = posix_spawn(&pid, exe_str.c_str(), &actions, nullptr, argv.data(), envp.data());
  if (spawn_err != 0)
    throw std::runtime_error("gnuplot: cannot run '" + exe_str + "': " + std::strerror(spawn_err));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("gnuplot: waitpid failed: " + std::string(std::strerror(errno)));
  }
  const std::string errors = trim(read_all(err.get()));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                              : "signal " + std::to_string(WTERMSIG(status));
    throw std::runtime_error("gnuplot ('" + exe_str + "') failed (" + how + ")" +
                             (errors.empty() ? std::string() : ":\n" + errors));
  }
  std::string svg = read_all(out.get());
  if (svg.find("<svg") == std::string::npos || svg.find("</svg>") == std::string::npos)
    throw std::runtime_error("gnuplot ('" + exe_str + "') wrote no SVG" + (errors.empty() ? "" : ":\n" + errors));
  return svg;
}

std::string gnuplot_quote(std::string_view text) {
  std::string q = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\n':
        q += "\\n";
        break;
      default:
        q += c;
    }
  }
  q += '"';
  return q;
}

std::string svg_for_inline_html(std::string_view svg, std::string_view id_prefix) {
  // Drop everything before the <svg element (XML declaration, doctype, comments).
  const std::size_t start = svg.find("<svg");
  if (start != std::string_view::npos) svg.remove_prefix(start);
  std::string out;
  out.reserve(svg.size() + svg.size() / 16);
  static constexpr std::string_view kMarkers[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
  std::size_t i = 0;
  while (i < svg.size()) {
    bool matched = false;
    for (const std::string_view m : kMarkers) {
      // An attribute name must start the token: "id=" but not "gid=" or "xid=".
      const bool boundary = m.starts_with("url") || i == 0 || !is_name_char(svg[i - 1]);
      if (boundary && svg.substr(i, m.size()) == m) {
        out += m;
        out += id_prefix;
        i += m.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += svg[i++];
  }
  return out;
}

}  // namespace codesim::reports
