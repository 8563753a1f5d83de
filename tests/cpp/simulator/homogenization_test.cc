// The homogenization observer (Chaney et al. 2018) against values counted by hand: the
// Jaccard index, nearest neighbours by true interest, random partners, the observer's
// columns over two steps, and its checkpoint.
#include "simulator/observers/homogenization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/state_io.h"
#include "simulator/observers/observer.h"
#include "simulator/user_model.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using Set = std::vector<int64_t>;

TEST(HomogenizationTest, JaccardIsSharedOverAll) {
  EXPECT_DOUBLE_EQ(Jaccard(Set{1, 2, 3}, Set{2, 3, 4}), 2.0 / 4);
  EXPECT_DOUBLE_EQ(Jaccard(Set{1, 2}, Set{1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(Jaccard(Set{1}, Set{}), 0.0);
  EXPECT_DOUBLE_EQ(Jaccard(Set{0, 5, 9}, Set{1, 5, 7, 8}), 1.0 / 6);
  EXPECT_TRUE(std::isnan(Jaccard(Set{}, Set{})));  // nothing consumed by either: no index
}

// four users in 2-d: (1,0), (0.8,0.6), (0,1), (-1,0)
const std::vector<float> kInterest = {1, 0, 0.8f, 0.6f, 0, 1, -1, 0};

TEST(HomogenizationTest, NearestNeighbourIsTheLargestCosineOfAnother) {
  // cosines: 0-1 .8, 0-2 0, 0-3 -1, 1-2 .6, 1-3 -.8, 2-3 0
  EXPECT_EQ(NearestNeighbours(kInterest.data(), 4, 2), (Set{1, 0, 1, 2}));
  // ties go to the lower index: user 1 is as close to 0 as to 2
  const std::vector<float> tie = {1, 0, 0, 1, 1, 0};
  EXPECT_EQ(NearestNeighbours(tie.data(), 3, 2), (Set{2, 0, 0}));
}

TEST(HomogenizationTest, RandomPartnersAreOtherUsersDrawnUniformly) {
  EXPECT_EQ(RandomPartners(2, 5), (Set{1, 0}));
  // n = 5, 40000 draws: never the user itself, each of the 4 others with probability 1/4
  // (within 4.5 standard errors); the same pairs for the same seed
  const int64_t n = 5;
  std::vector<int64_t> offset(n, 0);
  for (uint64_t seed = 0; seed < 8000; ++seed) {
    const Set p = RandomPartners(n, seed);
    for (int64_t u = 0; u < n; ++u) ++offset[(p[u] - u + n) % n];
  }
  EXPECT_EQ(offset[0], 0);
  const double draws = 8000.0 * n, se = std::sqrt(0.25 * 0.75 / draws);
  for (int64_t k = 1; k < n; ++k) EXPECT_NEAR(offset[k] / draws, 0.25, 4.5 * se) << k;
  EXPECT_EQ(RandomPartners(1000, 3), RandomPartners(1000, 3));
  EXPECT_NE(RandomPartners(1000, 3), RandomPartners(1000, 4));
}

TEST(HomogenizationTest, MeanPairJaccardSkipsPairsThatConsumedNothing) {
  const std::vector<Set> sets = {{0, 1}, {1}, {2}, {}};
  // pairs 0-1 .5, 1-0 .5, 2-1 0, 3-2 0
  EXPECT_DOUBLE_EQ(MeanPairJaccard(sets, {1, 0, 1, 2}), 0.25);
  // pairs 0-1 .5, 1-0 .5, 2-2 1, 3-3 none (skipped)
  EXPECT_DOUBLE_EQ(MeanPairJaccard(sets, {1, 0, 2, 3}), 2.0 / 3);
  EXPECT_TRUE(std::isnan(MeanPairJaccard({{}, {}}, {1, 0})));
}

struct Fixture {
  // items: (1,0), (0,1), (0.6,0.8), (-1,0); no extremity
  std::shared_ptr<const Catalog> catalog = testing::MakeCatalog(
      2, {1, 0, 0, 1, 0.6f, 0.8f, -1, 0}, std::vector<Label>(4, Label::kMainstream), std::vector<float>(4, 0.f));
  Population pop;
  ItemState items{4};
  std::unique_ptr<UserModel> model;
  Fixture() {
    pop.n = pop.rows = 4;
    pop.dim = 2;
    pop.interest = kInterest;
    pop.appetite.assign(4, 0.5f);
    LogitUserParams p;
    p.relevance_weight = 5;
    p.extremity_appeal = 0;
    model = MakeLogitUserModel(p);
  }
  StepView View(int64_t step) const {
    StepView v{*catalog, pop, items, step, 4};
    v.user_model = model.get();
    return v;
  }
};

// one step: users[u] clicked clicks[u]
void Step(Observer& obs, const StepView& v, const std::vector<int32_t>& users, const std::vector<Set>& clicks,
          double* row) {
  SlateBatch b;
  b.Reserve(4, 2, 1, 1);
  b.n = static_cast<int64_t>(users.size());
  b.users = users.data();
  ChoiceBuffer ch;
  ch.Reserve(4, 2);
  for (size_t u = 0; u < users.size(); ++u) {
    ch.n_clicks[u] = static_cast<int32_t>(clicks[u].size());
    for (size_t c = 0; c < clicks[u].size(); ++c) ch.clicks[u * 2 + c] = clicks[u][c];
  }
  obs.BeginStep(v);
  obs.ObserveBatch(v, b, ch);
  obs.EndStep(v, row);
}

std::unique_ptr<Observer> MakeObserver() {
  const auto* e = ObserverRegistry::Get().Find("homogenization");
  return e->factory(Params::Defaults(e->spec));
}

TEST(HomogenizationTest, ObserverCountsByHand) {
  Fixture f;
  auto obs = MakeObserver();
  ASSERT_EQ(obs->Columns(), (std::vector<std::string>{"jaccard_nearest", "jaccard_random", "consumed_utility"}));
  double row[3];
  // step 0: user 0 consumes items 0 and 1, user 1 item 1, user 2 item 2, user 3 nothing.
  // Nearest pairs (0,1) (1,0) (2,1) (3,2): .5 .5 0 0. Utilities 5 cos: 5, 0, 3, 4
  Step(*obs, f.View(0), {0, 1, 2, 3}, {{0, 1}, {1}, {2}, {}}, row);
  EXPECT_DOUBLE_EQ(row[0], 0.25);
  EXPECT_DOUBLE_EQ(row[1], MeanPairJaccard({{0, 1}, {1}, {2}, {}}, RandomPartners(4, 1)));
  EXPECT_NEAR(row[2], 12.0 / 4, 1e-6);
  // checkpoint after step 0, restored into a fresh observer
  StateWriter w;
  obs->SaveState(w);
  auto restored = MakeObserver();
  StateReader r(w.bytes(), "test");
  restored->LoadState(r);
  // step 1: user 0 consumes item 0 again (its set is unchanged), user 3 item 2: pair (3,2)
  // is now 1. Utilities so far 5, 0, 3, 4, 5, 5 cos(u3, item 2) = -3
  for (Observer* o : {obs.get(), restored.get()}) {
    Step(*o, f.View(1), {0, 3}, {{0}, {2}}, row);
    EXPECT_DOUBLE_EQ(row[0], (0.5 + 0.5 + 0 + 1) / 4);
    EXPECT_NEAR(row[2], 14.0 / 6, 1e-6);
  }
}

TEST(HomogenizationTest, WithoutAUserModelUtilityIsUndefined) {
  Fixture f;
  auto obs = MakeObserver();
  StepView v{*f.catalog, f.pop, f.items, 0, 4};
  double row[3];
  Step(*obs, v, {0, 1}, {{0}, {0}}, row);
  // sets {0} {0} {} {}: pairs (0,1) and (1,0) 1, (2,1) 0, (3,2) nothing consumed (skipped)
  EXPECT_DOUBLE_EQ(row[0], 2.0 / 3);
  EXPECT_TRUE(std::isnan(row[2]));
}

TEST(HomogenizationTest, RefusesTooFewUsers) {
  Fixture f;
  f.pop.n = f.pop.rows = 1;
  auto obs = MakeObserver();
  EXPECT_THROW(obs->BeginStep(f.View(0)), InputError);
}

}  // namespace
}  // namespace counterpoint
