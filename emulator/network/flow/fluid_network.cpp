#include "emulator/network/flow/fluid_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace codesim::network::flow {

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();
}

LinkId FluidNetwork::add_link(std::string name, int link_class, double capacity_bytes_per_s) {
  if (!(capacity_bytes_per_s > 0.0) || !std::isfinite(capacity_bytes_per_s))
    throw std::invalid_argument("link " + name + ": capacity must be positive and finite");
  links_.push_back(Link{std::move(name), link_class, capacity_bytes_per_s, 0.0, 0.0, 0.0});
  remaining_capacity_.push_back(0.0);
  unfrozen_weight_.push_back(0.0);
  link_load_.push_back(0.0);
  flows_on_link_.emplace_back();
  changed_mark_.push_back(-1);
  return static_cast<LinkId>(links_.size() - 1);
}

void FluidNetwork::push_event(double time, Action action) {
  events_.push(Event{time, sequence_++, std::move(action)});
}

void FluidNetwork::at(double time, Action action) {
  if (!(time >= now_) || !std::isfinite(time)) throw std::invalid_argument("event scheduled in the past");
  push_event(time, std::move(action));
}

FlowId FluidNetwork::start_flow(double time, std::vector<LinkUse> path, double bytes, double latency, FlowDone done,
                                int tag, Milestones milestones) {
  if (!(time >= now_) || !std::isfinite(time)) throw std::invalid_argument("flow started in the past");
  if (!(bytes >= 0.0) || !std::isfinite(bytes)) throw std::invalid_argument("flow bytes must be finite and >= 0");
  if (!(latency >= 0.0) || !std::isfinite(latency)) throw std::invalid_argument("flow latency must be >= 0");
  if (path.empty() && bytes > 0.0) throw std::invalid_argument("a flow with bytes needs at least one link");
  for (std::size_t i = 0; i < milestones.bytes.size(); ++i)
    if (!(milestones.bytes[i] > (i == 0 ? 0.0 : milestones.bytes[i - 1])) || !(milestones.bytes[i] < bytes))
      throw std::invalid_argument("milestones must increase and lie inside the flow");
  double narrowest = kInfinity;
  for (const LinkUse& use : path) {
    if (use.link < 0 || static_cast<std::size_t>(use.link) >= links_.size())
      throw std::invalid_argument("flow path names a link that does not exist");
    if (!(use.weight > 0.0) || !std::isfinite(use.weight)) throw std::invalid_argument("link weight must be > 0");
    narrowest = std::min(narrowest, links_[static_cast<std::size_t>(use.link)].capacity / use.weight);
  }
  const auto id = static_cast<FlowId>(flows_.size());
  FlowRecord record;
  record.bytes = bytes;
  record.latency = latency;
  record.bound_s = bytes > 0.0 ? bytes / narrowest : 0.0;
  record.path = std::move(path);
  record.tag = tag;
  record.start = record.data_end = record.delivered = -1.0;
  flows_.push_back(std::move(record));
  done_.push_back(std::move(done));
  milestones_.push_back(std::move(milestones));
  push_event(time, [this, id] {
    FlowRecord& f = flows_[static_cast<std::size_t>(id)];
    f.start = now_;
    if (f.bytes <= 0.0) {
      f.data_end = now_;
      f.delivered = now_ + f.latency;
      push_event(f.delivered, [this, id] {
        if (done_[static_cast<std::size_t>(id)]) done_[static_cast<std::size_t>(id)](id, now_);
      });
      return;
    }
    active_.push_back(ActiveFlow{id, f.bytes, -1.0, 0, false});
    rates_dirty_ = true;
  });
  return id;
}

void FluidNetwork::settle(double t) {
  const double dt = t - ref_time_;
  if (dt > 0.0) {
    for (ActiveFlow& a : active_) {
      if (a.finished || a.rate <= 0.0) continue;
      const double moved = std::min(a.remaining, a.rate * dt);
      a.remaining -= moved;
      for (const LinkUse& use : flows_[static_cast<std::size_t>(a.id)].path)
        links_[static_cast<std::size_t>(use.link)].bytes += use.weight * moved;
    }
    for (const LinkId l : touched_links_)
      if (link_load_[static_cast<std::size_t>(l)] > 0.0) links_[static_cast<std::size_t>(l)].busy_s += dt;
  }
  ref_time_ = t;
}

