// Observer formulas against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "simulator/observers/observer.h"
#include "test_util.h"

namespace counterpoint {
namespace {

TEST(ObserverMathTest, GiniClosedForms) {
  std::vector<int64_t> scratch;
  EXPECT_DOUBLE_EQ(Gini({5, 5, 5, 5}, scratch), 0.0);
  // one item holds everything: G = (n - 1) / n
  EXPECT_DOUBLE_EQ(Gini({0, 0, 0, 8}, scratch), 0.75);
  // {1, 2, 3}: G = sum |xi - xj| / (2 n^2 mean) = 8 / (2 * 9 * 2) = 2/9
  EXPECT_NEAR(Gini({3, 1, 2}, scratch), 2.0 / 9.0, 1e-12);
  EXPECT_TRUE(std::isnan(Gini({0, 0}, scratch)));  // no impressions at all: undefined, not equal
}

TEST(ObserverMathTest, EntropyInBits) {
  EXPECT_DOUBLE_EQ(EntropyBits({4, 4, 4, 4}), 2.0);
  EXPECT_DOUBLE_EQ(EntropyBits({9, 0, 0}), 0.0);
  EXPECT_TRUE(std::isnan(EntropyBits({0, 0})));
  EXPECT_NEAR(EntropyBits({1, 3}), -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75)), 1e-12);
}

TEST(ObserverMathTest, QuantileInterpolatesLinearly) {
  std::vector<double> v = {4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5), 3.0);
  v = {4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.1), 1.4);
  v = {4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(Quantile(v, 1.0), 5.0);
}

// a population of 4 users with hand-set histories over a labelled catalog
struct Fixture {
  std::shared_ptr<const Catalog> catalog = testing::MakeCatalog(
      2, {1, 0, 1, 0, 0, 1, 0, 1}, {Label::kMainstream, Label::kNewsReporting, Label::kBorderline, Label::kExtremist},
      {0, 0.1f, 0.5f, 0.9f});
  Population pop;
  ItemState items{4};
  Fixture() {
    pop.n = pop.rows = 4;
    pop.dim = 2;
    pop.AllocateHistory(4, 4);
    pop.interest = {1, 0, 0.6f, 0.8f, 0, 1, 0.8f, 0.6f};
  }
};

std::unique_ptr<Observer> Make(const std::string& name, Params p = {}) {
  const auto* e = ObserverRegistry::Get().Find(name);
  if (p.values().empty()) p = Params::Defaults(e->spec);
  return e->factory(p);
}

TEST(RabbitHoleObserverTest, CountsUsersWhoseRecentConsumptionIsMostlyHarmful) {
  Fixture f;
  // user 0: m m m m (0/4); user 1: x b m (2/3: in a hole); user 2: b m (2 < min_consumed 3);
  // user 3: x x m m n m, the ring keeps the last 4 = m m n m (0/4)
  for (int64_t i : {0, 0, 0, 0}) f.pop.PushHistory(0, i, 0);
  for (int64_t i : {3, 2, 0}) f.pop.PushHistory(1, i, 0);
  for (int64_t i : {2, 0}) f.pop.PushHistory(2, i, 0);
  for (int64_t i : {3, 3, 0, 0, 1, 0}) f.pop.PushHistory(3, i, 0);
  Params p = Params::Defaults(ObserverRegistry::Get().Find("rabbit_hole")->spec);
  p.Set("window", int64_t{4});
  auto obs = Make("rabbit_hole", p);
  const StepView v{*f.catalog, f.pop, f.items, 0, 4};
  double row = -1;
  obs->EndStep(v, &row);
  EXPECT_DOUBLE_EQ(row, 0.25);
}

