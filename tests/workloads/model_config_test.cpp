// Model files against the published figures: DeepSeek-V3's derived sizes from
// ../shared/notes/deepseek-v3.md §A (each formula written out here, independently of the
// library), and the published totals of every catalogued model.
#include <gtest/gtest.h>

#include <cmath>

#include "workloads/config/workload_catalog.hpp"

namespace codesim::workloads {
namespace {

TEST(DeepSeekV3Model, ExpertHas44040192Parameters) {
  const auto m = load_model("deepseek-v3");
  EXPECT_EQ(m.expert_parameters(), 44'040'192);  // 3 * 7168 * 2048, notes §A
}

TEST(DeepSeekV3Model, MlaWeightsPerLayerMatchTheNotes) {
  const auto m = load_model("deepseek-v3");
  // 7168*1536 + 1536*(128*192) + 7168*(512+64) + 512*(128*(128+128)) + (128*128)*7168
  EXPECT_EQ(m.attention_parameters_per_layer(), 187'105'280);
}

TEST(DeepSeekV3Model, TotalAndActivatedParametersMatch671BAnd37B) {
  const auto m = load_model("deepseek-v3");
  // notes §A: 2*(129280*7168) + 61*MLA + 3*dense FFN + 58*(257*expert + 256*7168).
  const std::int64_t embed = 2LL * 129'280 * 7168;
  const std::int64_t total = embed + 61LL * 187'105'280 + 3LL * 396'361'728 + 58LL * (257LL * 44'040'192 + 256LL * 7168);
  const std::int64_t active = embed + 61LL * 187'105'280 + 3LL * 396'361'728 + 58LL * (9LL * 44'040'192 + 256LL * 7168);
  EXPECT_EQ(m.total_parameters(), total);
  EXPECT_EQ(m.activated_parameters(), active);
  EXPECT_NEAR(static_cast<double>(m.total_parameters()) / 1e9, 671.0, 0.5);      // [V3]: 671B
  EXPECT_NEAR(static_cast<double>(m.activated_parameters()) / 1e9, 37.55, 0.01);  // notes: 37.55B with head
}

TEST(DeepSeekV3Model, KvCacheIs70272BytesPerToken) {
  const auto m = load_model("deepseek-v3");
  EXPECT_EQ(m.kv_cache_bytes_per_token(2), 70'272);  // (512+64)*2*61, [ISCA] Table 1
}

TEST(DeepSeekV3Model, RouterIsTheNodeLimitedSigmoidGate) {
  const auto m = load_model("deepseek-v3");
  EXPECT_EQ(m.router.gate, "deepseek-v3");
  EXPECT_EQ(m.router.groups, 8);
  EXPECT_EQ(m.router.topk_groups, 4);
  EXPECT_EQ(m.router.group_score_experts, 2);
  EXPECT_DOUBLE_EQ(m.router.scaling_factor, 2.5);
  EXPECT_EQ(m.moe_layers(), 58);
  EXPECT_EQ(m.weight_format, "e4m3");
  EXPECT_EQ(m.weight_block, 128);
  EXPECT_EQ(m.activation_tile, 128);
}

// Every catalogued model states its source and its published totals, and the counts derived
// from its configuration land within 2% of them (norm vectors and MTP modules are left out,
// and the published figures are rounded).
TEST(ModelCatalogue, EveryModelMatchesItsPublishedTotals) {
  const auto names = model_names();
  ASSERT_GE(names.size(), 3U);
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    const auto m = load_model(n);
    EXPECT_FALSE(m.source.empty());
    ASSERT_TRUE(m.published_total_parameters.has_value());
    ASSERT_TRUE(m.published_activated_parameters.has_value());
    EXPECT_NEAR(static_cast<double>(m.total_parameters()) / *m.published_total_parameters, 1.0, 0.02);
    EXPECT_NEAR(static_cast<double>(m.activated_parameters()) / *m.published_activated_parameters, 1.0, 0.02);
  }
}

TEST(ModelCatalogue, GqaKvCacheFollowsHeadsAndLayers) {
  const auto q = load_model("qwen3-235b-a22b");
  EXPECT_EQ(q.kv_cache_bytes_per_token(2), 94LL * 2 * 4 * 128 * 2);
  const auto x = load_model("mixtral-8x22b");
  EXPECT_EQ(x.kv_cache_bytes_per_token(2), 56LL * 2 * 8 * 128 * 2);
}

}  // namespace
}  // namespace codesim::workloads
