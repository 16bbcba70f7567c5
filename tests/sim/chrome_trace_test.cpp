// ChromeTrace: the JSON it writes parses, has the Trace Event Format's structure (metadata
// first, then complete events sorted by process, track and start), is byte-for-byte
// deterministic, escapes names, and is written atomically.
#include "emulator/sim/chrome_trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/temp_folder.hpp"

namespace codesim::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TraceEvent event(std::string name, int process, int track, double start, double duration,
                 std::map<std::string, std::string> args = {}) {
  TraceEvent e;
  e.name = std::move(name);
  e.category = "kernel";
  e.process = process;
  e.track = track;
  e.start_us = start;
  e.duration_us = duration;
  e.args = std::move(args);
  return e;
}

std::vector<json> events_with_phase(const json& doc, const std::string& ph) {
  std::vector<json> out;
  for (const auto& e : doc.at("traceEvents"))
    if (e.at("ph") == ph) out.push_back(e);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> directory_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// A fresh empty directory per test, removed afterwards. (Suite names are lower case so that
/// `ctest -R trace` selects them: ctest matches test names, case-sensitively.)
class chrome_trace_files : public ::testing::Test {
 protected:
  codesim::testing::TempFolder dir_{"codesim-chrome-trace"};
};

ChromeTrace sample_trace() {
  ChromeTrace t;
  t.name_process(1, "GPU 1");
  t.name_process(0, "GPU 0");
  t.name_track(0, 0, "SM 0");
  t.name_track(0, 1, "SM 1");
  t.name_track(1, 0, "copy engine");
  t.add(event("gemm", 0, 1, 5.0, 2.5, {{"m", "128"}, {"n", "256"}}));
  t.add(event("load", 1, 0, 0.0, 1.0));
  t.add(event("gemm", 0, 0, 1.0, 3.0));
  t.add(event("store", 0, 0, 0.5, 0.25));
  return t;
}

TEST(chrome_trace, OutputHasTraceEventFormatStructure) {
  const ChromeTrace t = sample_trace();
  ASSERT_EQ(t.size(), 4U);
  const json doc = json::parse(t.to_json());
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.at("displayTimeUnit"), "ns");
  ASSERT_TRUE(doc.at("traceEvents").is_array());

  // Metadata first, then complete events only.
  bool seen_x = false;
  for (const auto& e : doc.at("traceEvents")) {
    const std::string ph = e.at("ph");
    ASSERT_TRUE(ph == "M" || ph == "X") << e.dump();
    if (ph == "X") seen_x = true;
    if (ph == "M") {
      EXPECT_FALSE(seen_x) << "metadata after a complete event: " << e.dump();
    }
  }

  const auto xs = events_with_phase(doc, "X");
  ASSERT_EQ(xs.size(), 4U);
  for (const auto& e : xs) {
    for (const char* key : {"name", "cat", "ph", "pid", "tid", "ts", "dur", "args"})
      EXPECT_TRUE(e.contains(key)) << key << " missing in " << e.dump();
    EXPECT_TRUE(e.at("name").is_string());
    EXPECT_TRUE(e.at("pid").is_number_integer());
    EXPECT_TRUE(e.at("tid").is_number_integer());
    EXPECT_TRUE(e.at("ts").is_number());
    EXPECT_TRUE(e.at("dur").is_number());
    ASSERT_TRUE(e.at("args").is_object());
    for (const auto& [k, v] : e.at("args").items()) EXPECT_TRUE(v.is_string()) << k;
  }
  const json& gemm = xs.at(2);  // (0, 1, 5.0)
  EXPECT_EQ(gemm.at("name"), "gemm");
  EXPECT_EQ(gemm.at("cat"), "kernel");
  EXPECT_EQ(gemm.at("pid"), 0);
  EXPECT_EQ(gemm.at("tid"), 1);
  EXPECT_DOUBLE_EQ(gemm.at("ts").get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(gemm.at("dur").get<double>(), 2.5);
  EXPECT_EQ(gemm.at("args"), (json{{"m", "128"}, {"n", "256"}}));

  // Metadata: names and sort indices of every process and track.
  std::set<std::tuple<std::string, int, int, std::string>> names;
  std::set<std::tuple<std::string, int, int, int>> sort_indices;
  for (const auto& m : events_with_phase(doc, "M")) {
    const std::string name = m.at("name");
    ASSERT_TRUE(m.contains("pid") && m.contains("tid") && m.at("args").is_object()) << m.dump();
    if (name == "process_name" || name == "thread_name")
      names.insert({name, m.at("pid"), m.at("tid"), m.at("args").at("name")});
    else if (name == "process_sort_index" || name == "thread_sort_index")
      sort_indices.insert({name, m.at("pid"), name == "thread_sort_index" ? m.at("tid").get<int>() : -1,
                           m.at("args").at("sort_index")});
    else
      ADD_FAILURE() << "unexpected metadata " << m.dump();
  }
  using N = std::tuple<std::string, int, int, std::string>;
  EXPECT_EQ(names, (std::set<N>{{"process_name", 0, 0, "GPU 0"},
                                {"process_name", 1, 0, "GPU 1"},
                                {"thread_name", 0, 0, "SM 0"},
                                {"thread_name", 0, 1, "SM 1"},
                                {"thread_name", 1, 0, "copy engine"}}));
  using S = std::tuple<std::string, int, int, int>;
  EXPECT_EQ(sort_indices, (std::set<S>{{"process_sort_index", 0, -1, 0},
                                       {"process_sort_index", 1, -1, 1},
                                       {"thread_sort_index", 0, 0, 0},
                                       {"thread_sort_index", 0, 1, 1},
                                       {"thread_sort_index", 1, 0, 0}}));
}

TEST(chrome_trace, EmptyTraceIsValid) {
  const json doc = json::parse(ChromeTrace{}.to_json());
  EXPECT_TRUE(doc.at("traceEvents").empty());
  EXPECT_EQ(doc.at("displayTimeUnit"), "ns");
}

TEST(chrome_trace, TracksWithoutNamesStillGetSortIndices) {
  ChromeTrace t;
  t.add(event("a", 3, 7, 0.0, 1.0));
  const json doc = json::parse(t.to_json());
  bool process_index = false;
  bool thread_index = false;
  for (const auto& m : events_with_phase(doc, "M")) {
    EXPECT_NE(m.at("name"), "process_name");
    EXPECT_NE(m.at("name"), "thread_name");
    if (m.at("name") == "process_sort_index" && m.at("pid") == 3) process_index = true;
    if (m.at("name") == "thread_sort_index" && m.at("pid") == 3 && m.at("tid") == 7) thread_index = true;
  }
  EXPECT_TRUE(process_index);
  EXPECT_TRUE(thread_index);
}

TEST(chrome_trace, MetadataIsInNumericOrder) {
  ChromeTrace t;
  t.name_track(2, 10, "t10");
  t.name_track(0, 2, "t2");
  t.name_process(2, "p2");
  t.name_track(2, -1, "t-1");
  t.name_track(0, 1, "t1");
  t.name_process(0, "p0");
  std::vector<std::pair<int, int>> order;  // (pid, tid) of the thread_name events, in output order
  std::vector<int> process_order;
  for (const auto& m : events_with_phase(json::parse(t.to_json()), "M")) {
    if (m.at("name") == "thread_name") order.emplace_back(m.at("pid"), m.at("tid"));
    if (m.at("name") == "process_name") process_order.push_back(m.at("pid"));
  }
  EXPECT_EQ(process_order, (std::vector<int>{0, 2}));
  EXPECT_EQ(order, (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {2, -1}, {2, 10}}));
}

