#include "emulator/hw/l2_cache.hpp"

#include <algorithm>

#include "emulator/hw/memory_request.hpp"

namespace codesim::hw {

namespace {
constexpr double kBinNs = 50.0;
double l2_rate(const DeviceConfig& d) { return d.calibration.values.l2_bandwidth_gbps; }  // GB/s = B/ns
}  // namespace

L2Cache::L2Cache(sc_core::sc_module_name name, const DeviceConfig& device)
    : sc_module(name), sm_side("sm_side"), hbm_side("hbm_side"), port_(l2_rate(device), kBinNs) {
  sm_side.register_b_transport(this, &L2Cache::b_transport);
  configure(device);
}

void L2Cache::configure(const DeviceConfig& device) {
  port_.set_rate(l2_rate(device));
  capacity_ = device.l2_bytes;
  write_back_rate_ = device.hbm_bandwidth_gbps * device.calibration.values.hbm_write_efficiency;  // B/ns
  latency_ns_ = device.l2_latency_ns;
  reset();
}

void L2Cache::reset() {
  port_.reset();
  lines_.clear();
  free_.clear();
  if (index_.empty()) {
    index_.resize(std::size_t{1} << 12);
    index_shift_ = 64 - 12;
  }
  std::fill(index_.begin(), index_.end(), Slot{0, kNone});
  line_count_ = 0;
  front_ = kNone;
  back_ = kNone;
  resident_ = 0.0;
  hit_bytes_ = 0.0;
  miss_bytes_ = 0.0;
}

std::uint32_t L2Cache::find(std::uint64_t key) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = home(key);; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.node == kNone) return kNone;
    if (s.key == key) return s.node;
  }
}

void L2Cache::index_insert(std::uint64_t key, std::uint32_t node) {
  if (2 * (line_count_ + 1) > index_.size()) grow_index();
  const std::size_t mask = index_.size() - 1;
  std::size_t i = home(key);
  while (index_[i].node != kNone) i = (i + 1) & mask;
  index_[i] = Slot{key, node};
  ++line_count_;
}

void L2Cache::grow_index() {
  std::vector<Slot> old(index_.size() * 2, Slot{0, kNone});
  old.swap(index_);
  --index_shift_;
  const std::size_t mask = index_.size() - 1;
  for (const Slot& s : old) {
    if (s.node == kNone) continue;
    std::size_t i = home(s.key);
    while (index_[i].node != kNone) i = (i + 1) & mask;
    index_[i] = s;
  }
}

void L2Cache::index_erase(std::uint64_t key) {
  // Linear probing without tombstones: later entries of the probe run move back into the gap
  // unless their home slot lies after it.
  const std::size_t mask = index_.size() - 1;
  std::size_t gap = home(key);
  while (index_[gap].key != key || index_[gap].node == kNone) gap = (gap + 1) & mask;
  for (std::size_t j = (gap + 1) & mask; index_[j].node != kNone; j = (j + 1) & mask) {
    const std::size_t h = home(index_[j].key);
    // The entry at j may fill the gap if its home is not in the cyclic range (gap, j].
    const bool home_after_gap = gap < j ? (h > gap && h <= j) : (h > gap || h <= j);
    if (!home_after_gap) {
      index_[gap] = index_[j];
      gap = j;
    }
  }
  index_[gap].node = kNone;
  --line_count_;
}

void L2Cache::unlink(std::uint32_t node) {
  const Line& l = lines_[node];
  (l.newer != kNone ? lines_[l.newer].older : front_) = l.older;
  (l.older != kNone ? lines_[l.older].newer : back_) = l.newer;
}

void L2Cache::link_front(std::uint32_t node) {
  Line& l = lines_[node];
  l.newer = kNone;
  l.older = front_;
  (front_ != kNone ? lines_[front_].newer : back_) = node;
  front_ = node;
}

