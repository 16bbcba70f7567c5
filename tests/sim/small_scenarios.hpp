#pragma once
// Scenarios small enough for a unit test of the whole cluster layer (two nodes, a few hundred
// tokens per GPU), written as files into a test's scratch folder: the shipped scenarios'
// structure (DeepSeek-V3's model, DeepEP's kernels, FP8 dispatch, BF16 combine) at a size that
// simulates in well under a second.
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/sim/scenario_simulation.hpp"
#include "proposals/proposal.hpp"
#include "workloads/config/workload_catalog.hpp"

namespace codesim::testing {

struct SmallScenario {
  std::string name;
  std::string phase = "prefill";  ///< training, prefill or decode
  int nodes = 2;
  int tokens = 128;
  int micro_batches = 2;
  double skew = 0.0;
};

/// Writes the scenario into `folder` and returns its path.
inline std::string write_small_scenario(const std::filesystem::path& folder, const SmallScenario& s) {
  const bool decode = s.phase == "decode";
  const int gpus = s.nodes * 8;
  nlohmann::json j{
      {"name", s.name},
      {"description", "unit-test scenario"},
      {"source", "tests/sim/small_scenarios.hpp"},
      {"model", (workloads::workload_data_dir() / "models" / "deepseek-v3.json").string()},
      {"phase", s.phase},
      {"cluster", {{"nodes", s.nodes}, {"gpus_per_node", 8}}},
      {"parallelism", {{"expert", gpus}, {"attention_tensor", 1}, {"attention_data", gpus}, {"pipeline", 1}}},
      {"tokens", {{"per_gpu_per_micro_batch", s.tokens}, {"micro_batches", s.micro_batches}}},
      {"experts",
       {{"redundant", 0},
        {"placement", "contiguous"},
        {"load_statistics", "previous-draw"},
        {"shared", "local"},
        {"shared_replicas", 0},
        {"gemm_layout", decode ? "masked" : "contiguous"}}},
      {"communication",
       {{"mode", decode ? "low-latency" : "normal"},
        {"sms", decode ? 0 : 24},
        {"intranode_nvlink", true},
        {"dispatch_format", "e4m3"},
        {"dispatch_scale_tile", 128},
        {"dispatch_scale_bytes", 4},
        {"dispatch_metadata_bytes", decode ? 16 : 0},
        {"combine_format", "bf16"}}},
      {"precision",
       {{"gemm_inputs", "e4m3"}, {"gemm_output", "bf16"}, {"activation_scaling", "1x128"}, {"weight_scaling", "128x128"}}},
      {"routing", {{"scores", s.skew > 0.0 ? "zipf" : "independent"}, {"skew", s.skew}}},
  };
  const auto path = folder / (s.name + ".json");
  std::ofstream(path) << j.dump(2);
  return path.string();
}

/// A column for a registered proposal spec ("baseline", "comm-coprocessor:gbps=100", ...).
inline sim::ProposalColumn proposal_column(const std::string& spec) {
  const auto p = proposals::ProposalRegistry::instance().parse(spec);
  return {p.spec(), [p](kernels::LoweringFeatures& f) { p.proposal->adjust_lowering(f, p.values); },
          [p](kernels::CommunicationFeatures& f) { p.proposal->adjust_communication(f, p.values); }};
}

}  // namespace codesim::testing
