#pragma once
// The "calibration" section every data file with fitted values carries (devices, clusters):
// each parameter a named physical quantity with its unit, plausible range, source and whether
// the fit may move it, and the consistent set of values the data cannot tell apart. One
// reader and one writer for every kind of file; each model declares its parameters once, as
// a table of ParameterDecl naming the field of its typed value struct.
#include <span>
#include <stdexcept>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/io/json_fields.hpp"

namespace codesim::io {

/// One parameter as the code knows it: the field it sets and the bounds physics allows any
/// range to lie in (a data file narrows them with evidence).
template <typename Values>
struct ParameterDecl {
  std::string_view name;
  std::string_view unit;
  double hard_lo;
  double hard_hi;
  double Values::*field;
  std::string_view meaning;
};

/// One parameter as a data file gives it.
struct CalibrationParameter {
  std::string name;
  std::string unit;
  double value = 0.0;
  double lo = 0.0;      ///< plausible range: the fit never leaves it
  double hi = 0.0;
  bool fitted = false;  ///< false: fixed from evidence, not moved by the fit (nor by the bands)
  std::string source;   ///< where the range (and a fixed value) comes from
};

/// A parameter vector the data allow (MAPE within the threshold of the best fit).
template <typename Values>
struct ConsistentMember {
  std::string label;
  double mape_percent = 0.0;
  Values values;
};

/// The error for a parameter name no declaration has (quoted to a bounded prefix).
inline std::invalid_argument unknown_parameter(std::string_view name) {
  return std::invalid_argument("unknown calibration parameter '" + bounded_quote(name) + "'");
}

template <typename Values>
struct CalibrationSection {
  Values values;                                 ///< what the model runs with (the best fit)
  std::vector<CalibrationParameter> parameters;  ///< declaration order, one per declared parameter
  std::string fitted_on;                         ///< rows and command the values come from
  double threshold_points = 1.0;                 ///< consistent: MAPE <= best + threshold
  /// The best fit first (equal to `values`), then the members at the ends of each fitted
  /// parameter's consistent interval. Empty: no consistent set; predictions have no band.
  std::vector<ConsistentMember<Values>> consistent_set;

  [[nodiscard]] const CalibrationParameter& parameter(std::string_view name) const {
    for (const auto& p : parameters)
      if (p.name == name) return p;
    throw unknown_parameter(name);
  }
};

namespace calibration_detail {
inline std::string text(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}
template <typename Values>
const ParameterDecl<Values>& decl_of(std::span<const ParameterDecl<Values>> decls, std::string_view name) {
  for (const auto& d : decls)
    if (d.name == name) return d;
  throw unknown_parameter(name);
}
}  // namespace calibration_detail

/// The declaration called `name`, or nullptr.
template <typename Values>
[[nodiscard]] const ParameterDecl<Values>* find_parameter(std::span<const ParameterDecl<Values>> decls,
                                                          std::string_view name) {
  for (const auto& d : decls)
    if (d.name == name) return &d;
  return nullptr;
}

/// The value of the parameter called `name`; throws std::invalid_argument for an unknown name.
template <typename Values>
[[nodiscard]] double parameter_value(std::span<const ParameterDecl<Values>> decls, const Values& v,
                                     std::string_view name) {
  const auto* d = find_parameter(decls, name);
  if (d == nullptr) throw unknown_parameter(name);
  return v.*(d->field);
}

/// Sets the parameter called `name`; throws std::invalid_argument for an unknown name.
template <typename Values>
void set_parameter_value(std::span<const ParameterDecl<Values>> decls, Values& v, std::string_view name, double value) {
  const auto* d = find_parameter(decls, name);
  if (d == nullptr) throw unknown_parameter(name);
  v.*(d->field) = value;
}

/// Reads and validates a "calibration" object: every declared parameter present with its
/// declared unit, a range inside the hard bounds, the value inside its range; members inside
/// the ranges, fixed parameters at their value, the first member equal to the values.
template <typename Values>
[[nodiscard]] CalibrationSection<Values> read_calibration_section(JsonObjectReader r,
                                                                  std::span<const ParameterDecl<Values>> decls) {
  using calibration_detail::text;
  CalibrationSection<Values> c;
  c.fitted_on = r.string("fitted_on");
  auto params = r.object("parameters");
  for (const auto& d : decls) {
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
      ConsistentMember<Values> member;
      member.label = m.string("label");
      member.mape_percent = m.number("mape_percent", 0.0, 1e4);
      auto v = m.object("values");
      for (const auto& p : c.parameters) {
        const double x = v.number(p.name, p.lo, p.hi);
        if (!p.fitted && x != p.value)
          v.fail(p.name, "a parameter that is not fitted keeps its value (" + text(p.value) + ") in every member");
        member.values.*(calibration_detail::decl_of(decls, p.name).field) = x;
      }
      v.finish();
      m.finish();
      c.consistent_set.push_back(std::move(member));
    }
    for (const auto& d : decls) {
      const double first = c.consistent_set.front().values.*(d.field);
      const double best = c.values.*(d.field);
      if (first != best)
        JsonObjectReader::fail_at(r.file(), r.field_path("consistent_set") + "/members/0/values/" + std::string(d.name),
                                  text(first),
                                  "the first member is the best fit and must equal the parameter's value (" +
                                      text(best) + "); re-run codesim calibrate after changing a value");
    }
    s.finish();
  }
  r.finish();
  return c;
}

/// The "calibration" object of a data file (the inverse of read_calibration_section).
template <typename Values>
[[nodiscard]] nlohmann::ordered_json calibration_section_json(const CalibrationSection<Values>& c,
                                                              std::span<const ParameterDecl<Values>> decls) {
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
      for (const auto& p : c.parameters) values[p.name] = m.values.*(calibration_detail::decl_of(decls, p.name).field);
      s["members"].push_back({{"label", m.label}, {"mape_percent", m.mape_percent}, {"values", values}});
    }
  }
  return j;
}

}  // namespace codesim::io
