// Observer formulas against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "simulator/observer.h"
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
  EXPECT_DOUBLE_EQ(Gini({0, 0}, scratch), 0.0);
}

TEST(ObserverMathTest, EntropyInBits) {
  EXPECT_DOUBLE_EQ(EntropyBits({4, 4, 4, 4}), 2.0);
  EXPECT_DOUBLE_EQ(EntropyBits({9, 0, 0}), 0.0);
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
    pop.n = 4;
    pop.dim = 2;
    pop.history_length = 4;
    pop.history.assign(16, -1);
    pop.history_head.assign(4, 0);
    pop.history_count.assign(4, 0);
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
  for (int64_t i : {0, 0, 0, 0}) f.pop.PushHistory(0, i);
  for (int64_t i : {3, 2, 0}) f.pop.PushHistory(1, i);
  for (int64_t i : {2, 0}) f.pop.PushHistory(2, i);
  for (int64_t i : {3, 3, 0, 0, 1, 0}) f.pop.PushHistory(3, i);
  Params p = Params::Defaults(ObserverRegistry::Get().Find("rabbit_hole")->spec);
  p.Set("window", int64_t{4});
  auto obs = Make("rabbit_hole", p);
  const StepView v{*f.catalog, f.pop, f.items, 0, 4};
  double row = -1;
  obs->EndStep(v, &row);
  EXPECT_DOUBLE_EQ(row, 0.25);
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
  ChoiceBuffer ch;
  ch.Reserve(2, 2);
  ch.n_clicks = {1, 1};
  ch.clicks = {0, -1, 3, -1};
  obs->BeginStep(v);
  obs->ObserveBatch(v, b, ch);
  double row[5];
  obs->EndStep(v, row);
  EXPECT_DOUBLE_EQ(row[0], 3.0 / 5);
  EXPECT_DOUBLE_EQ(row[1], 2.0 / 5);
  EXPECT_DOUBLE_EQ(row[2], 0.0);
  EXPECT_DOUBLE_EQ(row[3], 1.0 / 5);
  EXPECT_DOUBLE_EQ(row[4], 0.5);
}

}  // namespace
}  // namespace counterpoint