void L2Cache::insert(std::uint64_t key, double ready_ns, double bytes) {
  std::uint32_t node = 0;
  if (!free_.empty()) {
    node = free_.back();
    free_.pop_back();
    lines_[node] = Line{key, ready_ns, bytes, kNone, kNone};
  } else {
    node = static_cast<std::uint32_t>(lines_.size());
    lines_.push_back(Line{key, ready_ns, bytes, kNone, kNone});
  }
  link_front(node);
  index_insert(key, node);
  resident_ += bytes;
  while (resident_ > capacity_ && line_count_ > 1) {
    const std::uint32_t victim = back_;
    resident_ -= lines_[victim].bytes;
    index_erase(lines_[victim].key);
    unlink(victim);
    free_.push_back(victim);
  }
}

void L2Cache::preload(const kernels::L2State& state) {
  if (state.chunks.empty()) return;
  // Lines no request asks for: a tensor id no lowering uses.
  constexpr std::uint32_t kOtherData = (1U << 20) - 1;
  std::uint32_t other = 0;
  double stream = 0.0;
  for (const auto& c : state.chunks) stream += c.bytes * (1.0 + state.other_bytes_per_byte);
  if (capacity_ > stream) insert(chunk_key(kOtherData, other++, 0), 0.0, capacity_ - stream);
  for (const auto& c : state.chunks) {
    if (state.other_bytes_per_byte > 0.0)
      insert(chunk_key(kOtherData, other++, 0), 0.0, c.bytes * state.other_bytes_per_byte);
    const auto key = chunk_key(c.tensor, c.row_block, c.column_block);
    if (find(key) == kNone) insert(key, 0.0, c.bytes);
  }
}

double L2Cache::fetch_from_hbm(double issue_ns, double bytes, bool write) {
  ChunkRequest request;
  request.issue_ns = issue_ns;
  hbm_payload_.set_extension(&request);
  hbm_payload_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  hbm_payload_.set_data_length(static_cast<unsigned>(std::max(1.0, bytes)));
  hbm_payload_.set_data_ptr(nullptr);
  hbm_payload_.set_streaming_width(hbm_payload_.get_data_length());
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  hbm_side->b_transport(hbm_payload_, delay);
  hbm_payload_.clear_extension(&request);
  return request.done_ns;
}

void L2Cache::b_transport(int /*sm*/, tlm::tlm_generic_payload& payload, sc_core::sc_time& /*delay*/) {
  auto* r = payload.get_extension<ChunkRequest>();
  const double l2_bytes = r->bytes * r->l2_bytes_factor;
  if (payload.is_write()) {
    // Stores land in L2 and are written back to HBM; the SM does not wait for HBM, but the L2
    // holds at most its capacity of data not yet written back: a store is taken once the
    // write-back queued ahead of it fits. It has left the SM's shared memory then.
    const double crossbar = port_.reserve(r->issue_ns, l2_bytes);
    const double written_back = fetch_from_hbm(r->issue_ns, r->bytes * r->hbm_bytes_factor, true);
    r->sent_ns = std::max(crossbar, written_back - capacity_ / write_back_rate_);
    r->done_ns = r->sent_ns + latency_ns_;
  } else {
    double ready = 0.0;
    const std::uint32_t node = find(r->key);
    if (node != kNone) {
      hit_bytes_ += l2_bytes;
      ready = lines_[node].ready_ns;
      if (node != front_) {  // now the most recently used
        unlink(node);
        link_front(node);
      }
    } else {
      miss_bytes_ += l2_bytes;
      ready = fetch_from_hbm(r->issue_ns, r->bytes * r->hbm_bytes_factor, false);
      insert(r->key, ready, r->bytes);
    }
    // The crossbar transfer starts once the data is in L2 (or at issue for a hit).
    const double start = std::max(r->issue_ns + latency_ns_, ready);
    r->done_ns = port_.reserve(start, l2_bytes);
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace codesim::hw
