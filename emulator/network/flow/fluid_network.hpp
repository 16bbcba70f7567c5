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
