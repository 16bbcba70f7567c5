#pragma once
// Row models whose answers are known, for the calibration tests: kernel-like laws over rows
// of different sizes (time = fixed + work / rate), and a fit tight enough to recover them.
#include <vector>

#include "emulator/calibration/calibration_problem.hpp"
#include "emulator/calibration/parameter_fit.hpp"

namespace codesim::calibration::testing {

inline FitOptions precise() {
  FitOptions o;
  o.tolerance = 1e-6;
  return o;
}

inline const std::vector<double> kWork{1, 3, 10, 30, 100, 300, 1000};

/// time = v[0] + work / (v[1] * v[2] * ...): the product of every rate parameter reaches the
/// rows, never one alone (one rate: identifiable; two: only their product is).
inline RowModel fixed_plus_work_over_rates() {
  return [](const std::vector<double>& v) {
    double rate = 1.0;
    for (std::size_t i = 1; i < v.size(); ++i) rate *= v[i];
    std::vector<double> t;
    for (const double w : kWork) t.push_back(v[0] + w / rate);
    return t;
  };
}

}  // namespace codesim::calibration::testing
