#include "workloads/placement/expert_placement.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace codesim::workloads {
namespace {

// Builds the message with a stream: besides printing doubles as "-1" or "nan", it sidesteps GCC 12's
// false -Wrestrict on `"literal" + std::string` at -O3.
template <typename... Parts>
[[noreturn]] void reject(const Parts&... parts) {
  std::ostringstream message;
  message << "expert placement: ";
  (message << ... << parts);
  throw std::invalid_argument(message.str());
}

void require_at_least(const char* name, int value, int minimum) {
  if (value < minimum) reject(name, " must be at least ", minimum, "; got ", value);
}

// "(256 routed + 32 redundant + 32 pinned)": says which counts made up a total that did not divide.
std::string instance_breakdown(const PlacementRequest& r) {
  std::ostringstream s;
  s << '(' << r.experts << " routed + " << r.redundant << " redundant";
  if (r.pinned_instances > 0) s << " + " << r.pinned_instances << " pinned";
  s << ')';
  return s.str();
}

// Greedy balanced packing with exactly `per_bin` items per bin: heaviest item first, each to the
// lightest bin that still has room. The count cap matters because every GPU has the same number
// of expert slots; without it a GPU could take many light experts and overflow its memory.
// Stable sort and strict `<` make ties go to the lower item and bin index. Returns each item's bin.
std::vector<int> pack_balanced(const std::vector<double>& weight, int bins, int per_bin) {
  std::vector<std::size_t> order(weight.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return weight[a] > weight[b]; });
  const auto bin_count = static_cast<std::size_t>(bins);
  std::vector<double> load(bin_count, 0.0);
  std::vector<int> filled(bin_count, 0);
  std::vector<int> bin_of(weight.size(), -1);
  for (const std::size_t item : order) {
    std::size_t best = bin_count;
    for (std::size_t b = 0; b < bin_count; ++b) {
      if (filled[b] == per_bin) continue;
      if (best == bin_count || load[b] < load[best]) best = b;
    }
    // Callers supply exactly bins * per_bin items, so some bin always has room.
    bin_of[item] = static_cast<int>(best);
    load[best] += weight[item];
    ++filled[best];
  }
  return bin_of;
}

// Copies per expert: one each, then every extra copy to the expert whose per-copy load is
// currently largest (ties: lower position). Giving each copy to the current maximum is what
// minimises the heaviest per-copy load for a fixed number of copies.
std::vector<int> replica_counts(const std::vector<double>& load, int extra) {
  std::vector<int> count(load.size(), 1);
  for (int copy = 0; copy < extra; ++copy) {
    std::size_t hottest = 0;
    for (std::size_t i = 1; i < load.size(); ++i) {
      if (load[i] / count[i] > load[hottest] / count[hottest]) hottest = i;
    }
    ++count[hottest];
  }
  return count;
}

// One balancing domain: a node (hierarchical) or the whole cluster (global). Replicates the
// domain's experts, packs all their instances onto its GPUs and writes the slots, each GPU's
// slots in ascending expert id.
struct Domain {
  std::vector<int> experts;  // routed expert ids, ascending
  int extra_copies = 0;
  int pinned_instances = 0;
  int first_gpu = 0;
  int gpus = 0;
};

