// The oracle ranker (the ideal recommender of Chaney et al. 2018, an oracle baseline): it
// orders candidates by true utility (closed form), it alone may read that truth, and in a
// simulation every slate it builds is the user's candidates in decreasing true utility.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/params.h"
#include "experiment/runner.h"
#include "recommender/plugins.h"
#include "recommender/recommender.h"
#include "simulator/user_model.h"
#include "test_util.h"

namespace counterpoint {
namespace {

// utility(user, item) = -(item - 3 user - 0.4)^2: user 1 prefers 3, then 4, 2, 5, 1, 6, ...
struct Parabola : OracleTruth {
  double Utility(int64_t user, int64_t item) const override {
    const double d = static_cast<double>(item) - 3.0 * static_cast<double>(user) - 0.4;
    return -d * d;
  }
};

std::unique_ptr<Ranker> MakeOracle() {
  const auto* e = RankerRegistry::Get().Find("oracle");
  return e->factory(Params::Defaults(e->spec));
}

TEST(OracleRankerTest, OrdersCandidatesByTrueUtility) {
  auto cat = testing::MakeCatalog(1, std::vector<float>(10, 1.f), std::vector<Label>(10, Label::kMainstream),
                                  std::vector<float>(10, 0.f));
  VectorIndex index{*cat, {}};
  ItemState items{10};
  PlatformView view{*cat};
  const RecContext ctx{view, index, items, 0, 1};
  auto oracle = MakeOracle();
  ASSERT_TRUE(oracle->ReadsTruth());
  Parabola truth;
  oracle->ConnectTruth(truth);
  SlateBatch b;
  b.Reserve(2, 1, 8, 4);
  b.n = 2;
  const int32_t users[2] = {1, 2};
  b.users = users;
  // user 1: candidates 0..7 in scrambled order, one empty slot; user 2: 2..9
  b.cand_ids = {7, 2, -1, 5, 3, 0, 4, 1, 9, 8, 7, 6, 5, 4, 3, 2};
  std::fill(b.cand_sim.begin(), b.cand_sim.end(), 0.f);
  oracle->Score(ctx, b);
  for (int j = 0; j < 8; ++j) {
    const int64_t item = b.cand_ids[j];
    if (item < 0)
      EXPECT_EQ(b.cand_score[j], -std::numeric_limits<float>::infinity());
    else
      EXPECT_FLOAT_EQ(b.cand_score[j], static_cast<float>(truth.Utility(1, item)));
  }
  CutSlates(b);
  // user 1 (peak 3.4): 3, 4, 2, 5; user 2 (peak 6.4): 6, 7, 5, 8
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.begin() + 4), (std::vector<int64_t>{3, 4, 2, 5}));
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin() + 4, b.slate.begin() + 8), (std::vector<int64_t>{6, 7, 5, 8}));
}

TEST(OracleRankerTest, RefusesToScoreWithoutTheTruth) {
  auto cat = testing::MakeCatalog(1, {1.f}, {Label::kMainstream}, {0.f});
  VectorIndex index{*cat, {}};
  ItemState items{1};
  PlatformView view{*cat};
  SlateBatch b;
  b.Reserve(1, 1, 1, 1);
  b.n = 1;
  const int32_t user = 0;
  b.users = &user;
  b.cand_ids = {0};
  auto oracle = MakeOracle();
  EXPECT_THROW(oracle->Score(RecContext{view, index, items, 0, 1}, b), std::logic_error);
}

// a ranker that asks for the truth under a platform's name
struct Peeker : Ranker {
  bool ReadsTruth() const override { return true; }
  void ConnectTruth(const OracleTruth&) override { connected = true; }
  void Score(const RecContext&, SlateBatch&) override {}
  bool connected = false;
};

