#include "emulator/network/deepep_rows.hpp"

#include <fmt/format.h>

#include "emulator/io/csv_table.hpp"
#include "emulator/io/json_fields.hpp"

namespace codesim::network {
namespace {

struct KernelSetting {
  const char* kernel;
  const char* mode;
  CommOp op;
  int tokens;
};

// DeepEP README: normal kernels "following the DeepSeek-V3/R1 pretraining setting (4096 tokens
// per batch, 7168 hidden, top-4 groups, top-8 experts, FP8 dispatching and BF16 combining)",
// on the 24 SMs its tests give them; low-latency kernels "a typical DeepSeek-V3/R1
// production setting (128 tokens per batch, 7168 hidden, top-8 experts, FP8 dispatching and
// BF16 combining)".
constexpr KernelSetting kSettings[] = {
    {"normal_intranode_dispatch", "normal", CommOp::kDispatch, 4096},
    {"normal_intranode_combine", "normal", CommOp::kCombine, 4096},
    {"normal_internode_dispatch", "normal", CommOp::kDispatch, 4096},
    {"normal_internode_combine", "normal", CommOp::kCombine, 4096},
    {"ll_dispatch", "low-latency", CommOp::kDispatch, 128},
    {"ll_combine", "low-latency", CommOp::kCombine, 128},
    {"ll_nvlink_dispatch", "low-latency-nvlink", CommOp::kDispatch, 128},
    {"ll_nvlink_combine", "low-latency-nvlink", CommOp::kCombine, 128},
};

std::string known_kernels() {
  std::string s;
  for (const auto& k : kSettings) s += (s.empty() ? "" : ", ") + std::string(k.kernel);
  return s;
}

}  // namespace

std::string MeasuredAllToAll::label() const { return fmt::format("{} EP{}", kernel, request.ep); }

std::vector<MeasuredAllToAll> read_deepep_rows(const std::filesystem::path& file) {
  const auto t = io::read_csv(file);
  std::vector<MeasuredAllToAll> rows;
  for (const auto& row : t.rows) {
    MeasuredAllToAll m;
    m.line = row.first;
    m.kernel = t.text(row, "kernel");
    const KernelSetting* setting = nullptr;
    for (const auto& k : kSettings)
      if (m.kernel == k.kernel) setting = &k;
    if (setting == nullptr)
      throw io::DataFileError(fmt::format("{}: line {}: column kernel = '{}': expected one of {}", file.string(),
                                          row.first, io::bounded_quote(m.kernel), known_kernels()));
    m.request.mode = setting->mode;
    m.request.op = setting->op;
    m.request.tokens = setting->tokens;
    m.request.ep = static_cast<int>(t.integer(row, "ep", 2, 1 << 16));
    const bool intranode = m.kernel.find("intranode") != std::string::npos;
    const bool internode = m.kernel.find("internode") != std::string::npos;
    if ((intranode && m.request.ep > 8) || (internode && m.request.ep <= 8))
      throw io::DataFileError(fmt::format("{}: line {}: column ep = '{}': {} needs EP {} 8", file.string(), row.first,
                                          m.request.ep, m.kernel, intranode ? "<=" : ">"));
    if (!t.text(row, "latency_us").empty()) {
      m.metric = DeepEpMetric::kLatencyUs;
      m.measured = t.number(row, "latency_us", 1e-3, 1e9);
    } else {
      m.metric = DeepEpMetric::kBandwidthGbps;
      m.measured = t.number(row, "bandwidth_gbps", 1e-3, 1e6);
    }
    rows.push_back(std::move(m));
  }
  return rows;
}

double deepep_figure(const MeasuredAllToAll& row, const AllToAllResult& run) {
  return row.metric == DeepEpMetric::kLatencyUs ? run.time_us : run.bandwidth_gbps;
}

PredictedAllToAll predict_deepep_row(const ClusterConfig& cluster, const MeasuredAllToAll& row) {
  PredictedAllToAll p;
  p.run = run_alltoall(cluster, row.request);
  p.value = deepep_figure(row, p.run);
  return p;
}

}  // namespace codesim::network
