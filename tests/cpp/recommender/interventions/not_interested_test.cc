// not_interested: the control offered, what the platform records, the suppression window
// and the cosine rule (who finds what unwanted is the user model's: user_model_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

std::unique_ptr<Intervention> MakeNim(double probability, int64_t suppress_steps) {
  const auto* e = InterventionRegistry::Get().Find("not_interested");
  EXPECT_NE(e, nullptr);
  Params p = Params::Defaults(e->spec);
  p.Set("probability", probability);
  p.Set("similarity", 0.9);
  p.Set("suppress_steps", suppress_steps);
  return e->factory(p);
}

// 0 extremist (1,0); 1 mainstream (0,1); 2 extremist at cosine .95 to item 0; 3 borderline at cosine .6 to item 0
std::shared_ptr<const Catalog> Items() {
  const float s = std::sqrt(1.f - 0.95f * 0.95f);
  return testing::MakeCatalog(2, {1, 0, 0, 1, 0.95f, s, 0.6f, 0.8f},
                              {Label::kExtremist, Label::kMainstream, Label::kExtremist, Label::kBorderline},
                              {0.9f, 0.f, 0.8f, 0.5f});
}

struct Fixture {
  std::shared_ptr<const Catalog> cat = Items();
  PlatformView view{*cat};
  TruthChannels channels{*cat};
  VectorIndex index{*cat, {}};
  ItemState items{4};
  SlateBatch b;
  ChoiceBuffer choices;
  std::vector<int32_t> users;
  std::unique_ptr<Intervention> iv;

  Fixture(double probability, int64_t suppress_steps, int n_users) {
    iv = MakeNim(probability, suppress_steps);
    iv->Init({view, index, channels, n_users, 0, n_users, 4, 2, "arm", 7, 0, InterventionPurpose(0)});
    b.Reserve(n_users, 2, 4, 2);
    choices.Reserve(n_users, 3, 2);
    for (int u = 0; u < n_users; ++u) users.push_back(u);
    b.users = users.data();
    b.n = n_users;
  }
  RecContext Ctx(int64_t step) const { return {view, index, items, step, 7}; }
  // every user sees slate (0, 1); the users in `dismissers` dismissed slot `slot`; returns
  // the step's columns (dismissals, harmful among them, their share, suppressed), then
  // the same three since the start
  std::vector<double> Feedback(int64_t step, const std::vector<int>& dismissers, int slot) {
    iv->BeginStep(Ctx(step));
    for (int64_t u = 0; u < b.n; ++u) b.Slate(u)[0] = 0, b.Slate(u)[1] = 1;
    iv->OnSlate(Ctx(step), b);
    // the users' act marks the slots (the user model), the platform records them (OnFeedback)
    std::fill(choices.dismissed.begin(), choices.dismissed.end(), uint8_t{0});
    for (int u : dismissers) choices.Dismissed(u)[slot] = 1;
    iv->OnFeedback(Ctx(step), b, choices);
    std::vector<double> row(iv->Columns().size());
    iv->WriteMetrics(Ctx(step), *cat, row.data());
    return row;
  }
  // candidates 0..3 with equal scores; returns the scores of user u and the suppressed count
  std::vector<float> Scores(int64_t step, int64_t u, double* suppressed) {
    iv->BeginStep(Ctx(step));
    for (int64_t v = 0; v < b.n; ++v)
      for (int j = 0; j < 4; ++j) b.cand_ids[v * 4 + j] = j, b.cand_score[v * 4 + j] = 1.f;
    iv->OnScores(Ctx(step), b);
    std::vector<double> row(iv->Columns().size());
    iv->WriteMetrics(Ctx(step), *cat, row.data());
    *suppressed = row[3];
    return {b.cand_score.begin() + u * 4, b.cand_score.begin() + u * 4 + 4};
  }
};

TEST(NotInterestedTest, DismissedItemsAreCountedAndSimilarOnesSuppressedForAWindow) {
  Fixture f(0.3, 2, 2);
  // user 0 dismissed the extremist item 0: one dismissal, harmful, precision 1
  EXPECT_EQ(f.Feedback(0, {0}, 0), (std::vector<double>{1, 1, 1, 0, 1, 1, 1}));
  // the control is offered on the slates with its probability
  EXPECT_EQ(f.b.dismiss_probability, 0.3);
  double suppressed = 0;
  // the same step: not yet in force
  EXPECT_EQ(f.Scores(0, 0, &suppressed), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(suppressed, 0.0);
  // steps 1 and 2: items 0 and 2 (cosine 1 and .95 >= .9) are suppressed for user 0 only; 3 (cosine .6) is not
  for (int64_t step : {1, 2}) {
    EXPECT_EQ(f.Scores(step, 0, &suppressed), (std::vector<float>{-INFINITY, 1, -INFINITY, 1}));
    EXPECT_EQ(suppressed, 2.0);
    EXPECT_EQ(f.Scores(step, 1, &suppressed), (std::vector<float>{1, 1, 1, 1}));
  }
  // step 3: the window of 2 steps is over
  EXPECT_EQ(f.Scores(3, 0, &suppressed), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(suppressed, 0.0);
}

TEST(NotInterestedTest, PrecisionIsMeasuredOverWhatUsersDismissed) {
  Fixture f(1.0, 2, 3);
  // users 0 and 1 dismissed the mainstream item 1: no harmful dismissal, precision 0
  EXPECT_EQ(f.Feedback(0, {0, 1}, 1), (std::vector<double>{2, 0, 0, 0, 2, 0, 0}));
  // nobody dismissed: the step's precision is undefined (NaN), never 0; the run's stands
  const std::vector<double> none = f.Feedback(1, {}, 0);
  EXPECT_EQ(none[0], 0);
  EXPECT_TRUE(std::isnan(none[2]));
  EXPECT_EQ(none[4], 2);
  // user 2 dismisses the extremist item: 1 of 3 so far
  const std::vector<double> later = f.Feedback(2, {2}, 0);
  EXPECT_EQ(later[4], 3);
  EXPECT_EQ(later[5], 1);
  EXPECT_DOUBLE_EQ(later[6], 1.0 / 3);
}

}  // namespace
}  // namespace counterpoint
