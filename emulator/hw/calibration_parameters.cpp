#include "emulator/hw/calibration_parameters.hpp"

#include <algorithm>
#include <stdexcept>

#include "emulator/io/json_fields.hpp"

namespace codesim::hw {
namespace {

constexpr CalibrationParameterDecl kDecls[] = {
    {"sm_clock_mhz", "MHz", 100.0, 5000.0, &CalibrationValues::sm_clock_mhz,
     "sustained SM clock under FP8 tensor-core load"},
    {"promotion_hidden_fraction", "1", 0.0, 1.0, &CalibrationValues::promotion_hidden_fraction,
     "share of the promotion FFMAs hidden behind the other warpgroup's MMAs"},
    {"hbm_read_efficiency", "1", 0.01, 1.0, &CalibrationValues::hbm_read_efficiency,
     "achievable fraction of the peak HBM bandwidth, reads"},
    {"hbm_write_efficiency", "1", 0.01, 1.0, &CalibrationValues::hbm_write_efficiency,
     "achievable fraction of the peak HBM bandwidth, writes"},
    {"l2_bandwidth_gbps", "GB/s", 100.0, 1e6, &CalibrationValues::l2_bandwidth_gbps,
     "sustained L2 -> SM bandwidth, all SMs"},
    {"kernel_fixed_us", "us", 0.0, 1000.0, &CalibrationValues::kernel_fixed_us,
     "per kernel, outside its tiles: launch, prologue, drain"},
    {"tile_sync_cycles", "cycles", 0.0, 1e5, &CalibrationValues::tile_sync_cycles,
     "per output tile: scheduler and barrier hand-offs"},
};

}  // namespace

std::span<const CalibrationParameterDecl> calibration_parameter_decls() { return kDecls; }

const CalibrationParameterDecl* find_calibration_parameter(std::string_view name) {
  return io::find_parameter<CalibrationValues>(kDecls, name);
}

double get(const CalibrationValues& v, std::string_view name) { return io::parameter_value<CalibrationValues>(kDecls, v, name); }

void set(CalibrationValues& v, std::string_view name, double value) {
  io::set_parameter_value<CalibrationValues>(kDecls, v, name, value);
}

Calibration read_calibration(io::JsonObjectReader r) {
  return io::read_calibration_section<CalibrationValues>(std::move(r), kDecls);
}

nlohmann::ordered_json calibration_json(const Calibration& c) {
  return io::calibration_section_json<CalibrationValues>(c, kDecls);
}

}  // namespace codesim::hw
