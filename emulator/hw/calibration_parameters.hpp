#pragma once
// The few values of the timing model that no datasheet gives: each a named physical quantity
// with a unit, a plausible range and a source, read from the device file's "calibration"
// section. Which of them the measurements pin down, and which values the data still allow,
// is decided by `codesim calibrate` (emulator/sim/gemm_calibration) and stored beside them as
// the consistent set: the predictions' bands are the spread over its members.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/io/calibration_section.hpp"

namespace codesim::hw {

/// The values the timing model reads (typed, so the simulation never looks a name up).
struct CalibrationValues {
  /// Sustained SM clock under FP8 tensor-core load (MHz). Every per-SM rate (tensor cores,
  /// CUDA cores, shared memory) and every cycle count is taken at this clock. Read by Sm, Gpu.
  double sm_clock_mhz = 1830.0;
  /// Fraction of the promotion FFMAs' time hidden behind the other math warpgroup's MMAs when
  /// two warpgroups share the tensor cores (BLOCK_M 128). Read by Sm.
  double promotion_hidden_fraction = 0.0;
  /// Achievable fraction of the peak HBM bandwidth for reads. Read by HbmController, Gpu
  /// (roofline).
  double hbm_read_efficiency = 1.0;
  /// Achievable fraction of the peak HBM bandwidth for writes (write-to-read turnarounds,
  /// rows opened for scattered output tiles). Read by HbmController.
  double hbm_write_efficiency = 1.0;
  /// Sustained L2 -> SM bandwidth of all SMs together (GB/s). Read by L2Cache.
  double l2_bandwidth_gbps = 10000.0;
  /// Time a kernel spends outside its tiles (us): CTA launch, prologue (barrier init, TMA
  /// descriptor prefetch, cluster sync) and grid drain. Read by Gpu.
  double kernel_fixed_us = 0.0;
  /// Per output tile, the math warpgroups' synchronisation (cycles): the scheduler's next
  /// block, two named barriers around the epilogue, the hand-over of the pipeline's
  /// barriers. Read by Sm.
  double tile_sync_cycles = 0.0;
};

/// The declaration of one parameter: the field it sets and its physical bounds.
using CalibrationParameterDecl = io::ParameterDecl<CalibrationValues>;
using CalibrationParameter = io::CalibrationParameter;
using ConsistentMember = io::ConsistentMember<CalibrationValues>;
using Calibration = io::CalibrationSection<CalibrationValues>;

/// All calibration parameters, in the order files, fits and reports use.
[[nodiscard]] std::span<const CalibrationParameterDecl> calibration_parameter_decls();
/// The declaration called `name`, or nullptr.
[[nodiscard]] const CalibrationParameterDecl* find_calibration_parameter(std::string_view name);

[[nodiscard]] double get(const CalibrationValues& v, std::string_view name);
void set(CalibrationValues& v, std::string_view name, double value);

/// Reads and validates a "calibration" object: every declared parameter present with its
/// declared unit, a range inside the hard bounds, the value inside its range; members inside
/// the ranges, fixed parameters at their value, the first member equal to the values.
[[nodiscard]] Calibration read_calibration(io::JsonObjectReader reader);

/// The "calibration" object of a device file (the inverse of read_calibration).
[[nodiscard]] nlohmann::ordered_json calibration_json(const Calibration& c);

}  // namespace codesim::hw
