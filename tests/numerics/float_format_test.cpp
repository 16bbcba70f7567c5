#include <gtest/gtest.h>

#include "emulator/numerics/float_format.hpp"

namespace codesim::numerics {
namespace {
TEST(FloatFormat, E4M3Limits) {
  const auto& f = FloatFormat::e4m3();
  EXPECT_EQ(to_double(0x7E, f), 448.0);
  EXPECT_EQ(to_double(0x01, f), 0x1p-9);
}
}  // namespace
}  // namespace codesim::numerics
