#include "emulator/sim/expert_computation.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>

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

namespace {

// The records travel between forked workers and their parent, as JSON. JSON has no infinity
// or NaN (nlohmann writes them as null), so those travel as strings and come back as they
// were: a kernel that never ends must stay one, not become a type error far from its cause.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

/// Reads `record[i]`, refusing a record of the wrong shape with a message naming the place.
const nlohmann::json& at(const nlohmann::json& record, std::size_t i, const char* what) {
  if (!record.is_array() || i >= record.size())
    throw std::runtime_error(std::string("expert computation record: ") + what + " has no field " + std::to_string(i));
  return record[i];
}

double read_number(const nlohmann::json& record, std::size_t i) {
  const auto& v = at(record, i, "a kernel");
  if (v.is_number()) return v.get<double>();
  if (v == "inf") return std::numeric_limits<double>::infinity();
  if (v == "-inf") return -std::numeric_limits<double>::infinity();
  if (v == "nan") return std::numeric_limits<double>::quiet_NaN();
  throw std::runtime_error("expert computation record: kernel field " + std::to_string(i) + " is not a number");
}

std::string read_string(const nlohmann::json& record, std::size_t i, const char* what) {
  const auto& v = at(record, i, what);
  if (!v.is_string()) throw std::runtime_error(std::string("expert computation record: ") + what + " field " +
                                               std::to_string(i) + " is not a string");
  return v.get<std::string>();
}

}  // namespace

std::string serialize_expert_computations(const std::vector<ExpertComputation>& runs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& run : runs) {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& op : run.operators) {
      nlohmann::json kernels = nlohmann::json::array();
      for (const auto& k : op.kernels)
        kernels.push_back({k.name, k.kind, k.config, number(k.time_us), number(k.useful_flops),
                           number(k.nominal_bytes), k.sms_used, number(k.tensor_busy_us), number(k.cuda_busy_us),
                           number(k.l2_to_sm_bytes), number(k.l2_hit_bytes), number(k.hbm_read_bytes),
                           number(k.hbm_write_bytes), number(k.hbm_busy_us), number(k.l2_busy_us)});
      ops.push_back({op.name, op.kind, op.status, kernels});
    }
    j.push_back(ops);
  }
  return j.dump();
}

std::vector<ExpertComputation> deserialize_expert_computations(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  if (!j.is_array()) throw std::runtime_error("expert computation records: not an array");
  std::vector<ExpertComputation> out;
  for (const auto& ops : j) {
    if (!ops.is_array()) throw std::runtime_error("expert computation records: a run is not an array");
    ExpertComputation run;
    for (const auto& op : ops) {
      OperatorTiming t{read_string(op, 0, "an operator"), read_string(op, 1, "an operator"),
                       read_string(op, 2, "an operator"), {}};
      const auto& kernels = at(op, 3, "an operator");
      if (!kernels.is_array()) throw std::runtime_error("expert computation record: an operator's kernels are not an array");
      for (const auto& k : kernels) {
        hw::KernelRun r;
        r.name = read_string(k, 0, "a kernel");
        r.kind = read_string(k, 1, "a kernel");
        r.config = read_string(k, 2, "a kernel");
        r.time_us = read_number(k, 3);
        r.useful_flops = read_number(k, 4);
        r.nominal_bytes = read_number(k, 5);
        const auto& sms = at(k, 6, "a kernel");
        if (!sms.is_number_integer()) throw std::runtime_error("expert computation record: kernel field 6 is not an integer");
        r.sms_used = sms.get<int>();
        r.tensor_busy_us = read_number(k, 7);
        r.cuda_busy_us = read_number(k, 8);
        r.l2_to_sm_bytes = read_number(k, 9);
        r.l2_hit_bytes = read_number(k, 10);
        r.hbm_read_bytes = read_number(k, 11);
        r.hbm_write_bytes = read_number(k, 12);
        r.hbm_busy_us = read_number(k, 13);
        r.l2_busy_us = read_number(k, 14);
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