void place_domain(const Domain& d, std::span<const double> expert_load, double pinned_load, int pinned_id,
                  ExpertPlacement& out) {
  std::vector<double> load;
  for (const int e : d.experts) load.push_back(expert_load[static_cast<std::size_t>(e)]);
  const std::vector<int> copies = replica_counts(load, d.extra_copies);

  std::vector<int> item_expert;
  std::vector<double> item_load;
  for (std::size_t i = 0; i < d.experts.size(); ++i) {
    for (int c = 0; c < copies[i]; ++c) {
      item_expert.push_back(d.experts[i]);
      item_load.push_back(load[i] / copies[i]);
    }
  }
  for (int c = 0; c < d.pinned_instances; ++c) {
    item_expert.push_back(pinned_id);
    item_load.push_back(pinned_load / d.pinned_instances);
  }

  // Items are listed in ascending expert id (the pinned id is the largest), so collecting them in
  // item order leaves each GPU's slots sorted by expert id.
  const std::vector<int> gpu_of = pack_balanced(item_load, d.gpus, out.per_gpu);
  std::vector<std::vector<int>> on_gpu(static_cast<std::size_t>(d.gpus));
  for (std::size_t i = 0; i < item_expert.size(); ++i) {
    on_gpu[static_cast<std::size_t>(gpu_of[i])].push_back(item_expert[i]);
  }
  for (std::size_t g = 0; g < on_gpu.size(); ++g) {
    const auto base = (static_cast<std::size_t>(d.first_gpu) + g) * static_cast<std::size_t>(out.per_gpu);
    std::copy(on_gpu[g].begin(), on_gpu[g].end(), out.instance_expert.begin() + static_cast<std::ptrdiff_t>(base));
  }
}

void check_loads(const PlacementRequest& r, std::span<const double> expert_load, double pinned_load) {
  if (expert_load.size() != static_cast<std::size_t>(r.experts)) {
    reject("expert_load has ", expert_load.size(), " entries for ", r.experts, " experts");
  }
  // NaN would break the sort's ordering and a negative load has no meaning as a token count.
  for (std::size_t e = 0; e < expert_load.size(); ++e) {
    if (!std::isfinite(expert_load[e]) || expert_load[e] < 0.0) {
      reject("expert_load[", e, "] = ", expert_load[e], " is not a finite non-negative load");
    }
  }
  if (r.pinned_instances > 0 && (!std::isfinite(pinned_load) || pinned_load < 0.0)) {
    reject("pinned_load = ", pinned_load, " is not a finite non-negative load");
  }
}

}  // namespace

void validate_placement_request(const PlacementRequest& r) {
  require_at_least("experts", r.experts, 1);
  require_at_least("groups", r.groups, 1);
  require_at_least("nodes", r.nodes, 1);
  require_at_least("gpus_per_node", r.gpus_per_node, 1);
  require_at_least("redundant", r.redundant, 0);
  require_at_least("pinned_instances", r.pinned_instances, 0);
  if (r.experts % r.groups != 0) {
    reject(r.experts, " experts do not divide into ", r.groups, " groups");
  }
  const std::string policy = placement_policy_name(r.policy);  // also rejects an out-of-range policy

  // 64-bit so that absurd counts are reported instead of overflowing.
  const std::int64_t gpus = std::int64_t{r.nodes} * r.gpus_per_node;
  const std::int64_t instances = std::int64_t{r.experts} + r.redundant + r.pinned_instances;
  if (r.policy == PlacementPolicy::kContiguous) {
    if (r.redundant != 0) {
      reject(policy, " placement takes no redundant copies; got ", r.redundant, " redundant");
    }
    if (r.pinned_instances != 0) {
      reject(policy, " placement takes no pinned instances; got ", r.pinned_instances, " pinned_instances");
    }
  } else if (r.policy == PlacementPolicy::kHierarchical) {
    // Replicas stay on their group's node, so groups, copies and per-node slots must all split evenly.
    if (r.groups % r.nodes != 0) {
      reject(r.groups, " groups do not divide over ", r.nodes, " nodes");
    }
    if (r.pinned_instances != 0) {
      reject(policy, " placement takes no pinned instances; got ", r.pinned_instances, " pinned_instances");
    }
    if (r.redundant % r.nodes != 0) {
      reject(r.redundant, " redundant copies do not divide over ", r.nodes, " nodes");
    }
    const std::int64_t per_node = instances / r.nodes;
    if (per_node % r.gpus_per_node != 0) {
      reject(per_node, " expert instances per node (", instances, " over ", r.nodes, " nodes) do not divide over ",
             r.gpus_per_node, " GPUs per node");
    }
  }
  if (instances % gpus != 0) {
    reject(instances, " expert instances ", instance_breakdown(r), " do not divide over ", gpus, " GPUs");
  }
  if (instances > std::numeric_limits<int>::max()) {
    reject(instances, " expert instances exceed the int instance indices");
  }
}

