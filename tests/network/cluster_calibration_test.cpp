// The network calibration: DeepEP's rows read as DeepEP's tests run them, a cached row equal to
// a fresh run (the shortcuts the fit takes are exact), and a fit on rows the model generated
// itself from known values recovers those values inside its consistent intervals.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "emulator/io/json_fields.hpp"
#include "emulator/network/cluster_calibration.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::network {
namespace {

std::filesystem::path write(const testing::TempFolder& dir, const std::string& name, const std::string& text) {
  const auto file = dir.file(name);
  std::ofstream(file) << text;
  return file;
}

ClusterConfig cluster_with(double rdma, double sm_copy, double fixed, double nvlink = 0.7) {
  auto c = load_cluster("h800");
  c.calibration.values.nvlink_efficiency = nvlink;
  c.calibration.values.rdma_efficiency = rdma;
  c.calibration.values.sm_copy_gbps = sm_copy;
  c.calibration.values.kernel_fixed_us = fixed;
  return c;
}

MeasuredAllToAll row(const std::string& mode, CommOp op, int ep, int tokens, DeepEpMetric metric) {
  MeasuredAllToAll r;
  r.kernel = mode;
  r.request.mode = mode;
  r.request.op = op;
  r.request.ep = ep;
  r.request.tokens = tokens;
  r.metric = metric;
  r.measured = 1.0;
  return r;
}

TEST(DeepEpRows, ReadInDeepEpsTestSettings) {
  testing::TempFolder dir;
  const auto file = write(dir, "rows.csv", "kernel,ep,bottleneck,bandwidth_gbps,latency_us\n"
                                         "normal_intranode_combine,8,NVLink,158,\n"
                                         "ll_dispatch,64,RDMA,40,186\n"
                                         "ll_nvlink_combine,16,RDMA,,195\n");
  const auto rows = read_deepep_rows(file);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].request.mode, "normal");
  EXPECT_EQ(rows[0].request.op, CommOp::kCombine);
  EXPECT_EQ(rows[0].request.tokens, 4096);
  EXPECT_EQ(rows[0].request.sms, 24);
  EXPECT_EQ(rows[0].metric, DeepEpMetric::kBandwidthGbps);
  EXPECT_DOUBLE_EQ(rows[0].measured, 158.0);
  EXPECT_EQ(rows[1].request.mode, "low-latency");
  EXPECT_EQ(rows[1].request.tokens, 128);
  EXPECT_EQ(rows[1].request.ep, 64);
  EXPECT_EQ(rows[1].metric, DeepEpMetric::kLatencyUs);  // the latency wins when both are given
  EXPECT_DOUBLE_EQ(rows[1].measured, 186.0);
  EXPECT_EQ(rows[2].request.mode, "low-latency-nvlink");
  EXPECT_EQ(rows[2].label(), "ll_nvlink_combine EP16");
}

