#include "emulator/calibration/calibration_problem.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "emulator/io/json_fields.hpp"

namespace codesim::calibration {

CalibrationProblem::CalibrationProblem(std::vector<ParameterRange> parameters, std::vector<double> measured,
                                       RowModel model)
    : parameters_(std::move(parameters)), measured_(std::move(measured)), model_(std::move(model)) {
  if (measured_.empty()) throw std::invalid_argument("calibration: no measured rows");
  for (const auto& p : parameters_)
    if (!(std::isfinite(p.lo) && std::isfinite(p.hi) && p.lo <= p.hi))
      throw std::invalid_argument(fmt::format("calibration: parameter {} has the range [{}, {}]", p.name, p.lo, p.hi));
  for (std::size_t i = 0; i < measured_.size(); ++i)
    if (!(std::isfinite(measured_[i]) && measured_[i] > 0.0))
      throw std::invalid_argument(fmt::format("calibration: row {} was measured as {}", i, measured_[i]));
  if (!model_) throw std::invalid_argument("calibration: no row model");
}

std::size_t CalibrationProblem::index_of(const std::string& name) const {
  std::string known;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i].name == name) return i;
    known += (known.empty() ? "" : ", ") + parameters_[i].name;
  }
  throw std::invalid_argument(fmt::format("unknown calibration parameter '{}' (known: {})", io::bounded_quote(name), known));
}

const std::vector<double>& CalibrationProblem::predict(const std::vector<double>& values) {
  if (values.size() != parameters_.size())
    throw std::invalid_argument(
        fmt::format("calibration: {} values for {} parameters", values.size(), parameters_.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!(values[i] >= parameters_[i].lo && values[i] <= parameters_[i].hi))
      throw std::invalid_argument(fmt::format("calibration: {} = {} is outside [{}, {}]", parameters_[i].name,
                                              values[i], parameters_[i].lo, parameters_[i].hi));
  auto it = cache_.find(values);
  if (it == cache_.end()) {
    auto predicted = model_(values);
    if (predicted.size() != measured_.size())
      throw std::logic_error(fmt::format("calibration: the model predicted {} rows, {} were measured",
                                         predicted.size(), measured_.size()));
    it = cache_.emplace(values, std::move(predicted)).first;
  }
  return it->second;
}

std::vector<double> CalibrationProblem::errors_percent(const std::vector<double>& values) {
  const auto& p = predict(values);
  std::vector<double> out(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) out[i] = (p[i] - measured_[i]) / measured_[i] * 100.0;
  return out;
}

double CalibrationProblem::mape(const std::vector<double>& values, const RowSelection& rows) {
  return mean_absolute_percent_error(predict(values), measured_, rows);
}

double mean_absolute_percent_error(const std::vector<double>& predicted, const std::vector<double>& measured,
                                   const RowSelection& rows) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (!rows[i]) continue;
    sum += std::fabs(predicted[i] - measured[i]) / measured[i];
    ++n;
  }
  return n == 0 ? 0.0 : sum / static_cast<double>(n) * 100.0;
}

}  // namespace codesim::calibration