TEST(chrome_trace, EventsAreSortedByProcessTrackAndStart) {
  ChromeTrace t;
  t.add(event("c", 1, 0, 3.0, 1.0));
  t.add(event("b", 0, 2, 1.0, 1.0));
  t.add(event("a", 0, 1, 9.0, 1.0));
  t.add(event("d", 1, 0, 2.0, 1.0));
  t.add(event("e", 0, 2, 0.5, 1.0));
  t.add(event("f", -1, 5, 0.0, 1.0));
  std::vector<std::tuple<int, int, double, std::string>> got;
  for (const auto& e : events_with_phase(json::parse(t.to_json()), "X"))
    got.emplace_back(e.at("pid"), e.at("tid"), e.at("ts"), e.at("name"));
  using R = std::tuple<int, int, double, std::string>;
  EXPECT_EQ(got, (std::vector<R>{{-1, 5, 0.0, "f"},
                                 {0, 1, 9.0, "a"},
                                 {0, 2, 0.5, "e"},
                                 {0, 2, 1.0, "b"},
                                 {1, 0, 2.0, "d"},
                                 {1, 0, 3.0, "c"}}));
  // events() keeps insertion order; only the output is sorted.
  EXPECT_EQ(t.events().front().name, "c");
}

TEST(chrome_trace, EqualStartsKeepInsertionOrder) {
  ChromeTrace t;
  t.add(event("first", 0, 0, 1.0, 1.0));
  t.add(event("earlier", 0, 0, 0.0, 1.0));
  t.add(event("second", 0, 0, 1.0, 2.0));
  t.add(event("third", 0, 0, 1.0, 0.5));
  std::vector<std::string> names;
  for (const auto& e : events_with_phase(json::parse(t.to_json()), "X")) names.push_back(e.at("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"earlier", "first", "second", "third"}));
}

TEST(chrome_trace, OutputIsDeterministicRegardlessOfInsertionOrder) {
  // Distinct starts within each track, so insertion order (only a tie-breaker) cannot matter.
  std::vector<TraceEvent> evs = {
      event("k0", 0, 0, 0.0, 1.5, {{"z", "1"}, {"a", "2"}}),
      event("k1", 0, 0, 2.0, 0.5),
      event("k2", 0, 3, 1.0, 1.0),
      event("k3", 1, 0, 0.25, 4.0, {{"bytes", "4096"}}),
      event("k4", 1, 1, 0.125, 0.001),
      event("k5", 1, 0, 7.75, 0.0),
  };
  auto build = [](const std::vector<TraceEvent>& in, bool names_reversed) {
    ChromeTrace t;
    if (names_reversed) {
      t.name_track(1, 0, "dma");
      t.name_process(1, "GPU1");
      t.name_process(0, "GPU0");
    } else {
      t.name_process(0, "GPU0");
      t.name_process(1, "GPU1");
      t.name_track(1, 0, "dma");
    }
    for (const auto& e : in) t.add(e);
    return t;
  };
  const std::string a = build(evs, false).to_json();
  std::vector<TraceEvent> reversed(evs.rbegin(), evs.rend());
  const std::string b = build(reversed, true).to_json();
  std::vector<TraceEvent> shuffled = {evs[3], evs[0], evs[5], evs[2], evs[4], evs[1]};
  const std::string c = build(shuffled, false).to_json();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a, build(evs, false).to_json());
}

TEST(chrome_trace, NamesWithQuotesAndBackslashesRoundTrip) {
  const std::string name = R"(kernel "gemm<\"fp8\">" C:\path\to\x \\ end)";
  const std::string tricky = "tab\there\nnewline \x01 control / slash \"q\" \\";
  ChromeTrace t;
  t.name_process(0, tricky);
  t.name_track(0, 0, name);
  TraceEvent e = event(name, 0, 0, 0.0, 1.0, {{tricky, name}, {"plain", tricky}});
  e.category = tricky;
  t.add(e);
  const std::string text = t.to_json();
  const json doc = json::parse(text);  // throws if the escaping is wrong
  const auto xs = events_with_phase(doc, "X");
  ASSERT_EQ(xs.size(), 1U);
  EXPECT_EQ(xs[0].at("name"), name);
  EXPECT_EQ(xs[0].at("cat"), tricky);
  EXPECT_EQ(xs[0].at("args").at(tricky), name);
  EXPECT_EQ(xs[0].at("args").at("plain"), tricky);
  bool process_named = false;
  bool track_named = false;
  for (const auto& m : events_with_phase(doc, "M")) {
    if (m.at("name") == "process_name") process_named = m.at("args").at("name") == tricky;
    if (m.at("name") == "thread_name") track_named = m.at("args").at("name") == name;
  }
  EXPECT_TRUE(process_named);
  EXPECT_TRUE(track_named);
}

