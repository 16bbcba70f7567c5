#include "emulator/network/flow/fluid_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace codesim::network::flow {

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Below this many active flows the flow arrays stay in the first cache levels whatever their
// order, and laying them out again would only cost time.
constexpr std::size_t kRelayoutMinFlows = 4096;
}  // namespace

LinkId FluidNetwork::add_link(std::string name, int link_class, double capacity_bytes_per_s) {
  if (!(capacity_bytes_per_s > 0.0) || !std::isfinite(capacity_bytes_per_s))
    throw std::invalid_argument("link " + name + ": capacity must be positive and finite");
  links_.push_back(Link{std::move(name), link_class, capacity_bytes_per_s, 0.0, 0.0, 0.0});
  uses_of_link_.emplace_back();
  link_uses_.push_back(0);
  link_flows_.emplace_back();
  fill_.push_back(LinkFill{});
  changed_links_.push_back(0);
  heap_pos_.push_back(-1);
  return static_cast<LinkId>(links_.size() - 1);
}

void FluidNetwork::push_event(double time, EventKind kind, std::int32_t index) {
  events_.push(Event{time, sequence_++, kind, index});
}

void FluidNetwork::at(double time, Action action) {
  if (!(time >= now_) || !std::isfinite(time)) throw std::invalid_argument("event scheduled in the past");
  std::int32_t slot;
  if (free_actions_.empty()) {
    if (actions_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw std::length_error("fluid network: too many pending actions");
    slot = static_cast<std::int32_t>(actions_.size());
    actions_.push_back(std::move(action));
  } else {
    slot = free_actions_.back();
    free_actions_.pop_back();
    actions_[static_cast<std::size_t>(slot)] = std::move(action);
  }
  push_event(time, EventKind::kAction, slot);
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
  // 32-bit path offsets and flow indices keep the arrays the rate computation reads small.
  if (path_ids_.size() + path.size() > std::numeric_limits<std::uint32_t>::max() ||
      flows_.size() >= std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("fluid network: too many flows");
  const auto id = static_cast<FlowId>(flows_.size());
  for (const LinkUse& use : path) path_ids_.push_back(use_id(use));
  path_start_.push_back(static_cast<std::uint32_t>(path_ids_.size()));
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
  push_event(time, EventKind::kStart, id);
  return id;
}

std::uint32_t FluidNetwork::use_id(const LinkUse& use) {
  // A link is crossed at a handful of weights (1 for a wire, 1-3 for a memory, one message
  // overhead factor per message size); the search looks at the latest few only, so a link
  // crossed at many weights costs a table entry per flow instead of a long search.
  constexpr std::size_t kSearched = 8;
  std::vector<std::uint32_t>& ids = uses_of_link_[static_cast<std::size_t>(use.link)];
  for (std::size_t k = ids.size(); k > 0 && k + kSearched > ids.size(); --k)
    if (uses_[ids[k - 1]].weight == use.weight) return ids[k - 1];
  if (uses_.size() >= std::numeric_limits<std::uint32_t>::max()) throw std::length_error("fluid network: too many link uses");
  const auto id = static_cast<std::uint32_t>(uses_.size());
  uses_.push_back(use);
  use_flows_.push_back(0);
  ids.push_back(id);
  return id;
}

void FluidNetwork::begin(FlowId id) {
  FlowRecord& f = flows_[static_cast<std::size_t>(id)];
  f.start = now_;
  if (f.bytes <= 0.0) {
    f.data_end = now_;
    f.delivered = now_ + f.latency;
    push_event(f.delivered, EventKind::kDeliver, id);
    return;
  }
  activate(id);
}

void FluidNetwork::deliver(FlowId id) {
  // Moved out before the call: the callback may start flows, which can reallocate done_.
  FlowDone done = std::move(done_[static_cast<std::size_t>(id)]);
  if (done) done(id, now_);
}

void FluidNetwork::activate(FlowId id) {
  const auto f = static_cast<std::size_t>(id);
  const FlowRecord& record = flows_[f];
  const Milestones& m = milestones_[f];
  const auto slot = static_cast<std::uint32_t>(act_id_.size());
  act_id_.push_back(id);
  act_order_.push_back(activations_++);
  act_remaining_.push_back(record.bytes);
  act_rate_.push_back(-1.0);
  act_after_crossing_.push_back(m.bytes.empty() ? 0.0 : record.bytes - m.bytes[0]);
  act_next_milestone_.push_back(0);
  // Bounded by path_ids_'s size, which start_flow keeps below 2^32: act_paths_ holds each
  // active flow's path once, and relayout() drops the finished ones.
  const auto begin = static_cast<std::uint32_t>(act_paths_.size());
  act_paths_.insert(act_paths_.end(), path_ids_.begin() + path_start_[f], path_ids_.begin() + path_start_[f + 1]);
  const auto end = static_cast<std::uint32_t>(act_paths_.size());
  act_path_begin_.push_back(begin);
  act_path_end_.push_back(end);
  act_finished_.push_back(0);
  act_crossing_.push_back(kInfinity);
  for (std::uint32_t p = begin; p < end; ++p) {
    const std::uint32_t u = act_paths_[p];
    const auto l = static_cast<std::size_t>(uses_[u].link);
    ++use_flows_[u];
    ++link_uses_[l];
    link_flows_[l].push_back(LinkEntry{slot, u, begin, end});
  }
  ++activated_since_layout_;
  rates_dirty_ = true;
}

void FluidNetwork::settle() {
  const double dt = now_ - ref_time_;
  if (dt > 0.0) {
    const std::size_t n = act_id_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const double rate = act_rate_[i];
      if (act_finished_[i] || rate <= 0.0) continue;
      act_remaining_[i] -= std::min(act_remaining_[i], rate * dt);
    }
    for (const LinkId l : touched_links_)
      if (fill_[static_cast<std::size_t>(l)].load > 0.0) links_[static_cast<std::size_t>(l)].busy_s += dt;
  }
  ref_time_ = now_;
}

// Progressive filling: raise every unfrozen flow's rate together until some link is full;
// freeze the flows on that link at its fair share; repeat. With weights, a link's fair share
// is its remaining capacity over the summed weights of its unfrozen flows.
void FluidNetwork::compute_rates() {
  ++rate_computations_;
  rates_dirty_ = false;
  settle();
  // Finished flows stay in the arrays (skipped) until they are as many as the others: each
  // compaction then costs no more than the skipping it saves.
  if (act_finished_count_ > 0 && 2 * act_finished_count_ >= act_id_.size()) compact();
  for (const LinkId l : touched_links_) {
    fill_[static_cast<std::size_t>(l)].unfrozen = 0.0;
    fill_[static_cast<std::size_t>(l)].load = 0.0;
  }
  touched_links_.clear();
  for (std::size_t l = 0; l < links_.size(); ++l) {
    if (link_uses_[l] <= 0) continue;
    touched_links_.push_back(static_cast<LinkId>(l));
    fill_[l].remaining = links_[l].capacity;
    // The sum of the weights of the link's unfinished flows: a product per weight the link is
    // used at (exact for small integer weights; for others, rounded once per weight instead of
    // once per flow), unless the link has been used at more weights than it has flows listed.
    double weight = 0.0;
    if (uses_of_link_[l].size() <= link_flows_[l].size()) {
      for (const std::uint32_t u : uses_of_link_[l])
        if (use_flows_[u] > 0) weight += static_cast<double>(use_flows_[u]) * uses_[u].weight;
    } else {
      for (const LinkEntry& e : link_flows_[l])
        if (!act_finished_[e.active]) weight += uses_[e.use].weight;
    }
    fill_[l].unfrozen = weight;
  }
  const std::size_t n = act_id_.size();
  for (std::size_t i = 0; i < n; ++i)
    if (!act_finished_[i]) act_rate_[i] = -1.0;  // unfrozen
  freeze_order_.resize(n);
  std::uint32_t* const frozen = freeze_order_.data();
  std::size_t frozen_count = 0;

  share_heap_.clear();
  for (const LinkId l : touched_links_) {
    const auto li = static_cast<std::size_t>(l);
    heap_pos_[li] = static_cast<std::int32_t>(share_heap_.size());
    share_heap_.push_back(HeapEntry{fill_[li].remaining / fill_[li].unfrozen, l});
  }
  for (std::size_t pos = share_heap_.size() / 2; pos > 0; --pos) heap_sift_down(pos - 1);
  while (!share_heap_.empty()) {
    const LinkId l = share_heap_.front().link;
    const auto li = static_cast<std::size_t>(l);
    if (fill_[li].unfrozen <= 0.0) {
      heap_pop();
      continue;
    }
    const double share = std::max(0.0, fill_[li].remaining) / fill_[li].unfrozen;
    if (share != share_heap_.front().key) {
      if (share > share_heap_.front().key) {  // the share rose since the key was set: catch up
        share_heap_.front().key = share;
        heap_sift_down(0);
      } else {
        heap_pop();  // not a number: dropped, as a stale entry was
      }
      continue;
    }
    heap_pop();
    // Freeze every unfrozen flow of this link at its share. Every flow of a round gets the same
    // share, so a link's capacity is charged once per round for the weights its frozen flows
    // summed: the walk over the frozen paths only adds a weight per use, and each link they
    // cross is looked at once afterwards, however many of its flows were frozen here.
    ++freeze_round_;
    // Local copies: the loop stores doubles and integers, after which the compiler would
    // otherwise reload every array's address from the object on each use.
    const std::int64_t round = freeze_round_;
    LinkFill* const fill = fill_.data();
    const LinkUse* const uses = uses_.data();
    const std::uint32_t* const path_ids = act_paths_.data();
    double* const rate = act_rate_.data();
    LinkId* const changed = changed_links_.data();
    std::size_t changed_count = 0;
    const LinkEntry* const entries = link_flows_[li].data();
    const std::size_t count = link_flows_[li].size();
    for (std::size_t k = 0; k < count; ++k) {
      // The flows come in activation order, scattered over the flow arrays: fetch a few
      // ahead, so that the misses overlap instead of stalling one by one.
      constexpr std::size_t kAhead = 8;
      if (k + kAhead < count) {
        __builtin_prefetch(rate + entries[k + kAhead].active);
        __builtin_prefetch(path_ids + entries[k + kAhead].path_begin);
      }
      const LinkEntry& e = entries[k];
      if (rate[e.active] >= 0.0) continue;  // frozen already, or finished
      rate[e.active] = share;
      frozen[frozen_count++] = e.active;
      for (std::uint32_t p = e.path_begin; p < e.path_end; ++p) {
        const LinkUse& use = uses[path_ids[p]];
        LinkFill& x = fill[use.link];
        if (x.mark != round) {
          x.mark = round;
          x.frozen = use.weight;
          changed[changed_count++] = use.link;
        } else {
          x.frozen += use.weight;
        }
      }
    }
    for (std::size_t k = 0; k < changed_count; ++k) {
      const auto u = static_cast<std::size_t>(changed[k]);
      fill[u].remaining -= fill[u].frozen * share;
      fill[u].unfrozen -= fill[u].frozen;
      fill[u].load += fill[u].frozen * share;
      if (u == li) {
        fill[u].unfrozen = 0.0;
        continue;
      }
      if (fill[u].unfrozen <= 1e-12) {
        fill[u].unfrozen = 0.0;
        continue;
      }
      const double next = std::max(0.0, fill[u].remaining) / fill[u].unfrozen;
      HeapEntry& entry = share_heap_[static_cast<std::size_t>(heap_pos_[u])];
      if (next < entry.key) {  // only by rounding: the key must stay a lower bound
        entry.key = next;
        heap_sift_up(static_cast<std::size_t>(heap_pos_[u]));
      }
    }
  }
  for (const LinkId l : touched_links_) {
    Link& link = links_[static_cast<std::size_t>(l)];
    link.peak_utilisation = std::max(link.peak_utilisation, fill_[static_cast<std::size_t>(l)].load / link.capacity);
  }
  freeze_order_.resize(frozen_count);
  // A large batch of flows joined since the arrays were last laid out: lay them out in the
  // order they froze. The next computations freeze them in nearly the same order (the
  // bottlenecks move slowly), so a link's flows then lie together in the arrays and their
  // paths, instead of one cache line apart each (at EP320 a link's flows are otherwise a few
  // hundred flows apart, and the filling waited on memory for most of its time).
  const std::size_t unfinished = n - act_finished_count_;
  if (unfinished >= kRelayoutMinFlows && 4 * activated_since_layout_ >= unfinished) {
    // A flow left without a share (every link it crosses rounded to no unfrozen weight) goes last.
    for (std::size_t i = 0; i < n; ++i)
      if (!act_finished_[i] && act_rate_[i] < 0.0) freeze_order_.push_back(static_cast<std::uint32_t>(i));
    relayout(freeze_order_);
  }
  // Every flow's next crossing, heaped once (linear) rather than pushed one by one.
  crossings_.clear();
  double next_crossing = kInfinity;
  for (std::size_t i = 0; i < act_id_.size(); ++i) {
    const double rate = act_rate_[i];
    if (act_finished_[i] || rate <= 0.0) {
      act_crossing_[i] = kInfinity;
      continue;
    }
    const double left = act_remaining_[i] - act_after_crossing_[i];
    act_crossing_[i] = ref_time_ + std::max(0.0, left) / rate;
    next_crossing = std::min(next_crossing, act_crossing_[i]);
  }
  next_crossing_ = next_crossing;
}

void FluidNetwork::heap_sift_up(std::size_t pos) {
  const HeapEntry entry = share_heap_[pos];
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / 2;
    if (!(entry < share_heap_[parent])) break;
    share_heap_[pos] = share_heap_[parent];
    heap_pos_[static_cast<std::size_t>(share_heap_[pos].link)] = static_cast<std::int32_t>(pos);
    pos = parent;
  }
  share_heap_[pos] = entry;
  heap_pos_[static_cast<std::size_t>(entry.link)] = static_cast<std::int32_t>(pos);
}

