// demote_harmful: the demotion formula on hand-built candidates, and its collateral counts.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

std::unique_ptr<Intervention> MakeDemote(double threshold, double weight) {
  const auto* e = InterventionRegistry::Get().Find("demote_harmful");
  EXPECT_NE(e, nullptr);
  Params p = Params::Defaults(e->spec);
  p.Set("threshold", threshold);
  p.Set("weight", weight);
  return e->factory(p);
}

// harm scores .75 (news reporting the classifier confuses), 1 (extremist), .2, .5 (borderline at the threshold)
std::shared_ptr<const Catalog> Items() {
  CatalogData data;
  data.dim = 2;
  data.embeddings = {1, 0, 0, 1, 1, 1, 1, -1};
  data.labels = {Label::kNewsReporting, Label::kExtremist, Label::kMainstream, Label::kBorderline};
  data.extremity = {0.1f, 0.9f, 0.f, 0.5f};
  data.harm_score = {0.75f, 1.f, 0.2f, 0.5f};
  return std::make_shared<const Catalog>(std::move(data), "harm");
}

TEST(DemoteHarmfulTest, ScoresDropByTheFormulaWhateverTheirSign) {
  auto cat = Items();
  VectorIndex index(*cat, {});
  ItemState items(4);
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  SlateBatch b;
  b.Reserve(1, 2, 5, 4);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {0, 1, 2, 3, -1};
  b.cand_sim = {0, 0, 0, 0, -INFINITY};
  b.cand_score = {0.3f, -0.2f, 0.1f, -0.5f, -INFINITY};
  auto iv = MakeDemote(0.5, 2.0);
  const TruthChannels channels(*cat);
  iv->Init({ctx_view, index, channels, 1, 0, 1, b.k, b.slate_size, "arm", 1, 0, InterventionPurpose(0)});
  iv->BeginStep(ctx);
  iv->OnScores(ctx, b);
  // penalty 2 (h - .5) / .5: h .75 -> 1, h 1 -> 2, h .2 and h .5 -> 0
  EXPECT_FLOAT_EQ(b.cand_score[0], 0.3f - 1.f);
  EXPECT_FLOAT_EQ(b.cand_score[1], -0.2f - 2.f);
  EXPECT_FLOAT_EQ(b.cand_score[2], 0.1f);
  EXPECT_FLOAT_EQ(b.cand_score[3], -0.5f);
  EXPECT_EQ(b.cand_score[4], -INFINITY);
  CutSlates(b);
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.end()), (std::vector<int64_t>{2, 3, 0, 1}));
  // 4 filled candidates, 2 demoted: one extremist (harmful), one news report (collateral)
  double row[3];
  ASSERT_EQ(iv->Columns().size(), 3u);
  iv->WriteMetrics(ctx, *cat, row);
  EXPECT_DOUBLE_EQ(row[0], 0.5);
  EXPECT_DOUBLE_EQ(row[1], 0.5);
  EXPECT_DOUBLE_EQ(row[2], 0.5);
}

TEST(DemoteHarmfulTest, NothingDemotedGivesNanShares) {
  auto cat = Items();
  VectorIndex index(*cat, {});
  ItemState items(4);
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  SlateBatch b;
  b.Reserve(1, 2, 2, 2);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {2, 3};
  b.cand_sim = {0, 0};
  b.cand_score = {1.f, 2.f};
  auto iv = MakeDemote(0.5, 2.0);
  const TruthChannels channels(*cat);
  iv->Init({ctx_view, index, channels, 1, 0, 1, b.k, b.slate_size, "arm", 1, 0, InterventionPurpose(0)});
  iv->BeginStep(ctx);
  iv->OnScores(ctx, b);
  double row[3];
  iv->WriteMetrics(ctx, *cat, row);
  EXPECT_DOUBLE_EQ(row[0], 0.0);
  EXPECT_TRUE(std::isnan(row[1]));
  EXPECT_TRUE(std::isnan(row[2]));
  // a step without candidates: every share is undefined
  iv->BeginStep(ctx);
  iv->WriteMetrics(ctx, *cat, row);
  EXPECT_TRUE(std::isnan(row[0]));
}

}  // namespace
}  // namespace counterpoint
