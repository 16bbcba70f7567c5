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
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

namespace codesim::network::flow {

using LinkId = int;
using FlowId = int;

struct Link {
  std::string name;
  int link_class = 0;       ///< caller's grouping for statistics (NVLink, PCIe, NIC, ...)
  double capacity = 0.0;    ///< bytes per second
  // statistics
  double bytes = 0.0;       ///< payload bytes carried (weighted use, see LinkUse::weight)
  double busy_s = 0.0;      ///< time during which at least one flow crossed the link
  double peak_utilisation = 0.0;
};

struct LinkUse {
  LinkId link = 0;
  double weight = 1.0;  ///< bytes of link capacity the flow uses per byte it moves (> 0)
};

/// Points along a flow at which the caller wants to hear: after `bytes[i]` bytes have left
/// (increasing, below the flow's size), `reached(i, time)` runs. A stream cut into chunks is
/// one flow with a milestone per chunk boundary, not a chain of flows.
struct Milestones {
  std::vector<double> bytes;
  std::function<void(int, double)> reached;
};

struct FlowRecord {
  double bytes = 0.0;
  double start = 0.0;       ///< time the flow became active
  double data_end = 0.0;    ///< its last byte left
  double delivered = 0.0;   ///< data_end + latency
  double latency = 0.0;
  /// bytes / (narrowest capacity / weight) on its path: no flow can finish faster.
  double bound_s = 0.0;
  std::vector<LinkUse> path;
  int tag = 0;              ///< caller's label (for traces)
};

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

class FluidNetwork {
 public:
  using FlowDone = std::function<void(FlowId, double /*delivered time*/)>;
  using Action = std::function<void()>;

  explicit FluidNetwork(FluidOptions options = {}) : options_(options) {}

  /// Throws std::invalid_argument for a capacity that is not positive and finite.
  LinkId add_link(std::string name, int link_class, double capacity_bytes_per_s);

  /// Starts a flow at `time` (>= now()). Bytes may be zero (a pure-latency message). Path
  /// links must exist and weights be positive; throws std::invalid_argument otherwise.
  /// `done` runs at the delivery time, inside run().
  FlowId start_flow(double time, std::vector<LinkUse> path, double bytes, double latency, FlowDone done,
                    int tag = 0, Milestones milestones = {});
  /// Runs `action` at `time` (>= now()).
  void at(double time, Action action);

  /// Processes events until none is left.
  void run();

  [[nodiscard]] double now() const { return now_; }
  [[nodiscard]] const std::vector<Link>& links() const { return links_; }
  [[nodiscard]] const std::vector<FlowRecord>& flows() const { return flows_; }
  /// Times the max-min rates were computed (for benchmarks and tests).
  [[nodiscard]] std::int64_t rate_computations() const { return rate_computations_; }

 private:
  struct Event {
    double time;
    std::int64_t sequence;
    Action action;
  };
  struct EventLater {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };
  struct ActiveFlow {
    FlowId id;
    double remaining;  ///< at ref_time_
    double rate;       ///< < 0: started since the rates were computed, no share yet
    std::size_t next_milestone;
    bool finished;
  };
  struct Crossing {  ///< a flow reaching a milestone or its end, at the current rates
    double time;
    std::size_t active;
  };
  struct CrossingLater {
    bool operator()(const Crossing& a, const Crossing& b) const {
      return a.time != b.time ? a.time > b.time : a.active > b.active;
    }
  };

  void push_event(double time, Action action);
  /// Brings every flow's remaining bytes and the link statistics up to `t` at the current rates.
  void settle(double t);
  void compute_rates();
  void push_crossing(std::size_t active_index);
  void handle_crossing(const Crossing& c);

  FluidOptions options_;
  double now_ = 0.0;
  std::int64_t sequence_ = 0;
  std::int64_t rate_computations_ = 0;
  bool rates_dirty_ = false;
  std::vector<Link> links_;
  std::vector<FlowRecord> flows_;
  std::vector<FlowDone> done_;
  std::vector<Milestones> milestones_;
  std::vector<ActiveFlow> active_;
  double ref_time_ = 0.0;  ///< when the current rates were computed
  std::priority_queue<Event, std::vector<Event>, EventLater> events_;
  std::priority_queue<Crossing, std::vector<Crossing>, CrossingLater> crossings_;
  // scratch of compute_rates, kept to avoid reallocations
  std::vector<double> remaining_capacity_;
  std::vector<double> unfrozen_weight_;
  std::vector<double> link_load_;
  std::vector<std::vector<std::size_t>> flows_on_link_;
  std::vector<LinkId> touched_links_;
  std::vector<LinkId> changed_links_;
  std::vector<std::int64_t> changed_mark_;  ///< the freeze round that last queued the link
  std::int64_t freeze_round_ = 0;
};

}  // namespace codesim::network::flow
