#include "emulator/sim/overlap_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace codesim::sim {
namespace {

constexpr double kUnknown = -1.0;

void validate(const std::vector<ScheduleChain>& chains, int gpus) {
  if (gpus < 1) throw std::invalid_argument(fmt::format("a schedule needs at least one GPU, not {}", gpus));
  for (const auto& chain : chains)
    for (std::size_t s = 0; s < chain.steps.size(); ++s) {
      const auto& step = chain.steps[s];
      if (step.gpu_us.size() != static_cast<std::size_t>(gpus))
        throw std::invalid_argument(fmt::format("{}.{}: {} durations for {} GPUs", chain.name, step.name,
                                                step.gpu_us.size(), gpus));
      for (const double d : step.gpu_us)
        if (!std::isfinite(d) || d < 0.0)
          throw std::invalid_argument(fmt::format("{}.{}: duration {} us", chain.name, step.name, d));
      for (const int w : step.waits_for)
        if (w < 0 || static_cast<std::size_t>(w) >= s)
          throw std::invalid_argument(fmt::format("{}.{}: waits for step {}, which is not earlier in its chain",
                                                  chain.name, step.name, w));
    }
}

}  // namespace

std::pair<double, double> union_and_overlap(std::vector<StepInterval> a, std::vector<StepInterval> b) {
  auto merge = [](std::vector<StepInterval>& v) {
    std::sort(v.begin(), v.end(), [](const StepInterval& x, const StepInterval& y) { return x.start_us < y.start_us; });
    std::vector<StepInterval> out;
    for (const auto& i : v) {
      if (i.end_us <= i.start_us) continue;
      if (!out.empty() && i.start_us <= out.back().end_us) out.back().end_us = std::max(out.back().end_us, i.end_us);
      else out.push_back(i);
    }
    v = std::move(out);
  };
  merge(a);
  merge(b);
  double total = 0.0, overlap = 0.0;
  std::size_t j = 0;
  for (const auto& i : a) {
    total += i.end_us - i.start_us;
    while (j < b.size() && b[j].end_us <= i.start_us) ++j;
    for (std::size_t k = j; k < b.size() && b[k].start_us < i.end_us; ++k)
      overlap += std::min(i.end_us, b[k].end_us) - std::max(i.start_us, b[k].start_us);
  }
  return {total, overlap};
}

OverlapSchedule schedule_overlap(const std::vector<ScheduleChain>& chains, int gpus) {
  validate(chains, gpus);
  const auto G = static_cast<std::size_t>(gpus);
  OverlapSchedule out;
  // end[c][s][g]: kUnknown until the step is placed.
  std::vector<std::vector<std::vector<double>>> end(chains.size());
  std::vector<std::vector<int>> compute_steps(chains.size()), comm_steps(chains.size());
  std::size_t remaining = 0;
  out.intervals.resize(chains.size());
  for (std::size_t c = 0; c < chains.size(); ++c) {
    const auto& steps = chains[c].steps;
    end[c].assign(steps.size(), std::vector<double>(G, kUnknown));
    out.intervals[c].assign(steps.size(), std::vector<StepInterval>(G));
    for (std::size_t s = 0; s < steps.size(); ++s) {
      (steps[s].alltoall ? comm_steps[c] : compute_steps[c]).push_back(static_cast<int>(s));
      remaining += steps[s].alltoall ? 1 : G;
    }
  }
  std::vector<std::vector<std::size_t>> next_compute(chains.size(), std::vector<std::size_t>(G, 0));
  std::vector<std::size_t> next_comm(chains.size(), 0);
  std::vector<double> compute_free(G, 0.0), comm_free(G, 0.0);
  constexpr double kNever = std::numeric_limits<double>::infinity();

  // When step s of chain c could start on GPU g given what is placed (kNever: it waits for
  // something not placed yet).
  auto ready_on = [&](std::size_t c, int s, std::size_t g, double stream_free) {
    double r = stream_free;
    for (const int w : chains[c].steps[static_cast<std::size_t>(s)].waits_for) {
      const double e = end[c][static_cast<std::size_t>(w)][g];
      if (e == kUnknown) return kNever;
      r = std::max(r, e);
    }
    return r;
  };

  while (remaining > 0) {
    double comm_at = kNever;
    std::size_t comm_chain = chains.size();
    for (std::size_t c = 0; c < chains.size(); ++c) {
      if (next_comm[c] >= comm_steps[c].size()) continue;
      const int s = comm_steps[c][next_comm[c]];
      double r = 0.0;
      for (std::size_t g = 0; g < G && r != kNever; ++g) r = std::max(r, ready_on(c, s, g, comm_free[g]));
      if (r < comm_at) {
        comm_at = r;
        comm_chain = c;
      }
    }
    // Compute steps that can start no later than the next all-to-all go first: nothing the
    // all-to-all delivers can let another step start before them.
    bool placed = false;
    for (std::size_t g = 0; g < G; ++g) {
      double at = kNever;
      std::size_t chosen = chains.size();
      for (std::size_t c = 0; c < chains.size(); ++c) {
        if (next_compute[c][g] >= compute_steps[c].size()) continue;
        const double r = ready_on(c, compute_steps[c][next_compute[c][g]], g, compute_free[g]);
        if (r < at) {
          at = r;
          chosen = c;
        }
      }
      if (chosen == chains.size() || at > comm_at) continue;
      const auto s = static_cast<std::size_t>(compute_steps[chosen][next_compute[chosen][g]]);
      const double e = at + chains[chosen].steps[s].gpu_us[g];
      out.intervals[chosen][s][g] = {at, e};
      end[chosen][s][g] = e;
      compute_free[g] = e;
      ++next_compute[chosen][g];
      --remaining;
      placed = true;
    }
    if (placed) continue;
    if (comm_chain == chains.size())
      throw std::logic_error("overlap schedule: no step can start (a chain waits on itself)");
    const auto s = static_cast<std::size_t>(comm_steps[comm_chain][next_comm[comm_chain]]);
    for (std::size_t g = 0; g < G; ++g) {
      const double e = comm_at + chains[comm_chain].steps[s].gpu_us[g];
      out.intervals[comm_chain][s][g] = {comm_at, e};
      end[comm_chain][s][g] = e;
      comm_free[g] = e;
    }
    ++next_comm[comm_chain];
    --remaining;
  }

  out.gpus.resize(G);
  for (std::size_t g = 0; g < G; ++g) {
    std::vector<StepInterval> compute, comm;
    auto& sum = out.gpus[g];
    for (std::size_t c = 0; c < chains.size(); ++c)
      for (std::size_t s = 0; s < chains[c].steps.size(); ++s) {
        const auto& i = out.intervals[c][s][g];
        (chains[c].steps[s].alltoall ? comm : compute).push_back(i);
        sum.end_us = std::max(sum.end_us, i.end_us);
        if (!chains[c].steps[s].alltoall) sum.compute_us += i.end_us - i.start_us;
      }
    const auto [comm_union, hidden] = union_and_overlap(comm, compute);
    sum.communication_us = comm_union;
    sum.hidden_us = hidden;
    sum.exposed_us = comm_union - hidden;
    sum.idle_us = std::max(0.0, sum.end_us - (sum.compute_us + sum.exposed_us));
    if (sum.end_us > out.end_us) {
      out.end_us = sum.end_us;
      out.last_gpu = static_cast<int>(g);
    }
  }
  return out;
}

}  // namespace codesim::sim
