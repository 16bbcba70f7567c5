// Lowering of the workloads layer's operators into kernel plans: which kernels each operator
// kind becomes, and which a proposal's switches remove.
#include <gtest/gtest.h>

#include <stdexcept>

#include "emulator/kernels/operator_lowering.hpp"

namespace k = codesim::kernels;
namespace wl = codesim::workloads;

namespace {
constexpr int kSms = 132;
constexpr int kSmem = 232448;  // H800 opt-in shared memory per block

wl::Operator elementwise(wl::OperatorKind kind) {
  wl::Operator op;
  op.kind = kind;
  op.name = "x";
  op.rows = 4096;
  op.cols = 7168;
  return op;
}

wl::Operator grouped(std::vector<std::int64_t> m, std::vector<std::int64_t> kk, const char* layout) {
  wl::Operator op;
  op.kind = wl::OperatorKind::kGroupedGemm;
  op.name = "routed.up";
  op.m = std::move(m);
  op.n = 4096;
  op.k = std::move(kk);
  op.layout = layout;
  return op;
}
}  // namespace

TEST(OperatorLowering, ElementwiseOperatorsAreOneKernelEach) {
  for (const auto kind : {wl::OperatorKind::kQuantize, wl::OperatorKind::kSwigluQuantize,
                          wl::OperatorKind::kSwigluBackward, wl::OperatorKind::kCastTranspose}) {
    const auto plans = k::lower_operator(elementwise(kind), {}, kSms, kSmem);
    ASSERT_EQ(plans.size(), 1U) << wl::operator_kind_name(kind);
    EXPECT_EQ(plans[0].name, "x");
  }
}

TEST(OperatorLowering, CommunicationHasNoKernelsAndTransposedGemmRemovesTheCastTranspose) {
  EXPECT_TRUE(k::lower_operator(elementwise(wl::OperatorKind::kDispatch), {}, kSms, kSmem).empty());
  EXPECT_TRUE(k::lower_operator(elementwise(wl::OperatorKind::kCombine), {}, kSms, kSmem).empty());
  k::LoweringFeatures f;
  f.transpose_requantize_pass = false;
  EXPECT_TRUE(k::lower_operator(elementwise(wl::OperatorKind::kCastTranspose), f, kSms, kSmem).empty());
  EXPECT_EQ(k::lower_operator(elementwise(wl::OperatorKind::kQuantize), f, kSms, kSmem).size(), 1U);
}

TEST(OperatorLowering, ContiguousGroupsArePaddedToBlockMAndEmptyGemmsVanish) {
  // 100 + 300 rows padded to 128 + 384 = 512 rows of work: 2*512*N*K useful FLOP.
  const auto plans = k::lower_operator(grouped({100, 300}, {7168}, "contiguous"), {}, kSms, kSmem);
  ASSERT_EQ(plans.size(), 1U);
  EXPECT_DOUBLE_EQ(plans[0].useful_flops, 2.0 * 512 * 4096 * 7168);
  EXPECT_TRUE(k::lower_operator(grouped({0, 0}, {7168}, "masked"), {}, kSms, kSmem).empty());
}

TEST(OperatorLowering, WeightGradientsAreOneGemmPerNonEmptyGroup) {
  // Tokens are K: groups of 0, 200 and 128 tokens give two GEMMs, K padded to 256 and 128.
  const auto plans = k::lower_operator(grouped({7168}, {0, 200, 128}, "dense"), {}, kSms, kSmem);
  ASSERT_EQ(plans.size(), 2U);
  EXPECT_EQ(plans[0].name, "routed.up[1]");
  EXPECT_EQ(plans[1].name, "routed.up[2]");
  EXPECT_DOUBLE_EQ(plans[0].useful_flops, 2.0 * 7168 * 4096 * 256);
  EXPECT_DOUBLE_EQ(plans[1].useful_flops, 2.0 * 7168 * 4096 * 128);
}

TEST(OperatorLowering, BadGemmsNameTheOperator) {
  try {
    (void)k::lower_operator(grouped({128}, {7168}, "diagonal"), {}, kSms, kSmem);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("routed.up"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("diagonal"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)k::lower_operator(grouped({}, {7168}, "masked"), {}, kSms, kSmem), std::invalid_argument);
}
