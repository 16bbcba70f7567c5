#pragma once
// The network backend interface: links with a capacity, transfers ("flows") over paths of
// links, actions at given times, and a run that processes them in time order. The
// communication kernels lay out their flows through it and never see how rates are found, so
// a backend (fluid max-min today; packet-level or analytical ones later) is one registered
// implementation: `NetworkBackendRegistry::instance().at(name).make()`.
//
// Time is in seconds, sizes in bytes. A flow's data leaves its source at the rate the backend
// gives it; it is delivered `latency` seconds after its last byte left (a pipe: latency does
// not hold the links). A flow may use a link at a weight other than one: a copy that reads and
// writes the same memory uses it twice per byte, a NIC that spends time per message uses its
// wire for more than the payload.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "emulator/registry/named_registry.hpp"

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

class NetworkBackend {
 public:
  using FlowDone = std::function<void(FlowId, double /*delivered time*/)>;
  using Action = std::function<void()>;

  virtual ~NetworkBackend() = default;

  /// Throws std::invalid_argument for a capacity that is not positive and finite.
  virtual LinkId add_link(std::string name, int link_class, double capacity_bytes_per_s) = 0;
  /// Starts a flow at `time` (>= now()). Bytes may be zero (a pure-latency message). Path
  /// links must exist and weights be positive; throws std::invalid_argument otherwise.
  /// `done` runs at the delivery time, inside run().
  virtual FlowId start_flow(double time, std::vector<LinkUse> path, double bytes, double latency, FlowDone done,
                            int tag = 0, Milestones milestones = {}) = 0;
  /// Runs `action` at `time` (>= now()).
  virtual void at(double time, Action action) = 0;
  /// Processes events until none is left.
  virtual void run() = 0;

  [[nodiscard]] virtual double now() const = 0;
  [[nodiscard]] virtual const std::vector<Link>& links() const = 0;
  [[nodiscard]] virtual const std::vector<FlowRecord>& flows() const = 0;
  /// The backend's own measure of work (rate computations, packet events), for benchmarks.
  [[nodiscard]] virtual std::int64_t solver_steps() const = 0;
};

/// A backend as the registry knows it.
struct NetworkBackendKind {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<NetworkBackend>()> make;
};

using NetworkBackendRegistry = registry::NamedRegistry<NetworkBackendKind>;
using NetworkBackendRegistrar = registry::NamedRegistrar<NetworkBackendKind>;

}  // namespace codesim::network::flow
