// Slate cutting, rankers and learning from clicks.
#include "recommender/recommender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "test_util.h"

namespace counterpoint {
namespace {

using testing::MakeCatalog;

TEST(CutSlatesTest, OrdersByScoreThenSimilarityThenIdAndPadsEmpty) {
  SlateBatch b;
  b.Reserve(1, 2, 5, 4);
  b.n = 1;
  b.cand_ids = {7, 3, -1, 9, 4};
  b.cand_score = {0.5f, 0.9f, -INFINITY, 0.5f, 0.5f};
  b.cand_sim = {0.1f, 0.0f, -INFINITY, 0.3f, 0.1f};
  CutSlates(b);
  // 3 (best score); then 9 (higher sim); then 4 before 7 (same sim, lower id)
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.begin() + 4), (std::vector<int64_t>{3, 9, 4, 7}));
  b.cand_ids = {7, -1, -1, -1, -1};
  CutSlates(b);
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.begin() + 4), (std::vector<int64_t>{7, -1, -1, -1}));
}

TEST(CutSlatesTest, TakesTheSortedPoolsBestOnRandomPoolsWithTies) {
  // 200 users x 60 candidates: scores and similarities on coarse grids of both signs (with
  // -0 and +0, -inf), some slots empty, ids distinct per user; slates of 7 (and of 60, more
  // than the filled candidates, for the last users). The reference sorts the whole pool.
  const int64_t users = 200;
  const int k = 60;
  const CounterRng rng(5, 0, 0, Purpose::kIndexTraining);
  for (const int slate : {7, 60}) {
    SlateBatch b;
    b.Reserve(users, 1, k, slate);
    b.n = users;
    for (int64_t u = 0; u < users; ++u)
      for (int j = 0; j < k; ++j) {
        const uint64_t at = (u * k + j) * 4;
        const float grid[] = {-1.f, -0.f, 0.f, 0.5f, 1.f, -INFINITY};
        b.cand_ids[u * k + j] = rng.Below(at, 8) == 0 ? -1 : (u * 13 + j * 7) % 101;
        b.cand_score[u * k + j] = grid[rng.Below(at + 1, 6)];
        b.cand_sim[u * k + j] = grid[rng.Below(at + 2, 5)];
      }
    CutSlates(b);
    for (int64_t u = 0; u < users; ++u) {
      const int64_t* ids = b.cand_ids.data() + u * k;
      const float* score = b.cand_score.data() + u * k;
      const float* sim = b.cand_sim.data() + u * k;
      std::vector<int> pos;
      for (int j = 0; j < k; ++j)
        if (ids[j] >= 0) pos.push_back(j);
      std::sort(pos.begin(), pos.end(), [&](int a, int c) {
        if (score[a] != score[c]) return score[a] > score[c];
        if (sim[a] != sim[c]) return sim[a] > sim[c];
        return ids[a] < ids[c];
      });
      for (int j = 0; j < slate; ++j) {
        const bool filled = j < static_cast<int>(pos.size());
        ASSERT_EQ(b.Slate(u)[j], filled ? ids[pos[j]] : -1) << "user " << u << " slot " << j;
        ASSERT_EQ(b.slate_score[u * slate + j], filled ? score[pos[j]] : -INFINITY) << "user " << u;
      }
    }
  }
}

// a catalog of 6 items on a circle in 2-d
std::shared_ptr<const Catalog> Circle() {
  std::vector<float> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(std::cos(i * 0.5f)), rows.push_back(std::sin(i * 0.5f));
  CatalogData data;
  data.dim = 2;
  data.embeddings = rows;
  data.labels.assign(6, Label::kMainstream);
  data.extremity.assign(6, 0.f);
  data.upload_step = {0, -3, 2, -1, 5, 1};
  return std::make_shared<const Catalog>(std::move(data));
}

std::unique_ptr<Ranker> MakeRanker(const std::string& name) {
  const auto* e = RankerRegistry::Get().Find(name);
  return e->factory(Params::Defaults(e->spec));
}

TEST(RankerTest, EngagementScoreIsItsFormula) {
  auto cat = Circle();
  VectorIndex index(*cat, {});
  ItemState items(6);
  items.clicks = {0, 10, 0, 3, 0, 0};
  items.impressions = {0, 20, 5, 30, 0, 0};
  items.max_clicks = 10;
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 3, 1};
  SlateBatch b;
  b.Reserve(1, 2, 3, 2);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {1, 2, 3};
  b.cand_sim = {0.2f, 0.4f, 0.6f};
  auto r = MakeRanker("engagement");
  r->BeginStep(ctx);
  r->Score(ctx, b);
  // defaults: w_rel 1, w_ctr 8, w_pop 0.2, prior 1 click / 20 impressions
  auto expect = [&](int j, double clicks, double impr) {
    return 1.0 * b.cand_sim[j] + 8.0 * (clicks + 1) / (impr + 20) + 0.2 * std::log1p(clicks) / std::log1p(10.0);
  };
  EXPECT_NEAR(b.cand_score[0], expect(0, 10, 20), 1e-5);
  EXPECT_NEAR(b.cand_score[1], expect(1, 0, 5), 1e-5);
  EXPECT_NEAR(b.cand_score[2], expect(2, 3, 30), 1e-5);
}