TEST(chrome_trace, TimesKeepNanosecondPrecisionWithoutBinaryNoise) {
  ChromeTrace t;
  t.add(event("a", 0, 0, 0.1 + 0.2, 1234.567));
  t.add(event("b", 0, 0, 123456.789, 0.001));
  t.add(event("c", 0, 0, 2.0, 0.0));
  const std::string text = t.to_json();
  EXPECT_EQ(text.find("0000000"), std::string::npos) << text;
  const auto xs = events_with_phase(json::parse(text), "X");
  ASSERT_EQ(xs.size(), 3U);
  EXPECT_EQ(xs[0].at("ts").get<double>(), 0.3);
  EXPECT_EQ(xs[0].at("dur").get<double>(), 1234.567);
  EXPECT_EQ(xs[2].at("ts").get<double>(), 123456.789);
  EXPECT_EQ(xs[2].at("dur").get<double>(), 0.001);
  EXPECT_EQ(xs[1].at("dur").get<double>(), 0.0);
}

TEST(chrome_trace, InvalidTimesThrowNamingTheEvent) {
  ChromeTrace t;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const TraceEvent& bad : {event("neg_dur", 0, 0, 1.0, -0.5), event("nan_start", 0, 0, nan, 1.0),
                                event("inf_start", 0, 0, -inf, 1.0), event("inf_dur", 0, 0, 0.0, inf),
                                event("nan_dur", 0, 0, 0.0, nan)}) {
    try {
      t.add(bad);
      ADD_FAILURE() << bad.name << " was accepted";
    } catch (const std::invalid_argument& ex) {
      EXPECT_NE(std::string(ex.what()).find(bad.name), std::string::npos) << ex.what();
    }
  }
  EXPECT_EQ(t.size(), 0U);
  EXPECT_NO_THROW(t.add(event("zero", 0, 0, -1.0, 0.0)));
  EXPECT_EQ(t.size(), 1U);
}

