#include "emulator/sim/gemm_validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "emulator/calibration/forked_tasks.hpp"
#include "emulator/sim/gemm_simulation.hpp"

namespace codesim::sim {

std::vector<GemmPrediction> predict(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows) {
  std::vector<GemmPrediction> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    const auto run = simulate_gemm(device, r.shape, {}, 0, nullptr, r.conditions);
    out.push_back({r, run.time_us, run.tflops(), run.config});
  }
  return out;
}

std::vector<Band> predict_bands(const hw::DeviceConfig& device, const std::vector<MeasuredGemm>& rows,
                                std::size_t workers) {
  const auto members = band_members(device);
  std::vector<std::function<std::string()>> tasks;
  for (const auto& member : members) {
    tasks.emplace_back([&rows, member] {
      std::vector<double> t;
      for (const auto& p : predict(member, rows)) t.push_back(p.predicted_us);
      return std::string(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(double));
    });
  }
  const auto results = calibration::run_forked(tasks, workers);
  std::vector<Band> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<double> per_member;
    for (const auto& bytes : results) {
      double t = 0.0;
      std::memcpy(&t, bytes.data() + r * sizeof(double), sizeof(double));
      per_member.push_back(t);
    }
    out.push_back(band_of(per_member));
  }
  return out;
}

double mean_absolute_percent_error(const std::vector<GemmPrediction>& p) {
  double sum = 0.0;
  for (const auto& x : p) sum += std::fabs(x.error_percent());
  return p.empty() ? 0.0 : sum / static_cast<double>(p.size());
}

double max_absolute_percent_error(const std::vector<GemmPrediction>& p) {
  double m = 0.0;
  for (const auto& x : p) m = std::max(m, std::fabs(x.error_percent()));
  return m;
}

}  // namespace codesim::sim
