#include "emulator/sim/scenario_gpu.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "workloads/config/workload_catalog.hpp"

namespace codesim::sim {

ScenarioGpu load_scenario_gpu(const std::string& workload, int gpu, int micro_batch, std::uint64_t seed) {
  namespace wl = codesim::workloads;
  const auto scenario = wl::load_scenario(workload);
  const auto model = wl::load_model(scenario.model, std::filesystem::path(scenario.file).parent_path());
  if (gpu < 0 || gpu >= scenario.gpus())
    throw std::invalid_argument(fmt::format("--gpu {}: scenario {} has GPUs 0..{}", gpu, scenario.name, scenario.gpus() - 1));
  if (micro_batch < 0 || micro_batch >= scenario.micro_batches)
    throw std::invalid_argument(fmt::format("--micro-batch {}: scenario {} has micro-batches 0..{}", micro_batch,
                                            scenario.name, scenario.micro_batches - 1));
  wl::RoutingOptions routing;
  routing.seed = seed;
  routing.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  auto built = std::make_shared<const wl::MoeLayerWorkload>(wl::build_moe_layer_workload(scenario, model, routing));
  ScenarioGpu out;
  out.scenario = scenario.name;
  out.gpu = gpu;
  out.micro_batch = micro_batch;
  out.seed = seed;
  out.communication.sms = scenario.comm_sms;
  out.operators = built->micro_batches[static_cast<std::size_t>(micro_batch)].gpus[static_cast<std::size_t>(gpu)].operators;
  out.routed = std::move(built);
  return out;
}

}  // namespace codesim::sim
