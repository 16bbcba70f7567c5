// The lowering proposals, by name, through the registry and their hook: what each removes or
// shrinks in the kernels an operator becomes, against the baseline's.
#include <gtest/gtest.h>

#include "emulator/kernels/operator_lowering.hpp"
#include "proposals/proposal.hpp"

namespace k = codesim::kernels;
namespace wl = codesim::workloads;

namespace {
constexpr int kSms = 132;
constexpr int kSmem = 232448;

k::LoweringFeatures features_of(const std::string& spec) {
  const auto p = codesim::proposals::ProposalRegistry::instance().parse(spec);
  k::LoweringFeatures f;
  p.proposal->adjust_lowering(f, p.values);
  return f;
}

wl::Operator elementwise(wl::OperatorKind kind) {
  wl::Operator op;
  op.kind = kind;
  op.name = "x";
  op.rows = 4096;
  op.cols = 7168;
  return op;
}

/// Bytes crossing HBM for the kernels' loads (landed bytes x HBM factor).
double hbm_load_bytes(const std::vector<k::KernelPlan>& plans) {
  double bytes = 0.0;
  for (const auto& plan : plans)
    for (const auto& tile : plan.tiles)
      for (const auto& in : tile.in) bytes += static_cast<double>(in.bytes) * in.hbm_bytes_factor * static_cast<double>(tile.iterations);
  return bytes;
}
}  // namespace

TEST(ProposalLowering, NearMemoryCastHalvesTheBf16ReadOfACast) {
  const auto op = elementwise(wl::OperatorKind::kQuantize);
  const double base = hbm_load_bytes(k::lower_operator(op, features_of("baseline"), kSms, kSmem));
  const double near = hbm_load_bytes(k::lower_operator(op, features_of("near-memory-cast"), kSms, kSmem));
  ASSERT_GT(base, 0.0);
  EXPECT_DOUBLE_EQ(near, base / 2.0);  // FP8 instead of BF16 crosses the interface
  // A kernel that reads no BF16 for a cast is unchanged.
  const auto swiglu = elementwise(wl::OperatorKind::kSwigluBackward);
  EXPECT_DOUBLE_EQ(hbm_load_bytes(k::lower_operator(swiglu, features_of("near-memory-cast"), kSms, kSmem)),
                   hbm_load_bytes(k::lower_operator(swiglu, features_of("baseline"), kSms, kSmem)));
}

TEST(ProposalLowering, TransposedGemmRemovesTheCastTransposePass) {
  const auto op = elementwise(wl::OperatorKind::kCastTranspose);
  EXPECT_EQ(k::lower_operator(op, features_of("baseline"), kSms, kSmem).size(), 1U);
  EXPECT_TRUE(k::lower_operator(op, features_of("transposed-gemm"), kSms, kSmem).empty());
}

TEST(ProposalLowering, TmaFusedCastFlipsItsSwitchButNoWorkloadOperatorReadsItYet) {
  // Known gap (issue 15): today's quantise operators feed the FP8 wire, not a GEMM, so the
  // switch the proposal flips changes no kernel. This test pins both facts; it fails when a
  // lowering starts reading the switch, which is the moment to replace it by an effect test.
  EXPECT_TRUE(features_of("baseline").separate_quantize_pass);
  EXPECT_FALSE(features_of("tma-fused-cast").separate_quantize_pass);
  const auto op = elementwise(wl::OperatorKind::kQuantize);
  EXPECT_EQ(hbm_load_bytes(k::lower_operator(op, features_of("tma-fused-cast"), kSms, kSmem)),
            hbm_load_bytes(k::lower_operator(op, features_of("baseline"), kSms, kSmem)));
}