ExpertPlacement place_experts(const PlacementRequest& r, std::span<const double> expert_load, double pinned_load) {
  validate_placement_request(r);
  ExpertPlacement out;
  out.gpus = r.nodes * r.gpus_per_node;
  out.experts = r.experts;
  out.per_gpu = (r.experts + r.redundant + r.pinned_instances) / out.gpus;
  out.instance_expert.assign(static_cast<std::size_t>(out.gpus) * static_cast<std::size_t>(out.per_gpu), -1);

  if (r.policy == PlacementPolicy::kContiguous) {
    std::iota(out.instance_expert.begin(), out.instance_expert.end(), 0);
  } else {
    check_loads(r, expert_load, pinned_load);
    if (r.policy == PlacementPolicy::kHierarchical) {
      // Groups are contiguous id ranges (DeepSeek-V3: group i = experts 32i..32i+31). Keeping a group
      // on one node lets group-limited routing bound how many nodes a token's experts span.
      const int per_group = r.experts / r.groups;
      std::vector<double> group_load(static_cast<std::size_t>(r.groups), 0.0);
      for (int e = 0; e < r.experts; ++e) {
        group_load[static_cast<std::size_t>(e / per_group)] += expert_load[static_cast<std::size_t>(e)];
      }
      const std::vector<int> node_of_group = pack_balanced(group_load, r.nodes, r.groups / r.nodes);
      for (int n = 0; n < r.nodes; ++n) {
        std::vector<int> members;
        for (int e = 0; e < r.experts; ++e) {
          if (node_of_group[static_cast<std::size_t>(e / per_group)] == n) members.push_back(e);
        }
        const Domain node{.experts = std::move(members),
                          .extra_copies = r.redundant / r.nodes,
                          .pinned_instances = 0,
                          .first_gpu = n * r.gpus_per_node,
                          .gpus = r.gpus_per_node};
        place_domain(node, expert_load, 0.0, r.experts, out);
      }
    } else {
      std::vector<int> all(static_cast<std::size_t>(r.experts));
      std::iota(all.begin(), all.end(), 0);
      const Domain cluster{.experts = std::move(all),
                           .extra_copies = r.redundant,
                           .pinned_instances = r.pinned_instances,
                           .first_gpu = 0,
                           .gpus = out.gpus};
      place_domain(cluster, expert_load, pinned_load, r.experts, out);
    }
  }

  // Scanning instances in order lists each expert's instances in ascending order.
  out.replicas.resize(static_cast<std::size_t>(r.experts + (r.pinned_instances > 0 ? 1 : 0)));
  for (std::size_t i = 0; i < out.instance_expert.size(); ++i) {
    out.replicas[static_cast<std::size_t>(out.instance_expert[i])].push_back(static_cast<int>(i));
  }
  return out;
}

double max_over_mean(std::span<const double> per_gpu_load) {
  if (per_gpu_load.empty()) return 0.0;
  const double mean =
      std::accumulate(per_gpu_load.begin(), per_gpu_load.end(), 0.0) / static_cast<double>(per_gpu_load.size());
  if (mean <= 0.0) return 0.0;  // loads are non-negative, so this is the all-zero case
  return *std::max_element(per_gpu_load.begin(), per_gpu_load.end()) / mean;
}

std::string placement_policy_name(PlacementPolicy policy) {
  switch (policy) {
    case PlacementPolicy::kContiguous:
      return "contiguous";
    case PlacementPolicy::kHierarchical:
      return "hierarchical";
    case PlacementPolicy::kGlobal:
      return "global";
  }
  reject("unknown placement policy ", static_cast<int>(policy));
}

}  // namespace codesim::workloads