TEST(OracleRankerTest, OnlyARankerNamedOracleIsHandedTheTruth) {
  Parabola truth;
  for (const char* name : {"peeker", "engagement", "my_oracle"}) {
    auto peeker = std::make_unique<Peeker>();
    RecommenderOptions options;
    options.ranker_type = name;
    Recommender rec(nullptr, std::move(peeker), {}, options);
    EXPECT_TRUE(rec.RankerReadsTruth());
    EXPECT_THROW(rec.ConnectOracle(truth), std::logic_error) << name;
  }
  auto peeker = std::make_unique<Peeker>();
  Peeker* seen = peeker.get();
  RecommenderOptions options;
  options.ranker_type = "oracle";
  Recommender rec(nullptr, std::move(peeker), {}, options);
  rec.ConnectOracle(truth);
  EXPECT_TRUE(seen->connected);
}

TEST(OracleRankerTest, NoPlatformRankerReadsTheTruth) {
  for (const std::string& name : RankerRegistry::Get().Names()) {
    const auto* e = RankerRegistry::Get().Find(name);
    const bool reads = e->factory(Params::Defaults(e->spec))->ReadsTruth();
    EXPECT_EQ(reads, name.rfind("oracle", 0) == 0) << name;
  }
}

// in a simulation: users' interest fixed (no drift, no pull of counter-narratives), utility
// 5 cos (no extremity), every item live from the start and a candidate; each slate is then
// the 5 items of highest <interest, item>, in that order
TEST(OracleRankerTest, InASimulationEachSlateIsTheTopOfTrueUtility) {
  const Scenario sc = ParseScenario(R"(
name: oracle_slates
seed: 5
steps: 3
catalog: {type: synthetic, n_items: 120, dim: 8, n_topics: 4, new_item_share: 0.0}
index: {factory: Flat}
population: {n_users: 40}
user_model: {type: logit, relevance_weight: 5.0, extremity_appeal: 0.0, drift_rate: 0.0, counter_pull: 0.0}
recommender: {candidates: 120, slate_size: 5, ranker: {type: oracle}}
output: {events: true}
)",
                                    "oracle_slates.yaml");
  const IndexedCatalog world = BuildIndexedCatalog(sc, 3);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 3);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 3);
  std::vector<double> rows;
  sim.Run(rows);
  const Catalog& cat = *world.catalog;
  auto dot = [&](int64_t user, int64_t item) {
    double s = 0;
    for (int64_t k = 0; k < cat.dim(); ++k) s += static_cast<double>(pop.Interest(user)[k]) * cat.Embedding(item)[k];
    return s;
  };
  const auto& log = sim.impression_log();
  ASSERT_FALSE(log.empty());
  int64_t checked = 0;
  for (const ImpressionRecord& r : log) {
    // the items the user likes more than this one: exactly `position` of them
    int64_t better = 0;
    for (int64_t i = 0; i < cat.size(); ++i) better += dot(r.user, i) > dot(r.user, r.item) + 1e-6;
    EXPECT_EQ(better, r.position) << "user " << r.user << " item " << r.item;
    ++checked;
  }
  EXPECT_EQ(checked % 5, 0);
}

TEST(OracleRankerTest, LogitUtilityIsRelevancePlusAppealOfExtremity) {
  // U = 5 cos + 6 appetite extremity max(cos, 0) + news_value [news]
  auto cat = testing::MakeCatalog(2, {0.6f, 0.8f, -0.6f, 0.8f, 0.6f, 0.8f},
                                  {Label::kExtremist, Label::kExtremist, Label::kNewsReporting}, {0.5f, 0.5f, 0.f});
  LogitUserParams p;
  p.relevance_weight = 5;
  p.extremity_appeal = 6;
  p.news_value = 2;
  Population pop;
  pop.n = pop.rows = 1;
  pop.dim = 2;
  pop.interest = {1, 0};
  pop.appetite = {0.5f};
  auto model = MakeLogitUserModel(p);
  EXPECT_NEAR(model->Utility(*cat, pop, 0, 0), 5 * 0.6 + 6 * 0.5 * 0.5 * 0.6, 1e-6);
  EXPECT_NEAR(model->Utility(*cat, pop, 0, 1), 5 * -0.6, 1e-6);
  EXPECT_NEAR(model->Utility(*cat, pop, 0, 2), 5 * 0.6 + 2, 1e-6);
}

}  // namespace
}  // namespace counterpoint