// engagement ranker with only the CTR term (w_rel = w_pop = 0) and the given debiasing
std::unique_ptr<Ranker> CtrOnlyRanker(const std::string& debias) {
  const auto* e = RankerRegistry::Get().Find("engagement");
  Params p = Params::Defaults(e->spec);
  p.Set("relevance_weight", 0.0);
  p.Set("popularity_weight", 0.0);
  p.Set("ctr_debias", debias);
  return e->factory(p);
}

TEST(RankerTest, CtrDebiasingDividesClicksByExpectedExaminations) {
  auto cat = Circle();
  VectorIndex index(*cat, {});
  ItemState items(6);
  // step 0: users 0 and 1 see item 1 at position 0; user 0 sees 3 at position 1, user 1 sees 2 at position 2
  SlateBatch shown;
  shown.Reserve(2, 2, 3, 3);
  shown.n = 2;
  shown.slate = {1, 3, 4, 1, 5, 2};
  // clicks 1 on item 1, 1 on item 2; impressions as every slot counts: 2, 1, 1 for items 1, 2, 3
  items.clicks = {0, 1, 1, 0, 0, 0};
  items.impressions = {0, 2, 1, 1, 1, 1};
  items.max_clicks = 1;
  SlateBatch b;
  b.Reserve(1, 2, 3, 3);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {1, 2, 3};
  b.cand_sim = {0.f, 0.f, 0.f};
  const ItemState before(6);
  const PlatformView view(*cat);
  const RecContext step0{view, index, before, 0, 1}, step1{view, index, items, 1, 1};
  // examination (eta 1): E_1 = 1 + 1 = 2, E_2 = 1/3, E_3 = 1/2; CTR = (c + 1) / (E + 20), times w_ctr 8
  auto debiased = CtrOnlyRanker("examination");
  debiased->BeginStep(step0);
  debiased->ObserveSlates(step0, shown);
  debiased->BeginStep(step1);
  debiased->Score(step1, b);
  EXPECT_NEAR(b.cand_score[0], 0.7272727272727273, 1e-6);  // 8 * 2 / 22
  EXPECT_NEAR(b.cand_score[1], 0.7868852459016394, 1e-6);  // 8 * 2 / (20 + 1/3)
  EXPECT_NEAR(b.cand_score[2], 0.3902439024390244, 1e-6);  // 8 * 1 / 20.5
  // none: every slot shown is an impression: 8 * 2 / 22, 8 * 2 / 21, 8 * 1 / 21
  auto plain = CtrOnlyRanker("none");
  plain->BeginStep(step0);
  plain->ObserveSlates(step0, shown);
  plain->BeginStep(step1);
  plain->Score(step1, b);
  EXPECT_NEAR(b.cand_score[0], 0.7272727272727273, 1e-6);
  EXPECT_NEAR(b.cand_score[1], 0.7619047619047619, 1e-6);
  EXPECT_NEAR(b.cand_score[2], 0.38095238095238093, 1e-6);
}

TEST(RankerTest, RelevanceScoreIsTheSimilarityAlone) {
  auto cat = Circle();
  VectorIndex index(*cat, {});
  ItemState items(6);
  items.clicks = {0, 50, 0, 0, 0, 0};
  items.impressions = {0, 60, 0, 0, 0, 0};
  items.max_clicks = 50;
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 3, 1};
  SlateBatch b;
  b.Reserve(1, 2, 3, 2);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {1, 2, -1};
  b.cand_sim = {0.25f, 0.5f, -INFINITY};
  auto r = MakeRanker("relevance");
  r->BeginStep(ctx);
  r->Score(ctx, b);
  EXPECT_EQ(b.cand_score[0], 0.25f);  // clicks and popularity do not count
  EXPECT_EQ(b.cand_score[1], 0.5f);
  EXPECT_EQ(b.cand_score[2], -INFINITY);
}

