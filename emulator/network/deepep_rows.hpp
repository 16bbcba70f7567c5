#pragma once
// DeepEP's published measurements as rows the network model predicts: each row is one of
// DeepEP's tests (mode, direction, EP size) in the setting its README states, and the figure
// the README gives for it (a latency for the low-latency kernels, a bandwidth for the normal
// ones, counted as DeepEP's tests count it).
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/network/alltoall.hpp"

namespace codesim::network {

enum class DeepEpMetric { kLatencyUs, kBandwidthGbps };

struct MeasuredAllToAll {
  int line = 0;
  std::string kernel;      ///< as the file names it: ll_dispatch, normal_intranode_combine, ...
  AllToAllRequest request; ///< DeepEP's test setting for that kernel
  DeepEpMetric metric = DeepEpMetric::kLatencyUs;
  double measured = 0.0;   ///< in the metric's unit
  [[nodiscard]] std::string label() const;  ///< "ll_dispatch EP8"
  [[nodiscard]] const char* unit() const { return metric == DeepEpMetric::kLatencyUs ? "us" : "GB/s"; }
};

/// The file's rows. Columns: kernel, ep, latency_us, bandwidth_gbps (either may be empty; a
/// row with a latency is compared on it, one with only a bandwidth on that). Kernels:
/// normal_intranode_{dispatch,combine} and normal_internode_{dispatch,combine} (4,096 tokens,
/// top-4 groups, 24 SMs), ll_{dispatch,combine} and ll_nvlink_{dispatch,combine} (128
/// tokens); hidden 7,168, 256 experts, top-8. Throws io::DataFileError naming file, line,
/// column and value.
[[nodiscard]] std::vector<MeasuredAllToAll> read_deepep_rows(const std::filesystem::path& file);

/// The row's figure on the cluster, in the row's metric, and the run it comes from.
struct PredictedAllToAll {
  double value = 0.0;
  AllToAllResult run;
};
[[nodiscard]] PredictedAllToAll predict_deepep_row(const ClusterConfig& cluster, const MeasuredAllToAll& row);

/// The row's figure from a run, in the row's metric.
[[nodiscard]] double deepep_figure(const MeasuredAllToAll& row, const AllToAllResult& run);

}  // namespace codesim::network
