#include "emulator/sim/chrome_trace.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/io/atomic_file.hpp"

namespace codesim::sim {
namespace {

// Keys in the order they are written (readable diffs); the content is the same either way.
using Json = nlohmann::ordered_json;

/// Times are written rounded to a nanosecond (1e-3 us): the shortest decimal that reads back
/// as the rounded double is then at most three places after the point, so the output carries
/// no binary noise such as 0.30000000000000004. Beyond 1e12 us (11.6 days) a double has little
/// or no sub-nanosecond part to round away, so such values are written as they are.
double round_to_ns(double us) {
  constexpr double kLimit = 1e12;
  if (std::abs(us) >= kLimit) return us;
  const double r = std::round(us * 1000.0) / 1000.0;
  return r == 0.0 ? 0.0 : r;  // no "-0.0"
}

std::string describe(const TraceEvent& e) {
  std::ostringstream s;
  s << "trace event '" << e.name << "' (process " << e.process << ", track " << e.track << ")";
  return s.str();
}

void validate(const TraceEvent& e) {
  if (!std::isfinite(e.start_us)) {
    std::ostringstream s;
    s << describe(e) << ": start time " << e.start_us << " us is not finite";
    throw std::invalid_argument(s.str());
  }
  if (!std::isfinite(e.duration_us)) {
    std::ostringstream s;
    s << describe(e) << ": duration " << e.duration_us << " us is not finite";
    throw std::invalid_argument(s.str());
  }
  if (e.duration_us < 0.0) {
    std::ostringstream s;
    s << describe(e) << ": negative duration " << e.duration_us << " us";
    throw std::invalid_argument(s.str());
  }
}

Json metadata(const char* name, int pid, int tid, Json args) {
  Json m;
  m["name"] = name;
  m["ph"] = "M";
  m["pid"] = pid;
  m["tid"] = tid;
  m["args"] = std::move(args);
  return m;
}

}  // namespace

void ChromeTrace::name_process(int process, std::string name) { process_names_[process] = std::move(name); }

void ChromeTrace::name_track(int process, int track, std::string name) {
  track_names_[{process, track}] = std::move(name);
}

void ChromeTrace::add(TraceEvent event) {
  validate(event);
  events_.push_back(std::move(event));
}

std::string ChromeTrace::to_json() const {
  std::vector<Json> out;
  out.reserve(events_.size() + 2 * (process_names_.size() + track_names_.size()));

  // Every process and track that is named or used gets a sort index (its number), so that the
  // viewer shows them in numeric order rather than in order of first appearance.
  std::set<int> processes;
  std::set<std::pair<int, int>> tracks;
  for (const auto& [pid, name] : process_names_) processes.insert(pid);
  for (const auto& [key, name] : track_names_) {
    processes.insert(key.first);
    tracks.insert(key);
  }
  for (const auto& e : events_) {
    processes.insert(e.process);
    tracks.insert({e.process, e.track});
  }
  for (const int pid : processes) {
    if (const auto it = process_names_.find(pid); it != process_names_.end())
      out.push_back(metadata("process_name", pid, 0, Json{{"name", it->second}}));
    out.push_back(metadata("process_sort_index", pid, 0, Json{{"sort_index", pid}}));
    for (auto t = tracks.lower_bound({pid, std::numeric_limits<int>::min()}); t != tracks.end() && t->first == pid;
         ++t) {
      if (const auto it = track_names_.find(*t); it != track_names_.end())
        out.push_back(metadata("thread_name", pid, t->second, Json{{"name", it->second}}));
      out.push_back(metadata("thread_sort_index", pid, t->second, Json{{"sort_index", t->second}}));
    }
  }

  // Stable sort: insertion order breaks ties between events with the same (process, track, start).
  std::vector<std::size_t> order(events_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    const TraceEvent& x = events_[a];
    const TraceEvent& y = events_[b];
    if (x.process != y.process) return x.process < y.process;
    if (x.track != y.track) return x.track < y.track;
    return x.start_us < y.start_us;
  });
  for (const std::size_t i : order) {
    const TraceEvent& e = events_[i];
    validate(e);  // events_ is only filled through add(), so this cannot fail; kept as a guard
    Json j;
    j["name"] = e.name;
    j["cat"] = e.category;
    j["ph"] = "X";
    j["pid"] = e.process;
    j["tid"] = e.track;
    j["ts"] = round_to_ns(e.start_us);
    j["dur"] = round_to_ns(e.duration_us);
    Json args = Json::object();
    for (const auto& [key, value] : e.args) args[key] = value;  // std::map: sorted keys
    j["args"] = std::move(args);
    out.push_back(std::move(j));
  }

  // One event per line: still one JSON document, but readable and diff-friendly. Invalid UTF-8
  // in a name is replaced by U+FFFD rather than failing the whole export.
  std::string text = "{\"traceEvents\":[";
  for (std::size_t i = 0; i < out.size(); ++i) {
    text += i == 0 ? "\n" : ",\n";
    text += out[i].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  text += "\n],\n\"displayTimeUnit\":\"ns\"}\n";
  return text;
}

void ChromeTrace::write(const std::filesystem::path& file) const {
  const std::string text = to_json();
  io::write_file_atomically(file, text);
}

}  // namespace codesim::sim