void FluidNetwork::heap_sift_down(std::size_t pos) {
  const std::size_t n = share_heap_.size();
  const HeapEntry entry = share_heap_[pos];
  for (;;) {
    std::size_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && share_heap_[child + 1] < share_heap_[child]) ++child;
    if (!(share_heap_[child] < entry)) break;
    share_heap_[pos] = share_heap_[child];
    heap_pos_[static_cast<std::size_t>(share_heap_[pos].link)] = static_cast<std::int32_t>(pos);
    pos = child;
  }
  share_heap_[pos] = entry;
  heap_pos_[static_cast<std::size_t>(entry.link)] = static_cast<std::int32_t>(pos);
}

void FluidNetwork::heap_pop() {
  heap_pos_[static_cast<std::size_t>(share_heap_.front().link)] = -1;
  share_heap_.front() = share_heap_.back();
  share_heap_.pop_back();
  if (!share_heap_.empty()) heap_sift_down(0);
}

void FluidNetwork::push_crossing(std::uint32_t i) {
  if (act_finished_[i] || act_rate_[i] <= 0.0) return;
  // Bytes to go, from ref_time_, to the next crossing.
  const double left = act_remaining_[i] - act_after_crossing_[i];
  const double time = ref_time_ + std::max(0.0, left) / act_rate_[i];
  if (time <= horizon_) {
    crossings_.push_back(Crossing{time, i, act_order_[i]});
    std::push_heap(crossings_.begin(), crossings_.end(), CrossingLater{});
  } else {
    act_crossing_[i] = time;
    next_crossing_ = std::min(next_crossing_, time);
  }
}

