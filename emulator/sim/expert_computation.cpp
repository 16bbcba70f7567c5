#include "emulator/sim/expert_computation.hpp"

#include <map>
#include <numeric>

#include <nlohmann/json.hpp>

#include "emulator/kernels/operator_lowering.hpp"
#include "emulator/sim/gemm_simulation.hpp"

namespace codesim::sim {

double OperatorTiming::time_us() const {
  return std::accumulate(kernels.begin(), kernels.end(), 0.0,
                         [](double s, const hw::KernelRun& k) { return s + k.time_us; });
}

double ExpertComputation::total_us() const {
  return std::accumulate(operators.begin(), operators.end(), 0.0,
                         [](double s, const OperatorTiming& o) { return s + o.time_us(); });
}

double ExpertComputation::hbm_bytes() const {
  double b = 0.0;
  for (const auto& o : operators)
    for (const auto& k : o.kernels) b += k.hbm_read_bytes + k.hbm_write_bytes;
  return b;
}

std::string serialize_expert_computations(const std::vector<ExpertComputation>& runs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& run : runs) {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& op : run.operators) {
      nlohmann::json kernels = nlohmann::json::array();
      for (const auto& k : op.kernels)
        kernels.push_back({k.name, k.kind, k.config, k.time_us, k.useful_flops, k.nominal_bytes, k.sms_used,
                           k.tensor_busy_us, k.cuda_busy_us, k.l2_to_sm_bytes, k.l2_hit_bytes, k.hbm_read_bytes,
                           k.hbm_write_bytes, k.hbm_busy_us, k.l2_busy_us});
      ops.push_back({op.name, op.kind, op.status, kernels});
    }
    j.push_back(ops);
  }
  return j.dump();
}

std::vector<ExpertComputation> deserialize_expert_computations(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  std::vector<ExpertComputation> out;
  for (const auto& ops : j) {
    ExpertComputation run;
    for (const auto& op : ops) {
      OperatorTiming t{op[0].get<std::string>(), op[1].get<std::string>(), op[2].get<std::string>(), {}};
      for (const auto& k : op[3]) {
        hw::KernelRun r;
        r.name = k[0].get<std::string>();
        r.kind = k[1].get<std::string>();
        r.config = k[2].get<std::string>();
        r.time_us = k[3].get<double>();
        r.useful_flops = k[4].get<double>();
        r.nominal_bytes = k[5].get<double>();
        r.sms_used = k[6].get<int>();
        r.tensor_busy_us = k[7].get<double>();
        r.cuda_busy_us = k[8].get<double>();
        r.l2_to_sm_bytes = k[9].get<double>();
        r.l2_hit_bytes = k[10].get<double>();
        r.hbm_read_bytes = k[11].get<double>();
        r.hbm_write_bytes = k[12].get<double>();
        r.hbm_busy_us = k[13].get<double>();
        r.l2_busy_us = k[14].get<double>();
        t.kernels.push_back(std::move(r));
      }
      run.operators.push_back(std::move(t));
    }
    out.push_back(std::move(run));
  }
  return out;
}

ExpertComputation simulate_expert_computation(const hw::DeviceConfig& device,
                                              const std::vector<workloads::Operator>& operators,
                                              const kernels::LoweringFeatures& features, ChromeTrace* trace,
                                              int trace_process, KernelResultCache* cache) {
  const int sms = compute_sms(device, features, 0);
  auto& gpu = hw::Gpu::instance(device);
  ExpertComputation out;
  double timeline_us = 0.0;
  const auto device_key = hw::device_fingerprint(device);
  for (const auto& op : operators) {
    OperatorTiming t;
    t.name = op.name;
    t.kind = workloads::operator_kind_name(op.kind);
    const bool communication = op.kind == workloads::OperatorKind::kDispatch || op.kind == workloads::OperatorKind::kCombine;
    const auto plans = kernels::lower_operator(op, features, sms, device.shared_memory_per_block);
    t.status = communication ? "communication" : plans.empty() ? "removed" : "timed";
    for (const auto& plan : plans) {
      const auto key = std::make_pair(kernels::timing_fingerprint(plan), device_key);
      const bool use_cache = cache != nullptr && trace == nullptr;
      const auto hit = use_cache ? cache->find(key) : KernelResultCache::iterator{};
      if (use_cache && hit != cache->end()) {
        t.kernels.push_back(hit->second);
        t.kernels.back().name = plan.name;
      } else {
        t.kernels.push_back(gpu.run(plan, trace, trace_process, timeline_us));
        if (use_cache) (*cache)[key] = t.kernels.back();
      }
      timeline_us += t.kernels.back().time_us;
    }
    out.operators.push_back(std::move(t));
  }
  return out;
}

}  // namespace codesim::sim
