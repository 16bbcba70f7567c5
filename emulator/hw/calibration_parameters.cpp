#include "emulator/hw/calibration_parameters.hpp"

#include <algorithm>
#include <sstream>
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

std::string text(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

std::span<const CalibrationParameterDecl> calibration_parameter_decls() { return kDecls; }

const CalibrationParameterDecl* find_calibration_parameter(std::string_view name) {
  for (const auto& d : kDecls)
    if (d.name == name) return &d;
  return nullptr;
}

double get(const CalibrationValues& v, std::string_view name) {
  const auto* d = find_calibration_parameter(name);
  if (d == nullptr) throw std::invalid_argument("unknown calibration parameter '" + std::string(name) + "'");
  return v.*(d->field);
}

void set(CalibrationValues& v, std::string_view name, double value) {
  const auto* d = find_calibration_parameter(name);
  if (d == nullptr) throw std::invalid_argument("unknown calibration parameter '" + std::string(name) + "'");
  v.*(d->field) = value;
}

const CalibrationParameter& Calibration::parameter(std::string_view name) const {
  for (const auto& p : parameters)
    if (p.name == name) return p;
  throw std::invalid_argument("unknown calibration parameter '" + std::string(name) + "'");
}

Calibration read_calibration(io::JsonObjectReader r) {
  Calibration c;
  c.fitted_on = r.string("fitted_on");
  auto params = r.object("parameters");
  for (const auto& d : kDecls) {
    auto p = params.object(d.name);
    CalibrationParameter out;
    out.name = std::string(d.name);
    out.unit = p.choice("unit", {d.unit});
    const auto range = p.number_array("range", 2, d.hard_lo, d.hard_hi);
    if (range[0] > range[1]) p.fail("range", "the low end is above the high end");
    out.lo = range[0];
    out.hi = range[1];
    out.value = p.number("value", out.lo, out.hi);
    out.fitted = p.boolean("fitted");
    out.source = p.string("source");
    if (out.source.empty()) p.fail("source", "say where the range comes from");
    p.finish();
    c.values.*(d.field) = out.value;
    c.parameters.push_back(std::move(out));
  }
  params.finish();
  if (r.has("consistent_set")) {
    auto s = r.object("consistent_set");
    (void)s.optional_string("criterion");  // a note for the reader
    c.threshold_points = s.number("threshold_points", 0.0, 100.0);
    for (auto m : s.object_array("members", 1)) {
      ConsistentMember member;
      member.label = m.string("label");
      member.mape_percent = m.number("mape_percent", 0.0, 1e4);
      auto v = m.object("values");
      for (const auto& p : c.parameters) {
        const double x = v.number(p.name, p.lo, p.hi);
        if (!p.fitted && x != p.value)
          v.fail(p.name, "a parameter that is not fitted keeps its value (" + text(p.value) + ") in every member");
        set(member.values, p.name, x);
      }
      v.finish();
      m.finish();
      c.consistent_set.push_back(std::move(member));
    }
    for (const auto& p : c.parameters)
      if (get(c.consistent_set.front().values, p.name) != p.value)
        io::JsonObjectReader::fail_at(r.file(), r.field_path("consistent_set") + "/members/0/values/" + p.name,
                                      text(get(c.consistent_set.front().values, p.name)),
                                      "the first member is the best fit and must equal the parameter's value (" +
                                          text(p.value) + "); re-run codesim calibrate after changing a value");
    s.finish();
  }
  r.finish();
  return c;
}

nlohmann::ordered_json calibration_json(const Calibration& c) {
  nlohmann::ordered_json j;
  j["fitted_on"] = c.fitted_on;
  for (const auto& p : c.parameters) {
    j["parameters"][p.name] = {{"value", p.value}, {"unit", p.unit}, {"range", {p.lo, p.hi}},
                               {"fitted", p.fitted}, {"source", p.source}};
  }
  if (!c.consistent_set.empty()) {
    auto& s = j["consistent_set"];
    s["criterion"] = "every parameter vector inside the ranges whose MAPE on the fitted rows is within threshold_points "
                     "of the best fit; represented by the best fit and, for each fitted parameter, the members at the "
                     "ends of its consistent interval";
    s["threshold_points"] = c.threshold_points;
    s["members"] = nlohmann::ordered_json::array();
    for (const auto& m : c.consistent_set) {
      nlohmann::ordered_json values;
      for (const auto& p : c.parameters) values[p.name] = get(m.values, p.name);
      s["members"].push_back({{"label", m.label}, {"mape_percent", m.mape_percent}, {"values", values}});
    }
  }
  return j;
}

}  // namespace codesim::hw