// Progressive filling: raise every unfrozen flow's rate together until some link is full;
// freeze the flows on that link at its fair share; repeat. With weights, a link's fair share
// is its remaining capacity over the summed weights of its unfrozen flows.
void FluidNetwork::compute_rates() {
  ++rate_computations_;
  rates_dirty_ = false;
  settle(now_);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < active_.size(); ++i)
    if (!active_[i].finished) active_[kept++] = active_[i];
  active_.resize(kept);
  for (const LinkId l : touched_links_) {
    flows_on_link_[static_cast<std::size_t>(l)].clear();
    unfrozen_weight_[static_cast<std::size_t>(l)] = 0.0;
    link_load_[static_cast<std::size_t>(l)] = 0.0;
  }
  touched_links_.clear();
  for (std::size_t i = 0; i < active_.size(); ++i) {
    active_[i].rate = -1.0;  // unfrozen
    for (const LinkUse& use : flows_[static_cast<std::size_t>(active_[i].id)].path) {
      const auto l = static_cast<std::size_t>(use.link);
      if (flows_on_link_[l].empty()) {
        touched_links_.push_back(use.link);
        remaining_capacity_[l] = links_[l].capacity;
      }
      flows_on_link_[l].push_back(i);
      unfrozen_weight_[l] += use.weight;
    }
  }
  using Entry = std::pair<double, LinkId>;  // (fair share, link)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  for (const LinkId l : touched_links_) {
    const auto li = static_cast<std::size_t>(l);
    heap.emplace(remaining_capacity_[li] / unfrozen_weight_[li], l);
  }
  std::vector<LinkId>& changed = changed_links_;
  while (!heap.empty()) {
    const auto [share, l] = heap.top();
    heap.pop();
    const auto li = static_cast<std::size_t>(l);
    if (unfrozen_weight_[li] <= 0.0) continue;
    const double current = std::max(0.0, remaining_capacity_[li]) / unfrozen_weight_[li];
    if (current != share) continue;  // stale entry: a newer one is in the heap
    // Freeze every unfrozen flow of this link at its share; each other link they cross gets
    // one new heap entry afterwards, however many of its flows were frozen here.
    changed.clear();
    ++freeze_round_;
    for (const std::size_t i : flows_on_link_[li]) {
      ActiveFlow& a = active_[i];
      if (a.rate >= 0.0) continue;
      a.rate = share;
      for (const LinkUse& use : flows_[static_cast<std::size_t>(a.id)].path) {
        const auto u = static_cast<std::size_t>(use.link);
        remaining_capacity_[u] -= use.weight * share;
        unfrozen_weight_[u] -= use.weight;
        link_load_[u] += use.weight * share;
        if (u != li && changed_mark_[u] != freeze_round_) {
          changed_mark_[u] = freeze_round_;
          changed.push_back(use.link);
        }
      }
    }
    unfrozen_weight_[li] = 0.0;
    for (const LinkId c : changed) {
      const auto u = static_cast<std::size_t>(c);
      if (unfrozen_weight_[u] <= 1e-12) {
        unfrozen_weight_[u] = 0.0;
        continue;
      }
      const double next = std::max(0.0, remaining_capacity_[u]) / unfrozen_weight_[u];
      heap.emplace(next, c);
    }
  }
  for (const LinkId l : touched_links_) {
    Link& link = links_[static_cast<std::size_t>(l)];
    link.peak_utilisation = std::max(link.peak_utilisation, link_load_[static_cast<std::size_t>(l)] / link.capacity);
  }
  crossings_ = {};
  for (std::size_t i = 0; i < active_.size(); ++i) push_crossing(i);
}

void FluidNetwork::push_crossing(std::size_t i) {
  const ActiveFlow& a = active_[i];
  if (a.finished || a.rate <= 0.0) return;
  const FlowRecord& f = flows_[static_cast<std::size_t>(a.id)];
  const Milestones& m = milestones_[static_cast<std::size_t>(a.id)];
  double left = a.remaining;  // bytes to go, from ref_time_, to the next crossing
  if (a.next_milestone < m.bytes.size()) left = a.remaining - (f.bytes - m.bytes[a.next_milestone]);
  crossings_.push(Crossing{ref_time_ + std::max(0.0, left) / a.rate, i});
}

void FluidNetwork::handle_crossing(const Crossing& c) {
  ActiveFlow& a = active_[c.active];
  const FlowId id = a.id;
  const Milestones& m = milestones_[static_cast<std::size_t>(id)];
  if (a.next_milestone < m.bytes.size()) {
    const int index = static_cast<int>(a.next_milestone++);
    push_crossing(c.active);
    if (m.reached) m.reached(index, c.time);
    return;
  }
  // The flow's last byte left: account what it moved since the rates were set.
  a.finished = true;
  for (const LinkUse& use : flows_[static_cast<std::size_t>(id)].path)
    links_[static_cast<std::size_t>(use.link)].bytes += use.weight * a.remaining;
  a.remaining = 0.0;
  rates_dirty_ = true;
  FlowRecord& f = flows_[static_cast<std::size_t>(id)];
  f.data_end = c.time;
  f.delivered = c.time + f.latency;
  push_event(f.delivered, [this, id] {
    if (done_[static_cast<std::size_t>(id)]) done_[static_cast<std::size_t>(id)](id, now_);
  });
}

void FluidNetwork::run() {
  for (;;) {
    if (rates_dirty_) compute_rates();
    const double next_event = events_.empty() ? kInfinity : events_.top().time;
    const double next_crossing = crossings_.empty() ? kInfinity : crossings_.top().time;
    const double first = std::min(next_event, next_crossing);
    if (first == kInfinity) {
      for (const ActiveFlow& a : active_)
        if (!a.finished) throw std::logic_error("fluid network: active flows with no rate");
      return;
    }
    // Handle everything inside the window in time order at the current rates, then recompute.
    const double horizon = first + std::max(options_.finish_batch_absolute_s, options_.finish_batch_relative * first);
    for (;;) {
      const double te = events_.empty() ? kInfinity : events_.top().time;
      const double tc = crossings_.empty() ? kInfinity : crossings_.top().time;
      const double t = std::min(te, tc);
      if (t > horizon || t == kInfinity) break;
      now_ = std::max(now_, t);
      if (tc <= te) {
        const Crossing c = crossings_.top();
        crossings_.pop();
        handle_crossing(c);
      } else {
        Action action = events_.top().action;
        events_.pop();
        action();
      }
    }
  }
}

}  // namespace codesim::network::flow