TEST(RankerTest, ChronologicalShowsNewestFirst) {
  auto cat = Circle();
  VectorIndex index(*cat, {});
  ItemState items(6);
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  SlateBatch b;
  b.Reserve(1, 2, 6, 6);
  b.n = 1;
  int32_t user = 3;
  b.users = &user;
  b.cand_ids = {0, 1, 2, 3, 4, 5};
  b.cand_sim.assign(6, 0.f);
  MakeRanker("chronological")->Score(ctx, b);
  CutSlates(b);
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.end()), (std::vector<int64_t>{4, 2, 5, 0, 3, 1}));
}

TEST(RankerTest, RandomRankerIsAPermutationKeyedByUserAndStep) {
  auto cat = Circle();
  VectorIndex index(*cat, {});
  ItemState items(6);
  auto order = [&](int32_t user, int64_t step) {
    const PlatformView ctx_view(*cat);
    const RecContext ctx{ctx_view, index, items, step, 1};
    SlateBatch b;
    b.Reserve(1, 2, 6, 6);
    b.n = 1;
    b.users = &user;
    b.cand_ids = {0, 1, 2, 3, 4, 5};
    b.cand_sim.assign(6, 0.f);
    MakeRanker("random")->Score(ctx, b);
    CutSlates(b);
    return b.slate;
  };
  EXPECT_EQ(order(1, 1), order(1, 1));
  auto sorted = order(1, 1);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  int differ = 0;
  for (int s = 2; s < 12; ++s) differ += order(1, s) != order(1, 1);
  EXPECT_GE(differ, 8);
}

Recommender MakeRec(const std::string& learner, double lr) {
  RecommenderOptions o;
  o.learner = learner;
  o.learning_rate = lr;
  o.learner_temperature = 2.0;
  return Recommender(nullptr, nullptr, {}, o);
}

TEST(LearnTest, ClickAverageIsAnExponentialMovingAverage) {
  auto cat = MakeCatalog(2, {1, 0, 0, 1}, {Label::kMainstream, Label::kMainstream}, {0, 0});
  float est[2] = {1, 0};
  const int64_t slate[2] = {0, 1}, click = 1;
  MakeRec("click_average", 0.25).Learn(PlatformView(*cat), slate, nullptr, 2, &click, 1, est);
  const double n = std::hypot(0.75, 0.25);
  EXPECT_NEAR(est[0], 0.75 / n, 1e-6);
  EXPECT_NEAR(est[1], 0.25 / n, 1e-6);
}

TEST(LearnTest, ChoiceGradientIsClickedMinusExpected) {
  auto cat = MakeCatalog(2, {1, 0, 0, 1}, {Label::kMainstream, Label::kMainstream}, {0, 0});
  float est[2] = {1, 0};
  const int64_t slate[2] = {0, 1}, click = 1;
  MakeRec("choice_gradient", 0.5).Learn(PlatformView(*cat), slate, nullptr, 2, &click, 1, est);
  // p = softmax(2 * (1, 0)); gradient = x1 - (p0 x0 + p1 x1)
  const double p0 = std::exp(2.0) / (std::exp(2.0) + 1), p1 = 1 - p0;
  const double a = 1 + 0.5 * (0 - p0), c = 0.5 * (1 - p1), n = std::hypot(a, c);
  EXPECT_NEAR(est[0], a / n, 1e-6);
  EXPECT_NEAR(est[1], c / n, 1e-6);
  // no click, no change
  float same[2] = {0.6f, 0.8f};
  MakeRec("choice_gradient", 0.5).Learn(PlatformView(*cat), slate, nullptr, 2, &click, 0, same);
  EXPECT_FLOAT_EQ(same[0], 0.6f);
}

TEST(LearnTest, ChoiceGradientOfATwoClickSessionRemovesTheFirstClickFromTheSecondChoice) {
  // x0 = (1, 0), x1 = (0, 1), x2 = (0.6, 0.8); e = (1, 0), T = 2, lr = 0.5; clicks 2 then 1.
  // click 2 among {0, 1, 2}, click 1 among {0, 1}, softmax weights exp(T <e, x>) at the old e;
  // computed independently (numpy): normalise(e + 0.5 * (g1 + g2)) = (0.55707372, 0.83046305)
  auto cat = MakeCatalog(2, {1, 0, 0, 1, 0.6f, 0.8f}, std::vector<Label>(3, Label::kMainstream), {0, 0, 0});
  float est[2] = {1, 0};
  const int64_t slate[3] = {0, 1, 2}, clicks[2] = {2, 1};
  MakeRec("choice_gradient", 0.5).Learn(PlatformView(*cat), slate, nullptr, 3, clicks, 2, est);
  EXPECT_NEAR(est[0], 0.55707372, 1e-6);
  EXPECT_NEAR(est[1], 0.83046305, 1e-6);
}

}  // namespace
}  // namespace counterpoint
