#pragma once
// A flow-level (fluid) network: directed links with a capacity, and transfers ("flows") that
// cross a path of links and share every link's capacity max-min fairly. Rates are recomputed
// only when a flow starts or finishes, never per packet, so an all-to-all of 65,000 flows
// costs a few hundred rate computations instead of millions of packet events; contention
// (forwarding against direct traffic, two all-to-alls at once) still shows, because every
// flow on a link takes its share of it.
//
// Time is in seconds, sizes in bytes. A flow's data leaves its source at the allocated rate;
// it is delivered `latency` seconds after its last byte left (a pipe: latency does not hold
// the links). A flow may use a link at a weight other than one: a copy that reads and writes
// the same memory uses it twice per byte, a NIC that spends time per message uses its wire
// for more than the payload.
//
// The model is deterministic: events at equal times run in the order they were scheduled.
// A link's `bytes` are counted when each flow crossing it ends (its whole size at once), so
// they are complete once run() returns; busy time and peak utilisation follow every step.
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "emulator/network/flow/network_backend.hpp"

namespace codesim::network::flow {

/// Options of the rate computation.
struct FluidOptions {
  /// Rates are recomputed at most once per window of this fraction of the current time:
  /// everything that happens within the window after the next event (flows ending, milestones,
  /// flows starting) is handled at its own time with the rates of the window's start, and the
  /// rates are recomputed once at its end. A flow that ends inside the window frees its share
  /// only at the window's end, and a flow that starts inside it waits for its first share
  /// until then, so the approximation only ever delays flows, never lets one beat its
  /// bottleneck; the delay is at most one window per dependent step. Zero: exact.
  double finish_batch_relative = 1e-2;
  double finish_batch_absolute_s = 1e-9;
};

class FluidNetwork final : public NetworkBackend {
 public:
  explicit FluidNetwork(FluidOptions options = {}) : options_(options) {}

  LinkId add_link(std::string name, int link_class, double capacity_bytes_per_s) override;
  FlowId start_flow(double time, std::vector<LinkUse> path, double bytes, double latency, FlowDone done,
                    int tag = 0, Milestones milestones = {}) override;
  void at(double time, Action action) override;
  void run() override;

  [[nodiscard]] double now() const override { return now_; }
  [[nodiscard]] const std::vector<Link>& links() const override { return links_; }
  [[nodiscard]] const std::vector<FlowRecord>& flows() const override { return flows_; }
  [[nodiscard]] std::int64_t solver_steps() const override { return rate_computations_; }
  /// Times the max-min rates were computed (for benchmarks and tests).
  [[nodiscard]] std::int64_t rate_computations() const { return rate_computations_; }

 private:
  // Flow starts and deliveries, most of the events, are a kind and a flow instead of a
  // std::function: the queue then moves plain 24-byte entries, and a caller's action waits in
  // actions_ until its time.
  enum class EventKind : std::int32_t { kAction, kStart, kDeliver };
  struct Event {
    double time;
    std::int64_t sequence;
    EventKind kind;
    std::int32_t index;  ///< kAction: a slot in actions_; else the flow
  };
  struct EventLater {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };
  struct Crossing {  ///< a flow reaching a milestone or its end, at the current rates
    double time;
    std::uint32_t active;  ///< the flow's index in the active arrays
    std::uint32_t order;   ///< its activation order (act_order_)
  };
  /// Orders a min-heap: earliest first, ties in activation order (the determinism rule).
  struct CrossingLater {
    bool operator()(const Crossing& a, const Crossing& b) const {
      return a.time != b.time ? a.time > b.time : a.order > b.order;
    }
  };

  /// A flow as a link's list holds it: its index in the active arrays and its path in act_paths_.
  struct LinkEntry {
    std::uint32_t active;
    std::uint32_t use;  ///< the flow's use of the link (an index into uses_)
    std::uint32_t path_begin;
    std::uint32_t path_end;
  };

  void push_event(double time, EventKind kind, std::int32_t index);
  void begin(FlowId id);
  void activate(FlowId id);
  void deliver(FlowId id);
  std::uint32_t use_id(const LinkUse& use);
  /// Moves every active flow's remaining bytes and the links' busy times up to now_ at the
  /// rates of the last computation.
  void settle();
  /// Lays the active arrays, their paths and the links' lists out again in `order` (indices
  /// into the active arrays: every unfinished flow once); finished flows are dropped.
  void relayout(const std::vector<std::uint32_t>& order);
  /// Drops the finished flows, keeping the order.
  void compact();
  void compute_rates();
  void push_crossing(std::uint32_t active_index);
  void handle_crossing(const Crossing& c);
  void heap_sift_up(std::size_t pos);
  void heap_sift_down(std::size_t pos);
  void heap_pop();

  FluidOptions options_;
  double now_ = 0.0;
  std::int64_t sequence_ = 0;
  std::int64_t rate_computations_ = 0;
  bool rates_dirty_ = false;
  std::vector<Link> links_;
  std::vector<FlowRecord> flows_;
  std::vector<FlowDone> done_;
  std::vector<Milestones> milestones_;
  std::priority_queue<Event, std::vector<Event>, EventLater> events_;
  std::vector<Action> actions_;
  std::vector<std::int32_t> free_actions_;

