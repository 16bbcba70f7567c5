// Reports register themselves by name: the numerics report is found, described, and refuses
// an output path that is not a folder before computing anything (the registry passes the
// request through unchanged).
#include <gtest/gtest.h>

#include <fstream>

#include "reports/report_kind.hpp"
#include "tests/support/temp_folder.hpp"

namespace codesim::reports {
namespace {

TEST(ReportRegistry, TheNumericsReportIsRegistered) {
  const auto* kind = ReportRegistry::instance().find("numerics");
  ASSERT_NE(kind, nullptr) << "known: " << ReportRegistry::instance().known_names();
  EXPECT_NE(kind->summary.find("FP8"), std::string::npos);
  EXPECT_NE(kind->files.find("report.md"), std::string::npos);
  EXPECT_EQ(ReportRegistry::instance().find("network"), nullptr);
}

TEST(ReportRegistry, AReportRefusesAFileAsItsFolder) {
  testing::TempFolder dir;
  const auto file = dir.file("not-a-folder");
  std::ofstream(file) << "x";
  ReportRequest r;
  r.out = file;
  EXPECT_ANY_THROW(ReportRegistry::instance().at("numerics").write(r));
}

}  // namespace
}  // namespace codesim::reports