void FluidNetwork::handle_crossing(const Crossing& c) {
  const std::uint32_t i = c.active;
  const FlowId id = act_id_[i];
  const auto f = static_cast<std::size_t>(id);
  const std::size_t milestone_count = milestones_[f].bytes.size();
  if (act_next_milestone_[i] < milestone_count) {
    const auto index = static_cast<int>(act_next_milestone_[i]++);
    const std::uint32_t next = act_next_milestone_[i];
    act_after_crossing_[i] = next < milestone_count ? flows_[f].bytes - milestones_[f].bytes[next] : 0.0;
    push_crossing(i);
    // Moved out for the call and back after: the callback may start flows, which can
    // reallocate milestones_ under a function running from inside it.
    auto reached = std::move(milestones_[f].reached);
    if (reached) reached(index, c.time);
    milestones_[f].reached = std::move(reached);
    return;
  }
  // The flow's last byte left. Its bytes are counted on its links now, all at once: nothing
  // reads a link's count while flows are running, and counting a flow's share of every step
  // was a pass over all flows' paths per rate computation.
  act_finished_[i] = 1;
  ++act_finished_count_;
  const FlowRecord& record = flows_[f];
  for (std::uint32_t p = act_path_begin_[i]; p < act_path_end_[i]; ++p) {
    const std::uint32_t u = act_paths_[p];
    const auto l = static_cast<std::size_t>(uses_[u].link);
    links_[l].bytes += uses_[u].weight * record.bytes;
    --use_flows_[u];
    --link_uses_[l];
  }
  act_remaining_[i] = 0.0;
  rates_dirty_ = true;
  FlowRecord& done_record = flows_[f];
  done_record.data_end = c.time;
  done_record.delivered = c.time + done_record.latency;
  push_event(done_record.delivered, EventKind::kDeliver, id);
}

