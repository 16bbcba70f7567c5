#pragma once
// DeepSeek's overlap of computation and communication in a MoE layer, as a schedule on
// durations already known: every GPU has one compute stream, and the cluster one
// communication stream on which the all-to-alls run one after another. Work comes in chains
// (a micro-batch, or the forward or backward half of one): steps run in chain order on their
// stream, and a step waits for the earlier steps of its chain it names. Two chains give
// DeepSeek's schedules: prefill and decode run two micro-batches, the experts of one beside
// the all-to-all of the other; training pairs one micro-batch's forward with another's
// backward (DualPipe).
//
// A GPU's compute stream runs, whenever it is free, the chain's next step that can start
// earliest (the first chain on a tie). An all-to-all starts on every GPU at once, when the
// last GPU is ready for it (DeepEP's kernels synchronise the ranks before moving data); its
// kernel then ends on each GPU after that GPU's own duration.
#include <string>
#include <vector>

namespace codesim::sim {

struct ScheduleStep {
  std::string name;
  bool alltoall = false;        ///< on the communication stream (else the GPU's compute stream)
  std::vector<int> waits_for;   ///< earlier steps of the same chain whose end (on the same GPU) it needs
  std::vector<double> gpu_us;   ///< per GPU: the step's duration (an all-to-all: from its start to its kernel's end there)
};

struct ScheduleChain {
  std::string name;
  std::vector<ScheduleStep> steps;
};

struct StepInterval {
  double start_us = 0.0;
  double end_us = 0.0;
};

struct GpuScheduleSummary {
  double end_us = 0.0;            ///< when its last step ends
  double compute_us = 0.0;        ///< its compute stream's busy time
  double communication_us = 0.0;  ///< time inside all-to-all kernels
  double hidden_us = 0.0;         ///< all-to-all time during which it also computed
  double exposed_us = 0.0;        ///< all-to-all time with its compute stream idle
  double idle_us = 0.0;           ///< neither computing nor in an all-to-all (waiting for others)
};

struct OverlapSchedule {
  /// [chain][step][gpu]
  std::vector<std::vector<std::vector<StepInterval>>> intervals;
  std::vector<GpuScheduleSummary> gpus;
  double end_us = 0.0;
  int last_gpu = 0;  ///< the GPU that ends last (the lowest index on a tie)
};

/// Throws std::invalid_argument for a step with a duration list of another size than `gpus`,
/// a negative or non-finite duration, or a wait on a step that is not earlier in its chain.
[[nodiscard]] OverlapSchedule schedule_overlap(const std::vector<ScheduleChain>& chains, int gpus);

/// Total length of the union of `a` and of its intersection with `b` (both lists of disjoint
/// or overlapping intervals, any order): {union(a), |a n union(b)|}.
[[nodiscard]] std::pair<double, double> union_and_overlap(std::vector<StepInterval> a, std::vector<StepInterval> b);

}  // namespace codesim::sim
