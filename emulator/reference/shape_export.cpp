#include "emulator/reference/shape_export.hpp"

#include <stdexcept>
#include <string>

#include "emulator/sim/gemm_validation.hpp"
#include "workloads/config/workload_catalog.hpp"
#include "workloads/moe_layer/moe_layer_workload.hpp"

namespace codesim::emulator_reference {
namespace {

namespace wl = codesim::workloads;

const wl::Operator* find_operator(const std::vector<wl::Operator>& ops, const std::string& name) {
  for (const auto& op : ops)
    if (op.name == name) return &op;
  return nullptr;
}

wl::GpuWorkload gpu0_workload(const std::string& scenario_name, std::uint64_t seed) {
  const auto scenario = wl::load_scenario(scenario_name);
  const auto model = wl::load_model(scenario.model, std::filesystem::path(scenario.file).parent_path());
  wl::RoutingOptions routing;
  routing.seed = seed;
  const auto workload = wl::build_moe_layer_workload(scenario, model, routing);
  return workload.micro_batches.at(0).gpus.at(0);
}

}  // namespace

ShapeLists make_shape_lists(const std::filesystem::path& published_dir, const std::filesystem::path& grouped_csv,
                            std::uint64_t seed) {
  ShapeLists lists;
  for (const auto& g : sim::read_published_dense_gemms(published_dir / "deepgemm_dense_fp8_gemm.csv"))
    lists.dense.push_back({g.shape.m.at(0), g.shape.n, g.shape.k,
                           "DeepGEMM README a9967bc dense table line " + std::to_string(g.line)});
  for (const auto& g : sim::read_published_grouped_gemms(grouped_csv)) {
    reference::GroupedGemmShape s;
    s.layout = g.shape.layout == kernels::GemmLayout::kMasked ? "masked" : "contiguous";
    s.n = g.shape.n;
    s.k = g.shape.k;
    s.ms = g.shape.m;
    s.name = "deepgemm-" + s.layout + "-" + std::to_string(s.ms.size()) + "x" + std::to_string(s.ms.at(0)) + "-n" +
             std::to_string(s.n) + "-k" + std::to_string(s.k);
    s.source = "DeepGEMM README grouped table (data/published/h800_deepgemm_grouped.csv line " +
               std::to_string(g.line) + ")";
    lists.grouped.push_back(std::move(s));
  }
  for (const char* scenario : {"prefill-ep32", "decode-ep144", "train-ep64"}) {
    const auto gpu = gpu0_workload(scenario, seed);
    for (const char* op_name : {"routed.gate_up.fprop", "routed.down.fprop"}) {
      const auto* op = find_operator(gpu.operators, op_name);
      if (op == nullptr) throw std::runtime_error(std::string(scenario) + ": GPU 0 has no operator " + op_name);
      reference::GroupedGemmShape s;
      s.name = std::string(scenario) + "-gpu0-" + op_name;
      s.layout = op->layout;
      s.n = op->n;
      s.k = op->k.at(0);
      s.ms = op->m;
      s.source = "codesim workload show " + std::string(scenario) + " --seed " + std::to_string(seed) + " (GPU 0; micro-batch 0)";
      lists.grouped.push_back(std::move(s));
    }
  }
  for (const char* scenario : {"prefill-ep32", "decode-ep144"}) {
    const auto gpu = gpu0_workload(scenario, seed);
    const auto* up = find_operator(gpu.operators, "routed.gate_up.fprop");
    const auto* shared = find_operator(gpu.operators, "shared.gate_up.fprop");
    if (up == nullptr) throw std::runtime_error(std::string(scenario) + ": GPU 0 has no routed.gate_up.fprop");
    reference::MoeCase c;
    c.name = std::string(scenario) + "-gpu0";
    c.scenario = scenario;
    c.seed = seed;
    c.hidden = up->k.at(0);
    c.intermediate = up->n / 2;
    c.ms = up->m;
    if (shared != nullptr) c.ms.push_back(shared->m.at(0));
    lists.moe.push_back(std::move(c));
  }
  return lists;
}

void write_shape_lists(const std::filesystem::path& dir, const ShapeLists& lists) {
  reference::write_dense_gemm_shapes(dir / "dense_gemm_shapes.csv", lists.dense);
  reference::write_grouped_gemm_shapes(dir / "grouped_gemm_shapes.csv", lists.grouped);
  reference::write_moe_cases(dir / "moe_cases.csv", lists.moe);
}

}  // namespace codesim::emulator_reference
