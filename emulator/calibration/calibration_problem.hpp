#pragma once
// A calibration as a problem in a few named physical parameters: rows measured on real
// hardware, a model that predicts every row from a vector of parameter values, and each
// parameter's physical range. Pure C++: the model behind it is the SystemC timing model in
// codesim and a formula in the tests, so the statistics below are tested on their own.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace codesim::calibration {

/// One coordinate of a calibration: a physical quantity and the range it may take.
struct ParameterRange {
  std::string name;
  std::string unit;
  double lo = 0.0;
  double hi = 0.0;
};

/// Predicted values of every row (same order as the measurements) at a vector of parameter
/// values (same order as the parameters). Must be deterministic.
using RowModel = std::function<std::vector<double>(const std::vector<double>& values)>;

/// Which rows an objective counts: all of them, or all but one for leave-one-out.
using RowSelection = std::vector<bool>;

class CalibrationProblem {
 public:
  /// Throws std::invalid_argument for an empty or inverted range, no rows, or a measurement
  /// that is not a positive finite number.
  CalibrationProblem(std::vector<ParameterRange> parameters, std::vector<double> measured, RowModel model);

  [[nodiscard]] const std::vector<ParameterRange>& parameters() const { return parameters_; }
  [[nodiscard]] std::size_t rows() const { return measured_.size(); }
  [[nodiscard]] const std::vector<double>& measured() const { return measured_; }
  [[nodiscard]] RowSelection all_rows() const { return RowSelection(rows(), true); }
  /// Index of the parameter called `name`; throws std::invalid_argument naming the known ones.
  [[nodiscard]] std::size_t index_of(const std::string& name) const;

  /// The model's predictions at `values`, memoised: searches revisit points, and a point is
  /// simulated once. Throws std::invalid_argument if a value lies outside its range.
  const std::vector<double>& predict(const std::vector<double>& values);
  /// Signed error of every row in percent: (predicted - measured) / measured * 100.
  [[nodiscard]] std::vector<double> errors_percent(const std::vector<double>& values);
  /// Mean absolute percentage error over the selected rows.
  [[nodiscard]] double mape(const std::vector<double>& values, const RowSelection& rows);
  /// Distinct points the model was run at.
  [[nodiscard]] std::size_t evaluations() const { return cache_.size(); }

 private:
  std::vector<ParameterRange> parameters_;
  std::vector<double> measured_;
  RowModel model_;
  std::map<std::vector<double>, std::vector<double>> cache_;
};

/// Mean absolute percentage error of `predicted` against `measured` over the selected rows.
[[nodiscard]] double mean_absolute_percent_error(const std::vector<double>& predicted,
                                                 const std::vector<double>& measured, const RowSelection& rows);

}  // namespace codesim::calibration