  // Every flow's path, flat and interned: flow f's uses are path_ids_[path_start_[f] ..
  // path_start_[f + 1]), each an index into uses_ (a distinct (link, weight) pair). The rate
  // computation walks tens of thousands of paths per step in no useful order; a 4-byte id per
  // use keeps a whole path in one or two cache lines, where a vector per flow inside its
  // FlowRecord cost a miss for the record and three more for the path.
  std::vector<std::uint32_t> path_start_{0};
  std::vector<std::uint32_t> path_ids_;
  std::vector<LinkUse> uses_;
  /// Per use: how many active, unfinished flows cross its link at its weight, so that a link's
  /// summed weight is a few products instead of a pass over its flows.
  std::vector<std::int64_t> use_flows_;
  std::vector<std::vector<std::uint32_t>> uses_of_link_;  ///< per link, its ids in uses_

  // The active flows, one entry per index in every array: in activation order, until a large
  // batch of activations is laid out again in the order the rate computation froze them (see
  // relayout()). A flow that finishes keeps its index, marked finished, until compact() drops
  // the finished flows (when they outnumber the rest), so that the links' lists stay valid in
  // between. Separate arrays because the rate computation's loops each read one or two fields
  // of flows, and a dense array of that field stays in cache.
  std::vector<FlowId> act_id_;
  std::vector<std::uint32_t> act_order_;  ///< activation order, which breaks ties between crossings
  std::uint32_t activations_ = 0;
  std::vector<double> act_remaining_;  ///< at ref_time_
  /// < 0: started since the rates were computed, no share yet, or unfrozen during a
  /// computation; a finished flow keeps its last rate (>= 0), so the filling skips it.
  std::vector<double> act_rate_;
  /// Bytes that will still be left when the next crossing is reached (0: the crossing is the
  /// flow's end; else its size less the next milestone).
  std::vector<double> act_after_crossing_;
  std::vector<std::uint32_t> act_next_milestone_;
  // Each active flow's path, copied into act_paths_ in the active arrays' order: the flows a
  // link freezes together then read neighbouring paths instead of one scattered over
  // path_ids_ per flow.
  std::vector<std::uint32_t> act_path_begin_;
  std::vector<std::uint32_t> act_path_end_;
  std::vector<std::uint32_t> act_paths_;
  /// The unfinished flows in the order the last computation froze them.
  std::vector<std::uint32_t> freeze_order_;
  std::size_t activated_since_layout_ = 0;
  std::vector<char> act_finished_;
  std::size_t act_finished_count_ = 0;

  double ref_time_ = 0.0;  ///< when the current rates were computed
  // A flow's next crossing at the current rates, if it lies beyond the current window; the
  // window's crossings are in crossings_, a min-heap under CrossingLater. Only those are
  // ordered: heaping all flows' crossings at every rate computation, as before, cost more
  // than the computation's own filling at EP256, for the few hundred a window handles.
  std::vector<double> act_crossing_;  ///< per active flow; infinite: none pending
  double next_crossing_ = std::numeric_limits<double>::infinity();  ///< the earliest in act_crossing_
  std::vector<Crossing> crossings_;
  double horizon_ = 0.0;  ///< the current window's end

  // Per link.
  std::vector<std::int64_t> link_uses_;  ///< path entries of unfinished active flows on the link
  /// The active flows on each link, one entry per path use, in activation order (finished ones
  /// until compact()); kept across computations, appended to when a flow starts.
  std::vector<std::vector<LinkEntry>> link_flows_;
  // Scratch of compute_rates, per link, kept to avoid reallocations.
  struct LinkFill {
    double remaining = 0.0;  ///< capacity not yet given to frozen flows
    double unfrozen = 0.0;   ///< summed weights of the flows not yet frozen
    double load = 0.0;       ///< capacity given to frozen flows
    double frozen = 0.0;     ///< summed weights of the flows frozen in the current round
    std::int64_t mark = -1;  ///< the freeze round that last listed the link as changed
  };
  std::vector<LinkFill> fill_;
  std::vector<LinkId> touched_links_;
  std::vector<LinkId> changed_links_;  ///< per freeze round, each link at most once: sized to the links
  std::int64_t freeze_round_ = 0;
  // The links still to freeze, a binary min-heap on (key, link) with each link at most once.
  // A link's key never exceeds its fair share: a share that rises (the usual case when other
  // links freeze some of its flows) leaves the key where it was and is caught up when the link
  // reaches the top; one that falls (rounding) lowers the key at once. A heap entry per change,
  // as before, grew to millions of stale entries per computation at EP256.
  struct HeapEntry {
    double key;
    LinkId link;
    bool operator<(const HeapEntry& o) const { return key != o.key ? key < o.key : link < o.link; }
  };
  std::vector<HeapEntry> share_heap_;
  std::vector<std::int32_t> heap_pos_;  ///< per link: its index in share_heap_, -1 when absent
  std::vector<std::uint32_t> order_scratch_;  ///< scratch of compact()
};

}  // namespace codesim::network::flow