TEST_F(chrome_trace_files, WriteMatchesToJsonAndLeavesNoTemporaryFiles) {
  const ChromeTrace t = sample_trace();
  const fs::path file = dir_.file("trace.json");
  t.write(file);
  EXPECT_EQ(read_file(file), t.to_json());
  EXPECT_EQ(directory_entries(dir_.path()), (std::vector<std::string>{"trace.json"}));

  // Overwriting replaces the content, again without leftovers.
  ChromeTrace other;
  other.add(event("only", 0, 0, 0.0, 1.0));
  other.write(file);
  EXPECT_EQ(read_file(file), other.to_json());
  EXPECT_EQ(directory_entries(dir_.path()), (std::vector<std::string>{"trace.json"}));
}

TEST_F(chrome_trace_files, WriteIntoMissingDirectoryThrowsAndCreatesNothing) {
  const fs::path missing = dir_.file("no-such-dir");
  const fs::path file = missing / "trace.json";
  try {
    sample_trace().write(file);
    FAIL() << "write into a missing directory succeeded";
  } catch (const std::runtime_error& ex) {
    EXPECT_NE(std::string(ex.what()).find(file.string()), std::string::npos) << ex.what();
  }
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_TRUE(directory_entries(dir_.path()).empty());
}

}  // namespace
}  // namespace codesim::sim