TEST(DeepEpRows, BadRowsNameFileLineColumnAndValue) {
  testing::TempFolder dir;
  const auto expect_error = [&](const std::string& body, const std::string& needle) {
    const auto file = write(dir, "bad.csv", "kernel,ep,latency_us,bandwidth_gbps\n" + body);
    try {
      (void)read_deepep_rows(file);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const io::DataFileError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file.string()), std::string::npos) << what;
      EXPECT_NE(what.find("line 2"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  expect_error("ll_scatter,8,163,\n", "column kernel = 'll_scatter'");
  expect_error("normal_intranode_dispatch,16,,153\n", "column ep = '16'");
  expect_error("normal_internode_dispatch,8,,43\n", "column ep = '8'");
  expect_error("ll_dispatch,8,fast,\n", "column latency_us = 'fast'");
  expect_error("ll_dispatch,8,,\n", "column bandwidth_gbps = ''");
}

TEST(AllToAllResult, ReTimingWithAnotherFixedCostEqualsARunWithIt) {
  AllToAllRequest q;
  q.mode = "normal";
  q.ep = 8;
  q.tokens = 256;
  auto run = run_alltoall(cluster_with(0.9, 30.0, 5.0), q);
  const auto direct = run_alltoall(cluster_with(0.9, 30.0, 17.0), q);
  run.set_kernel_fixed(17.0);
  EXPECT_EQ(run.gpu_time_us, direct.gpu_time_us);
  EXPECT_DOUBLE_EQ(run.time_us, direct.time_us);
  EXPECT_DOUBLE_EQ(run.max_time_us, direct.max_time_us);
  EXPECT_DOUBLE_EQ(run.bandwidth_gbps, direct.bandwidth_gbps);
}

TEST(AllToAllBand, SpansTheConsistentSetAndSimulatesOnlyWhatARunCanFeel) {
  auto cluster = cluster_with(0.9, 60.0, 5.0);
  const auto member = [&](const char* label, double rdma, double sm, double fixed) {
    io::ConsistentMember<NetworkCalibrationValues> m;
    m.label = label;
    m.values = cluster.calibration.values;
    m.values.rdma_efficiency = rdma;
    m.values.sm_copy_gbps = sm;
    m.values.kernel_fixed_us = fixed;
    return m;
  };
  cluster.calibration.consistent_set = {member("best fit", 0.9, 60.0, 5.0), member("fixed high", 0.9, 60.0, 9.0),
                                        member("sm low", 0.9, 26.0, 5.0), member("rdma low", 0.8, 60.0, 5.0)};
  AllToAllRequest q;
  q.mode = "low-latency";
  q.ep = 16;
  q.tokens = 32;
  const auto band = run_alltoall_band(cluster, q);
  EXPECT_EQ(band.members, 5U);
  EXPECT_EQ(band.simulations, 2U) << "only the rdma member changes what a low-latency run feels";
  EXPECT_DOUBLE_EQ(band.time_us_low, band.best.time_us);
  const auto slow = run_alltoall(cluster.with_calibration(cluster.calibration.consistent_set[3].values), q);
  EXPECT_DOUBLE_EQ(band.time_us_high, slow.time_us);
  EXPECT_GT(slow.time_us, band.best.time_us + 4.0);  // and more than the fixed-cost member's +4 us
  EXPECT_DOUBLE_EQ(band.bandwidth_gbps_low, slow.bandwidth_gbps);
  EXPECT_DOUBLE_EQ(band.bandwidth_gbps_high, band.best.bandwidth_gbps);

  q.mode = "normal";  // within a node: the SM member is felt, the RDMA one is not
  q.ep = 8;
  q.tokens = 256;
  q.sms = 4;  // few enough SMs that they are the limit
  const auto normal = run_alltoall_band(cluster, q);
  EXPECT_EQ(normal.simulations, 2U);
  const auto sm_low = run_alltoall(cluster.with_calibration(cluster.calibration.consistent_set[2].values), q);
  EXPECT_DOUBLE_EQ(normal.time_us_high, sm_low.time_us);
}

TEST(DeepEpPredictions, AreTheBandedRunsWhateverTheWorkers) {
  auto cluster = cluster_with(0.9, 60.0, 5.0);
  auto member = cluster.calibration.values;
  member.rdma_efficiency = 0.8;
  cluster.calibration.consistent_set = {{"best fit", 0.0, cluster.calibration.values}, {"rdma low", 0.5, member}};
  std::vector<MeasuredAllToAll> rows{row("low-latency", CommOp::kDispatch, 16, 32, DeepEpMetric::kLatencyUs),
                                     row("normal", CommOp::kCombine, 8, 128, DeepEpMetric::kBandwidthGbps)};
  const auto serial = predict_deepep_rows(cluster, rows, 1);
  const auto forked = predict_deepep_rows(cluster, rows, 2);
  ASSERT_EQ(serial.size(), 2U);
  const auto ll = run_alltoall_band(cluster, rows[0].request);
  EXPECT_EQ(serial[0].predicted, ll.best.time_us);
  EXPECT_EQ(serial[0].low, ll.time_us_low);
  EXPECT_EQ(serial[0].high, ll.time_us_high);
  EXPECT_LT(serial[0].low, serial[0].high);  // the RDMA member is felt by a low-latency row
  const auto normal = run_alltoall_band(cluster, rows[1].request);
  EXPECT_EQ(serial[1].predicted, normal.best.bandwidth_gbps);
  EXPECT_EQ(serial[1].low, normal.bandwidth_gbps_low);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(forked[i].predicted, serial[i].predicted);
    EXPECT_EQ(forked[i].low, serial[i].low);
    EXPECT_EQ(forked[i].high, serial[i].high);
  }
}

TEST(ClusterCalibration, CachedRowsEqualFreshRuns) {
  const auto base = cluster_with(0.9, 30.0, 5.0);
  std::vector<MeasuredAllToAll> rows{row("low-latency", CommOp::kDispatch, 16, 32, DeepEpMetric::kLatencyUs),
                                     row("normal", CommOp::kDispatch, 8, 256, DeepEpMetric::kBandwidthGbps)};
  rows[1].request.sms = 4;
  ClusterCalibration cal(base, rows);
  ASSERT_EQ(cal.fitted(),
            (std::vector<std::string>{"nvlink_efficiency", "rdma_efficiency", "sm_copy_gbps", "kernel_fixed_us"}));
  // Points that differ from earlier ones only in what a row cannot feel, or in the fixed cost.
  const std::vector<std::vector<double>> points{{0.7, 0.9, 30.0, 5.0},  {0.7, 0.9, 60.0, 5.0}, {0.7, 0.85, 60.0, 5.0},
                                                {0.7, 0.9, 30.0, 11.0}, {0.7, 0.85, 30.0, 2.0}, {0.6, 0.85, 30.0, 2.0},
                                                {0.9, 0.85, 30.0, 2.0}, {0.55, 0.9, 26.0, 5.0}, {0.5, 0.95, 100.0, 1.0}};
  for (const auto& x : points) {
    const auto cached = cal.problem().predict(x);
    const auto fresh_cluster = base.with_calibration(cal.values_at(x));
    for (std::size_t i = 0; i < rows.size(); ++i)
      EXPECT_DOUBLE_EQ(cached[i], predict_deepep_row(fresh_cluster, rows[i]).value)
          << rows[i].request.mode << " at " << x[0] << ", " << x[1] << ", " << x[2] << ", " << x[3];
  }
  // 9 points x 2 rows; the low-latency row never fills NVLink and ignores the SMs, the normal
  // row (4 SMs) ignores the NIC: most points are the same run as an earlier one.
  EXPECT_LE(cal.simulations(), 9U) << "the shortcuts were not taken";
}

TEST(ClusterCalibration, RecoversTheValuesThatGeneratedItsRows) {
  // Rows the model itself predicts at known values, small enough to fit in a test: the fit
  // must find values whose consistent intervals hold the truth, and reproduce the rows.
  // One normal row on few SMs (they limit it) and one on many (NVLink does) pin both rates.
  const auto truth = cluster_with(0.91, 40.0, 7.0, 0.7);
  std::vector<MeasuredAllToAll> rows{
      row("low-latency", CommOp::kDispatch, 8, 64, DeepEpMetric::kLatencyUs),
      row("low-latency", CommOp::kCombine, 16, 64, DeepEpMetric::kLatencyUs),
      row("normal", CommOp::kDispatch, 8, 128, DeepEpMetric::kBandwidthGbps),
      row("normal", CommOp::kCombine, 8, 128, DeepEpMetric::kBandwidthGbps)};
  rows[2].request.sms = 4;
  rows[3].request.sms = 64;
  for (auto& r : rows) r.measured = predict_deepep_row(truth, r).value;
  const auto start = cluster_with(0.8, 60.0, 5.0, 0.8);
  calibration::SectionFitOptions options;
  options.profile_points = 3;
  options.refinements = 3;
  const auto out = calibrate_cluster(start, rows, "synthetic rows", options);
  EXPECT_LT(out.set.best_mape, 0.5);
  const std::vector<double> true_values{0.7, 0.91, 40.0, 7.0};
  for (const auto& in : out.set.intervals) {
    const auto& name = out.fitted.at(in.parameter);
    const auto& p = out.calibration.parameter(name);
    // An interval's ends are located to one grid step halved at each refinement.
    const double resolution =
        (p.hi - p.lo) / static_cast<double>(options.profile_points - 1) / std::pow(2.0, options.refinements);
    const double t = true_values.at(in.parameter);
    EXPECT_LE(in.lo - resolution, t) << name;
    EXPECT_GE(in.hi + resolution, t) << name;
    EXPECT_LT(in.hi - in.lo, 0.5 * (p.hi - p.lo)) << name << ": the rows pin every fitted parameter";
  }
  const auto& p = out.calibration.parameter("rdma_efficiency");
  EXPECT_NEAR(p.value, 0.91, 0.02);
  EXPECT_EQ(out.calibration.fitted_on, "synthetic rows");
  EXPECT_FALSE(out.calibration.consistent_set.empty());
}

}  // namespace
}  // namespace codesim::network