TEST(RabbitHoleObserverTest, RecencyBoundDropsOldConsumptions) {
  Fixture f;
  // user 0 consumed x b at steps 1, 2 and m at step 8; at step 9 with max_age 3 only the step-8
  // item is recent (9 - 8 < 3; 9 - 2 >= 3), so with min_consumed 1 the user is at 0/1 harmful;
  // without the bound the window holds x b m: 2/3 harmful, in a hole
  f.pop.PushHistory(0, 3, 1);
  f.pop.PushHistory(0, 2, 2);
  f.pop.PushHistory(0, 0, 8);
  const StepView v{*f.catalog, f.pop, f.items, 9, 4};
  Params p = Params::Defaults(ObserverRegistry::Get().Find("rabbit_hole")->spec);
  p.Set("window", int64_t{4});
  p.Set("min_consumed", int64_t{1});
  double row = -1;
  Make("rabbit_hole", p)->EndStep(v, &row);
  EXPECT_DOUBLE_EQ(row, 0.25);
  p.Set("max_age", int64_t{3});
  Make("rabbit_hole", p)->EndStep(v, &row);
  EXPECT_DOUBLE_EQ(row, 0.0);
  // with max_age 8 the step-1 item is 8 steps old and drops out; b m remain: 1/2 harmful, in a hole
  p.Set("max_age", int64_t{8});
  Make("rabbit_hole", p)->EndStep(v, &row);
  EXPECT_DOUBLE_EQ(row, 0.25);
}

TEST(RabbitHoleObserverTest, MinConsumedAboveWindowIsAnError) {
  Params p = Params::Defaults(ObserverRegistry::Get().Find("rabbit_hole")->spec);
  p.Set("window", int64_t{2});
  p.Set("min_consumed", int64_t{3});
  const InputError e = testing::CatchInputError([&] { Make("rabbit_hole", p); });
  EXPECT_TRUE(testing::Contains(e.what(), "min_consumed (3) exceeds window (2)")) << e.what();
}

TEST(DiversityObserverTest, GiniCountsOnlyReleasedItems) {
  Fixture f;
  // items 0..3 with impressions 0, 2, 2, 0; item 3 is uploaded at step 5
  CatalogData data;
  data.dim = 2;
  data.embeddings = {1, 0, 1, 0, 0, 1, 0, 1};
  data.labels.assign(4, Label::kMainstream);
  data.extremity.assign(4, 0.f);
  data.upload_step = {0, 0, -2, 5};
  const Catalog cat(std::move(data), "released");
  f.items.impressions = {0, 2, 2, 0};
  auto obs = Make("diversity");
  double row[2];
  // at step 1 the released counts are 0, 2, 2: G = ((1-3-1)*0 + (4-3-1)*2 + (6-3-1)*2) / (3*4) = 1/3
  const StepView early{cat, f.pop, f.items, 1, 0};
  obs->BeginStep(early);
  obs->EndStep(early, row);
  EXPECT_NEAR(row[1], 1.0 / 3, 1e-12);
  // at step 5 all four: sorted 0, 0, 2, 2: G = ((5-4)*2 + (7-4)*2) / (4*4) = 0.5
  const StepView late{cat, f.pop, f.items, 5, 0};
  obs->BeginStep(late);
  obs->EndStep(late, row);
  EXPECT_NEAR(row[1], 0.5, 1e-12);
}

TEST(ExtremityObserverTest, MeanAndQuantilesOfProjections) {
  Fixture f;
  // direction estimated from the catalog: sum_i (e_i - mean e) x_i = (-0.65, 0.65), normalised
  ASSERT_NEAR(f.catalog->extremity_direction()[0], -std::sqrt(0.5), 1e-6);
  ASSERT_NEAR(f.catalog->extremity_direction()[1], std::sqrt(0.5), 1e-6);
  auto obs = Make("extremity");
  const StepView v{*f.catalog, f.pop, f.items, 0, 4};
  double row[4];
  obs->EndStep(v, row);
  std::vector<double> proj;
  double mean = 0;
  for (int u = 0; u < 4; ++u) proj.push_back(f.catalog->Project(f.pop.Interest(u))), mean += proj.back() / 4;
  EXPECT_NEAR(row[0], mean, 1e-12);
  EXPECT_NEAR(row[2], Quantile(proj, 0.5), 1e-12);
}

