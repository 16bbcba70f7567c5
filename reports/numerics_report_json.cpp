// The numerics report's data.json (declared in reports/numerics_report_content.hpp).
#include "reports/numerics_report_content.hpp"

#include <nlohmann/json.hpp>

namespace codesim::reports {
namespace {
using numerics::Distribution;
}  // namespace

std::string numerics_report_json(const NumericsReportTable& t) {
  using Json = nlohmann::ordered_json;
  const NumericsReportOptions& o = t.options;
  Json j;
  j["report"] = "numerics";
  j["title"] = kNumericsTitle;
  j["regenerate"] = kNumericsRegenerateCommand;
  j["reference"] = "exact product of the dequantised quantised inputs";
  j["input_format"] = "e4m3";
  j["m"] = o.m;
  j["n"] = o.n;
  j["seed"] = o.seed;
  j["ks"] = o.ks;
  j["distributions"] = Json::array();
  for (const Distribution d : t.distributions) j["distributions"].push_back(numerics::to_string(d));
  j["metrics"] = {
      {"max_abs_err_over_mean_abs_ref", "max |D - R| / mean |R|"},
      {"frobenius_rel_err", "||D - R||_F / ||R||_F"},
      {"max_elementwise_rel_err", "max |D - R| / |R| over R != 0"},
      {"max_abs_err", "max |D - R|"},
      {"mean_abs_ref", "mean |R|"},
  };
  j["recipes"] = Json::array();
  for (const auto& r : t.recipes) {
    j["recipes"].push_back({{"name", r.name},
                            {"summary", r.summary},
                            {"scaling", r.scaling == numerics::GemmScaling::kBlockwise ? "blockwise" : "per-tensor"},
                            {"promote_interval", r.promote_interval},
                            {"scales_in_mma", r.scales_in_mma},
                            {"mma", r.mma.name}});
  }
  j["results"] = Json::array();
  for (const auto& p : t.points) {
    j["results"].push_back({{"recipe", p.recipe},
                            {"distribution", numerics::to_string(p.distribution)},
                            {"k", p.k},
                            {"max_abs_err_over_mean_abs_ref", p.error.max_abs_err_over_mean_abs_ref},
                            {"frobenius_rel_err", p.error.frobenius_rel_err},
                            {"max_elementwise_rel_err", p.error.max_elementwise_rel_err},
                            {"max_abs_err", p.error.max_abs_err},
                            {"mean_abs_ref", p.error.mean_abs_ref}});
  }
  const NumericsHeadline h = t.headline();
  if (h.measured) {
    j["deepseek_v3_observation"] = {{"k", kHeadlineK},
                                    {"distribution", "normal"},
                                    {"metric", "max_abs_err_over_mean_abs_ref"},
                                    {"fast_accum", h.fast_accum},
                                    {"promote_128", h.promote_128},
                                    {"ratio", h.ratio},
                                    {"about_two_percent", h.about_two_percent},
                                    {"about_two_percent_range", {kAboutTwoPercentLow, kAboutTwoPercentHigh}},
                                    {"ten_times_lower", h.ten_times_lower}};
  } else {
    j["deepseek_v3_observation"] = nullptr;
  }
  return j.dump(2) + "\n";
}

}  // namespace codesim::reports
