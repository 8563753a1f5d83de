// calibrate: the KL-greedy choice of Steck (2018) on a hand-built catalog, computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

std::unique_ptr<Intervention> MakeCalibrate(double lambda, int64_t history = 20) {
  const auto* e = InterventionRegistry::Get().Find("calibrate");
  EXPECT_NE(e, nullptr);
  Params p = Params::Defaults(e->spec);
  p.Set("lambda", lambda);
  p.Set("alpha", 0.01);
  p.Set("history", history);
  return e->factory(p);
}

// items 0, 1 in topic 0, item 2 in topic 1, item 3 in topic 2 (embeddings do not matter)
std::shared_ptr<const Catalog> Topics() {
  return testing::MakeCatalog(2, {1, 0, 1, 0.1f, 0, 1, 1, 1}, std::vector<Label>(4, Label::kMainstream), {0, 0, 0, 0},
                              {0, 0, 1, 2});
}

struct Fixture {
  std::shared_ptr<const Catalog> cat = Topics();
  VectorIndex index{*cat, {}};
  ItemState items{4};
  SlateBatch b;
  ChoiceBuffer choices;
  int32_t users[2] = {0, 1};
  std::unique_ptr<Intervention> iv;

  Fixture(double lambda, int64_t history, std::vector<int64_t> clicks_of_user0) {
    iv = MakeCalibrate(lambda, history);
    iv->Init({*cat, index, 2, 0, 2, 4, 3, "arm", 1, 0, InterventionPurpose(0)});
    b.Reserve(2, 2, 4, 3);
    b.n = 2;
    b.users = users;
    // step 0: user 0 clicks the given items (a slate is not needed for the history)
    choices.Reserve(2, 3, 3);
    for (size_t c = 0; c < clicks_of_user0.size(); ++c) choices.clicks[c] = clicks_of_user0[c];
    choices.n_clicks = {static_cast<int32_t>(clicks_of_user0.size()), 0};
    iv->OnFeedback(Ctx(0), b, choices);
  }
  RecContext Ctx(int64_t step) const { return {*cat, index, items, step, 1}; }
  // step 1: both users get candidates 0..3 with ranker scores 1, .9, 0, .8; returns the slates
  std::vector<int64_t> Slates(double* kl = nullptr) {
    for (int u = 0; u < 2; ++u) {
      for (int j = 0; j < 4; ++j) b.cand_ids[u * 4 + j] = j, b.cand_sim[u * 4 + j] = 0.f;
      const float s[4] = {1.f, .9f, 0.f, .8f};
      std::copy(s, s + 4, b.cand_score.begin() + u * 4);
    }
    iv->BeginStep(Ctx(1));
    iv->OnScores(Ctx(1), b);
    CutSlates(b);
    double row[2];
    iv->WriteMetrics(Ctx(1), row);
    if (kl) *kl = row[0];
    EXPECT_EQ(row[1], 1.0) << "only user 0 has a history";
    return {b.slate.begin(), b.slate.begin() + 6};
  }
};

TEST(CalibrateTest, KlGreedyChoiceIsTheHandComputedOne) {
  // p = (.5, .5, 0) from clicks on topics 0 and 1; rel = (1, .9, 0, .8); lambda .5, alpha .01
  // pick 1 (|S| = 1): topic 0 or 1 gives q~ = (.995, .005): KL = .5 ln(.5/.995) + .5 ln(.5/.005) = 1.9585;
  //   topic 2 gives q~ = (.005, .005): KL = ln 100 = 4.605. v = .5 rel - .5 KL -> item 0 (-.479)
  // pick 2: item 1 -> KL 1.9585, v -.529; item 2 -> q = (.5, .5): KL 0, v 0; item 3 -> KL ln 100 / 2 -> item 2
  // pick 3: item 1 -> q~ = (.665, .335): KL .0577, v .421; item 3 -> q~ = (.335, .335): KL .4005, v .200 -> item 1
  double kl = 0;
  Fixture f(0.5, 20, {0, 2});
  const auto slates = f.Slates(&kl);
  EXPECT_EQ(std::vector<int64_t>(slates.begin(), slates.begin() + 3), (std::vector<int64_t>{0, 2, 1}));
  // user 1 has no clicks: the ranker's order
  EXPECT_EQ(std::vector<int64_t>(slates.begin() + 3, slates.end()), (std::vector<int64_t>{0, 1, 3}));
  const double expected = 0.5 * std::log(0.5 / (0.99 * 2 / 3 + 0.005)) + 0.5 * std::log(0.5 / (0.99 / 3 + 0.005));
  EXPECT_NEAR(kl, expected, 1e-9);
}

TEST(CalibrateTest, LambdaZeroKeepsTheRankersOrder) {
  Fixture f(0.0, 20, {0, 2});
  const auto slates = f.Slates();
  EXPECT_EQ(std::vector<int64_t>(slates.begin(), slates.begin() + 3), (std::vector<int64_t>{0, 1, 3}));
}

TEST(CalibrateTest, HistoryIsARingOfTheLastClicks) {
  // history 2: clicks on topics 2, 0, 1 leave (0, 1) in the ring, as in the first test
  Fixture f(0.5, 2, {3, 0, 2});
  const auto slates = f.Slates();
  EXPECT_EQ(std::vector<int64_t>(slates.begin(), slates.begin() + 3), (std::vector<int64_t>{0, 2, 1}));
  // history 3 keeps topic 2 too: p = (1/3, 1/3, 1/3); the slate covers all three topics (KL of q~ = p is 0)
  Fixture g(0.9, 3, {3, 0, 2});
  const auto all = g.Slates();
  EXPECT_EQ(std::vector<int64_t>(all.begin(), all.begin() + 3), (std::vector<int64_t>{0, 3, 2}));
}

}  // namespace
}  // namespace counterpoint
