#include "emulator/sim/proposal_comparison.hpp"

#include <functional>
#include <stdexcept>

#include "emulator/calibration/forked_tasks.hpp"

namespace codesim::sim {

ProposalComparison compare_proposals(const hw::DeviceConfig& device, const std::vector<workloads::Operator>& operators,
                                     const std::vector<std::pair<std::string, kernels::LoweringFeatures>>& columns,
                                     ChromeTrace* trace, std::size_t workers) {
  if (columns.empty()) throw std::invalid_argument("no proposal to compare");
  const auto members = band_members(device);
  ProposalComparison out;
  out.members.push_back("best fit");
  for (std::size_t m = 1; m < device.calibration.consistent_set.size(); ++m)
    out.members.push_back(device.calibration.consistent_set[m].label);
  // One task per member, run in this process (the best fit, with the trace) or another. Within
  // a member, kernels that several columns share (a proposal often leaves one unchanged) are
  // simulated once: the cache is keyed by plan and device values.
  std::vector<std::function<std::string()>> tasks;
  for (std::size_t m = 0; m < members.size(); ++m) {
    tasks.emplace_back([&, m] {
      KernelResultCache cache;
      std::vector<ExpertComputation> runs;
      for (std::size_t c = 0; c < columns.size(); ++c)
        runs.push_back(simulate_expert_computation(members[m], operators, columns[c].second, m == 0 ? trace : nullptr,
                                                   static_cast<int>(c), &cache));
      return serialize_expert_computations(runs);
    });
  }
  std::vector<std::string> results;
  try {
    results = calibration::run_forked(tasks, workers);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());  // a lowering error in a worker: the same input error
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    ComparedProposal p;
    p.spec = columns[c].first;
    p.features = columns[c].second;
    out.proposals.push_back(std::move(p));
  }
  for (const auto& r : results) {
    auto runs = deserialize_expert_computations(r);
    for (std::size_t c = 0; c < columns.size(); ++c) out.proposals[c].per_member.push_back(std::move(runs[c]));
  }
  const auto& base = out.proposals.front();
  for (auto& p : out.proposals) {
    std::vector<double> total, speedup, bytes;
    for (std::size_t m = 0; m < members.size(); ++m) {
      total.push_back(p.per_member[m].total_us());
      speedup.push_back(base.per_member[m].total_us() / p.per_member[m].total_us());
      bytes.push_back(p.per_member[m].hbm_bytes());
    }
    p.total_us = band_of(total);
    p.speedup = band_of(speedup);
    p.hbm_bytes = band_of(bytes);
    for (std::size_t i = 0; i < operators.size(); ++i) {
      std::vector<double> t;
      for (const auto& run : p.per_member) t.push_back(run.operators[i].time_us());
      p.operator_us.push_back(band_of(t));
    }
  }
  return out;
}

}  // namespace codesim::sim