void FluidNetwork::run() {
  for (;;) {
    if (rates_dirty_) compute_rates();
    const double next_event = events_.empty() ? kInfinity : events_.top().time;
    // The window's crossings are taken out of act_crossing_ into the heap; the heap is empty
    // here (a window ends when nothing in it is left).
    const std::size_t n = act_crossing_.size();
    const double first = std::min(next_event, next_crossing_);
    if (first == kInfinity) {
      for (const char finished : act_finished_)
        if (!finished) throw std::logic_error("fluid network: active flows with no rate");
      return;
    }
    // Handle everything inside the window in time order at the current rates, then recompute.
    const double horizon = first + std::max(options_.finish_batch_absolute_s, options_.finish_batch_relative * first);
    horizon_ = horizon;
    crossings_.clear();
    double after = kInfinity;  // the earliest crossing left beyond the window
    for (std::size_t i = 0; i < n; ++i) {
      const double t = act_crossing_[i];
      if (t <= horizon) {
        crossings_.push_back(Crossing{t, static_cast<std::uint32_t>(i), act_order_[i]});
        act_crossing_[i] = kInfinity;
      } else {
        after = std::min(after, t);
      }
    }
    next_crossing_ = after;
    std::make_heap(crossings_.begin(), crossings_.end(), CrossingLater{});
    for (;;) {
      const double te = events_.empty() ? kInfinity : events_.top().time;
      const double tc = crossings_.empty() ? kInfinity : crossings_.front().time;
      const double t = std::min(te, tc);
      if (t > horizon || t == kInfinity) break;
      now_ = std::max(now_, t);
      if (tc <= te) {
        std::pop_heap(crossings_.begin(), crossings_.end(), CrossingLater{});
        const Crossing c = crossings_.back();
        crossings_.pop_back();
        handle_crossing(c);
      } else {
        const Event e = events_.top();
        events_.pop();
        switch (e.kind) {
          case EventKind::kStart:
            begin(e.index);
            break;
          case EventKind::kDeliver:
            deliver(e.index);
            break;
          case EventKind::kAction: {
            // Moved out first: the action may schedule others, which can reuse its slot.
            Action action = std::move(actions_[static_cast<std::size_t>(e.index)]);
            free_actions_.push_back(e.index);
            action();
            break;
          }
        }
      }
    }
  }
}

}  // namespace codesim::network::flow