TEST(ExposureObserverTest, SharesByLabel) {
  Fixture f;
  auto obs = Make("exposure");
  const StepView v{*f.catalog, f.pop, f.items, 0, 2};
  SlateBatch b;
  b.Reserve(2, 2, 3, 3);
  b.n = 2;
  b.slate = {0, 1, 2, 3, 3, -1};  // 5 impressions: 3 harmful, 2 extremist, 1 news
  b.SlateProvenance(0)[0] = static_cast<uint8_t>(Provenance::kInjected);  // item 0 (mainstream) injected
  const int32_t users[2] = {0, 2};
  b.users = users;
  ChoiceBuffer ch;
  ch.Reserve(2, 2);
  ch.n_clicks = {2, 1};
  ch.clicks = {0, 1, 3, -1};  // user 0 reads the news report (item 1)
  obs->BeginStep(v);
  obs->ObserveBatch(v, b, ch);
  ASSERT_EQ(obs->Columns().size(), 9u);
  std::vector<double> row(obs->Columns().size());
  obs->EndStep(v, row.data());
  EXPECT_DOUBLE_EQ(row[0], 3.0 / 5);
  EXPECT_DOUBLE_EQ(row[1], 2.0 / 5);
  EXPECT_DOUBLE_EQ(row[2], 0.0);
  EXPECT_DOUBLE_EQ(row[3], 1.0 / 5);
  EXPECT_DOUBLE_EQ(row[4], 1.0 / 3);  // clicks 0, 1, 3: one harmful
  EXPECT_DOUBLE_EQ(row[5], 0.5);      // users 0 and 2 of 4 were shown harmful content
  EXPECT_DOUBLE_EQ(row[6], 3.0 / 4);  // the ranker's 4 slots, 3 of them harmful
  EXPECT_DOUBLE_EQ(row[7], 1.0 / 4);  // one news click among 4 users
  EXPECT_DOUBLE_EQ(row[8], 3.0 / 4);  // 3 harmful impressions among 4 users
  // a step without impressions has no shares: NaN, not 0
  obs->BeginStep(v);
  std::vector<double> empty(obs->Columns().size());
  obs->EndStep(v, empty.data());
  EXPECT_TRUE(std::isnan(empty[0]));
  EXPECT_TRUE(std::isnan(empty[6]));
  EXPECT_DOUBLE_EQ(empty[5], 0.5);   // reach is cumulative
  EXPECT_DOUBLE_EQ(empty[7], 0.25);  // and so are news clicks
  EXPECT_DOUBLE_EQ(empty[8], 0.75);  // and harmful impressions
}

TEST(SlateDiversityObserverTest, MeanSlateEntropyAndIntraListSimilarityByHand) {
  // 2-d unit vectors e0 = (1, 0), e1 = (0, 1), e2 = (1, 0), e3 = (0.6, 0.8); topics 0, 1, 0, 2
  const auto catalog = testing::MakeCatalog(2, {1, 0, 0, 1, 1, 0, 0.6f, 0.8f},
                                            std::vector<Label>(4, Label::kMainstream), {0, 0, 0, 0}, {0, 1, 0, 2});
  const Catalog& cat = *catalog;
  Population pop;
  pop.n = pop.rows = 4;
  ItemState items{4};
  const StepView v{cat, pop, items, 0, 4};
  SlateBatch b;
  b.Reserve(4, 2, 3, 3);
  b.n = 4;
  // slate 0: e0 e1 e2 (topics 0 1 0; pairs 0 + 1 + 0); slate 1: e3 e0 (topics 2 0; pair 0.6);
  // slate 2: e1 alone (entropy 0, no pair); slate 3: empty (not a slate)
  b.slate = {0, 1, 2, 3, -1, 0, -1, 1, -1, -1, -1, -1};
  const int32_t users[4] = {0, 1, 2, 3};
  b.users = users;
  ChoiceBuffer ch;
  ch.Reserve(4, 1);
  auto obs = Make("slate_diversity");
  obs->BeginStep(v);
  obs->ObserveBatch(v, b, ch);
  double row[2];
  obs->EndStep(v, row);
  const double h0 = -(2.0 / 3 * std::log2(2.0 / 3) + 1.0 / 3 * std::log2(1.0 / 3));
  EXPECT_NEAR(row[0], (h0 + 1.0 + 0.0) / 3, 1e-12);
  EXPECT_NEAR(row[1], (1.0 / 3 + 0.6) / 2, 1e-7);  // 0.6f and 0.8f are floats
  // the same slates in two batches give the same bits (sums in user order)
  obs->BeginStep(v);
  b.n = 2;
  obs->ObserveBatch(v, b, ch);
  SlateBatch rest;
  rest.Reserve(2, 2, 3, 3);
  rest.n = 2;
  rest.slate = {1, -1, -1, -1, -1, -1};
  rest.users = users + 2;
  obs->ObserveBatch(v, rest, ch);
  double again[2];
  obs->EndStep(v, again);
  EXPECT_EQ(again[0], row[0]);
  EXPECT_EQ(again[1], row[1]);
}

}  // namespace
}  // namespace counterpoint
