#pragma once
// A Chrome trace (the Trace Event Format read by chrome://tracing and Perfetto) of a simulated
// timeline: one process per simulated GPU, one thread (track) per resource, complete events
// ("ph":"X") with microsecond timestamps.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace codesim::sim {

struct TraceEvent {
  std::string name;
  std::string category;  ///< e.g. "kernel", "tile", "memory"
  int process = 0;       ///< pid in the trace (a GPU)
  int track = 0;         ///< tid in the trace (an SM, an engine, a kernel stream)
  double start_us = 0.0;
  double duration_us = 0.0;
  std::map<std::string, std::string> args;  ///< shown in the event's detail pane
};

class ChromeTrace {
 public:
  void name_process(int process, std::string name);
  void name_track(int process, int track, std::string name);
  void add(TraceEvent event);
  [[nodiscard]] std::size_t size() const { return events_.size(); }
  [[nodiscard]] const std::vector<TraceEvent>& events() const { return events_; }

  /// The whole trace as JSON text (object form: {"traceEvents": [...], "displayTimeUnit": "ns"}),
  /// metadata events first, then events sorted by (process, track, start).
  [[nodiscard]] std::string to_json() const;
  /// Writes to a temporary file beside `file`, then renames it (nothing half-written).
  void write(const std::filesystem::path& file) const;

 private:
  std::map<int, std::string> process_names_;
  std::map<std::pair<int, int>, std::string> track_names_;
  std::vector<TraceEvent> events_;
};

}  // namespace codesim::sim
