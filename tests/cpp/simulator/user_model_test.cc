// The logit user model against its closed form, and its drift mechanics.
#include "simulator/user_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "recommender/batch.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::MakeCatalog;

// four items in 3-d: relevant ones at different angles, one extreme
std::shared_ptr<const Catalog> FourItems() {
  const float s = std::sqrt(0.5f);
  return MakeCatalog(3, {1, 0, 0, s, s, 0, 0, 1, 0, s, 0, s},
                     {Label::kMainstream, Label::kMainstream, Label::kBorderline, Label::kExtremist},
                     {0.0f, 0.1f, 0.5f, 0.9f});
}

struct Harness {
  std::shared_ptr<const Catalog> catalog;
  VectorIndex index;
  ItemState items;
  Population pop;
  SlateBatch batch;
  ChoiceBuffer choices;
  std::vector<int32_t> users;

  Harness(std::shared_ptr<const Catalog> cat, int n_users, const std::vector<int64_t>& slate, int max_clicks)
      : catalog(cat), index(*cat, IndexOptions{}), items(cat->size()) {
    pop.n = pop.rows = n_users;
    pop.dim = cat->dim();
    pop.AllocateHistory(n_users, 4);
    pop.interest.assign(n_users * pop.dim, 0.f);
    for (int u = 0; u < n_users; ++u) pop.interest[u * pop.dim] = 1.f;  // interest = e1
    pop.estimate = pop.interest;
    pop.susceptibility.assign(n_users, 0.5f);
    pop.appetite.assign(n_users, 0.5f);
    pop.receptivity.assign(n_users, 0.5f);
    pop.session_prob.assign(n_users, 1.f);
    batch.Reserve(n_users, cat->dim(), static_cast<int>(slate.size()), static_cast<int>(slate.size()));
    batch.n = n_users;
    for (int u = 0; u < n_users; ++u) {
      users.push_back(u);
      std::copy(slate.begin(), slate.end(), batch.Slate(u));
    }
    batch.users = users.data();
    choices.Reserve(n_users, max_clicks);
  }
  UserContext Context(int64_t step) const { return UserContext{*catalog, step, 99}; }
};

TEST(LogitUserModelTest, ClickSharesMatchMultinomialLogit) {
  // full examination (eta = 0), one click: P(j) = e^u_j / (e^u0 + sum_k e^u_k)
  LogitUserParams p;
  p.position_decay = 0.0;
  p.max_clicks = 1;
  p.drift_rate = 0.0;
  p.counter_pull = 0.0;
  p.outside_utility = 2.0;
  const int n = 100000;
  Harness h(FourItems(), n, {0, 1, 2, 3}, 1);
  MakeLogitUserModel(p)->Respond(h.Context(0), h.batch, h.pop, h.choices);
  const float e1[3] = {1, 0, 0};
  std::vector<double> expect(5);
  double z = std::exp(p.outside_utility);
  for (int j = 0; j < 4; ++j) z += std::exp(LogitUtility(p, *h.catalog, e1, 0.5f, j));
  for (int j = 0; j < 4; ++j) expect[j] = std::exp(LogitUtility(p, *h.catalog, e1, 0.5f, j)) / z;
  expect[4] = std::exp(p.outside_utility) / z;
  std::vector<double> got(5, 0.0);
  for (int u = 0; u < n; ++u) got[h.choices.n_clicks[u] ? h.choices.Clicks(u)[0] : 4] += 1.0 / n;
  for (int j = 0; j < 5; ++j) {
    const double se = std::sqrt(expect[j] * (1 - expect[j]) / n);
    EXPECT_NEAR(got[j], expect[j], 5 * se) << "option " << j;
  }
  // the extremity term is in the utility: item 3 beats its pure-relevance share
  EXPECT_GT(LogitUtility(p, *h.catalog, e1, 0.5f, 3), p.relevance_weight * std::sqrt(0.5));
}

TEST(LogitUserModelTest, ExaminationProbabilitiesEnterTheChoice) {
  // eta = 1: position p is examined with probability 1/(p+1); the click share is
  // the MNL probability averaged over all 2^3 examination subsets
  LogitUserParams p;
  p.position_decay = 1.0;
  p.max_clicks = 1;
  p.drift_rate = 0.0;
  const int n = 100000;
  Harness h(FourItems(), n, {3, 0, 1}, 1);
  MakeLogitUserModel(p)->Respond(h.Context(5), h.batch, h.pop, h.choices);
  const float e1[3] = {1, 0, 0};
  const int64_t slate[3] = {3, 0, 1};
  std::vector<double> expect(3, 0.0);
  for (int mask = 0; mask < 8; ++mask) {
    double prob = 1, z = std::exp(p.outside_utility);
    for (int j = 0; j < 3; ++j) {
      const double e = 1.0 / (j + 1);
      prob *= (mask >> j & 1) ? e : 1 - e;
      if (mask >> j & 1) z += std::exp(LogitUtility(p, *h.catalog, e1, 0.5f, slate[j]));
    }
    for (int j = 0; j < 3; ++j)
      if (mask >> j & 1) expect[j] += prob * std::exp(LogitUtility(p, *h.catalog, e1, 0.5f, slate[j])) / z;
  }
  std::vector<double> got(3, 0.0);
  for (int u = 0; u < n; ++u)
    for (int j = 0; j < 3; ++j)
      if (h.choices.n_clicks[u] && h.choices.Clicks(u)[0] == slate[j]) got[j] += 1.0 / n;
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(got[j], expect[j], 5 * std::sqrt(expect[j] / n)) << "position " << j;
}

TEST(LogitUserModelTest, ClicksAreDistinctAndBounded) {
  LogitUserParams p;
  p.outside_utility = -5;  // users almost never leave
  p.position_decay = 0;
  p.max_clicks = 3;
  Harness h(FourItems(), 200, {0, 1, 2, 3}, 3);
  MakeLogitUserModel(p)->Respond(h.Context(1), h.batch, h.pop, h.choices);
  for (int u = 0; u < 200; ++u) {
    ASSERT_EQ(h.choices.n_clicks[u], 3);
    const int64_t* c = h.choices.Clicks(u);
    EXPECT_NE(c[0], c[1]);
    EXPECT_NE(c[0], c[2]);
    EXPECT_NE(c[1], c[2]);
  }
}

TEST(LogitUserModelTest, SameKeysGiveSameChoices) {
  LogitUserParams p;
  Harness a(FourItems(), 500, {0, 1, 2, 3}, 3), b(FourItems(), 500, {0, 1, 2, 3}, 3);
  MakeLogitUserModel(p)->Respond(a.Context(7), a.batch, a.pop, a.choices);
  MakeLogitUserModel(p)->Respond(b.Context(7), b.batch, b.pop, b.choices);
  EXPECT_EQ(a.choices.clicks, b.choices.clicks);
  EXPECT_EQ(a.pop.interest, b.pop.interest);
  Harness c(FourItems(), 500, {0, 1, 2, 3}, 3);
  MakeLogitUserModel(p)->Respond(c.Context(8), c.batch, c.pop, c.choices);
  EXPECT_NE(a.choices.clicks, c.choices.clicks);
}

TEST(LogitUserModelTest, DriftMovesInterestTowardConsumedItem) {
  LogitUserParams p;
  p.outside_utility = -20;  // always clicks the only item
  p.max_clicks = 1;
  p.position_decay = 0;
  p.drift_rate = 0.4;
  Harness h(FourItems(), 1, {3}, 1);
  MakeLogitUserModel(p)->Respond(h.Context(0), h.batch, h.pop, h.choices);
  ASSERT_EQ(h.choices.n_clicks[0], 1);
  // interest <- normalise(e1 + 0.4 * 0.5 * (x3 - e1)), x3 = (s, 0, s)
  const double s = std::sqrt(0.5), a = 1 + 0.2 * (s - 1), c = 0.2 * s, norm = std::hypot(a, c);
  EXPECT_NEAR(h.pop.interest[0], a / norm, 1e-6);
  EXPECT_NEAR(h.pop.interest[2], c / norm, 1e-6);
}

TEST(LogitUserModelTest, CounterNarrativePullsAwayFromExtremityDirection) {
  // a counter-narrative placed where extremist content is
  CatalogData data;
  data.dim = 2;
  data.embeddings = {0.6f, 0.8f, 1.f, 0.f};
  data.labels = {Label::kCounterNarrative, Label::kMainstream};
  data.extremity = {0.f, 0.f};
  data.extremity_direction = {0.f, 1.f};
  auto cat = std::make_shared<const Catalog>(std::move(data));
  LogitUserParams p;
  p.outside_utility = -20;
  p.max_clicks = 1;
  p.position_decay = 0;
  p.drift_rate = 0.4;
  p.counter_pull = 0.0;
  Harness without(cat, 1, {0}, 1);
  MakeLogitUserModel(p)->Respond(without.Context(0), without.batch, without.pop, without.choices);
  p.counter_pull = 0.5;
  Harness with(cat, 1, {0}, 1);
  MakeLogitUserModel(p)->Respond(with.Context(0), with.batch, with.pop, with.choices);
  ASSERT_EQ(with.choices.n_clicks[0], 1);
  // same drift toward the item, then minus receptivity * pull along the direction
  EXPECT_LT(cat->Project(with.pop.Interest(0)), cat->Project(without.pop.Interest(0)) - 0.1);
  // one normalisation after both moves (docs/model.md §3), by hand: rate = 0.4 * 0.5, pull = 0.5 * 0.5;
  // (1, 0) + 0.2 ((0.6, 0.8) - (1, 0)) - 0.25 (0, 1) = (0.92, -0.09); divided by its norm 0.9243917...
  EXPECT_NEAR(with.pop.interest[0], 0.9952491, 1e-6);
  EXPECT_NEAR(with.pop.interest[1], -0.09736133, 1e-6);
  // reactance turns the pull around: (1, 0) + 0.2 ((0.6, 0.8) - (1, 0)) + 0.25 (0, 1) = (0.92, 0.41),
  // divided by its norm sqrt(1.0145)
  p.reactance_share = 1.0;
  Harness reactant(cat, 1, {0}, 1);
  MakeLogitUserModel(p)->Respond(reactant.Context(0), reactant.batch, reactant.pop, reactant.choices);
  ASSERT_EQ(reactant.choices.n_clicks[0], 1);
  EXPECT_NEAR(reactant.pop.interest[0], 0.92 / std::sqrt(1.0145), 1e-6);
  EXPECT_NEAR(reactant.pop.interest[1], 0.41 / std::sqrt(1.0145), 1e-6);
}

// the negative control of the drift result: at counter_pull 0 a counter-narrative is an
// item like any other, so relabelling one changes nothing a user does or becomes
TEST(LogitUserModelTest, AtZeroPullACounterNarrativeMovesInterestLikeAnyItem) {
  auto catalog = [](Label l) {
    CatalogData data;
    data.dim = 3;
    data.embeddings = {0.6f, 0.8f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.6f, 0.8f};
    data.labels = {l, Label::kMainstream, Label::kMainstream};
    data.extremity = {0.f, 0.f, 0.f};
    data.extremity_direction = {0.f, 1.f, 0.f};
    return std::make_shared<const Catalog>(std::move(data));
  };
  const auto cn = catalog(Label::kCounterNarrative), plain = catalog(Label::kMainstream);
  LogitUserParams p;
  p.outside_utility = 2.0;
  for (const double pull : {0.0, 0.3}) {
    p.counter_pull = pull;
    Harness a(cn, 2000, {0, 1, 2}, 3), b(plain, 2000, {0, 1, 2}, 3);
    MakeLogitUserModel(p)->Respond(a.Context(4), a.batch, a.pop, a.choices);
    MakeLogitUserModel(p)->Respond(b.Context(4), b.batch, b.pop, b.choices);
    EXPECT_EQ(a.choices.clicks, b.choices.clicks);  // choices come before the drift
    if (pull == 0) {
      EXPECT_EQ(a.pop.interest, b.pop.interest);  // bit for bit
    } else {
      EXPECT_NE(a.pop.interest, b.pop.interest);  // the pull, and only the pull, tells them apart
    }
  }
}

// common random numbers: every draw is keyed by the item, so an item inserted into the
// slate (as injection does) leaves the others' examination and choice draws alone
TEST(LogitUserModelTest, InsertingAnItemLeavesTheOtherItemsDrawsAlone) {
  // an inserted item the users (almost surely) never choose: utility -10 against the
  // outside option's 8 (P ~ e^-18 per round); the seed is fixed, so the test is too
  CatalogData data;
  data.dim = 2;
  data.embeddings = {1.f, 0.f, 0.8f, 0.6f, 0.6f, 0.8f, -1.f, 0.f};
  data.labels = {Label::kMainstream, Label::kMainstream, Label::kMainstream, Label::kMainstream};
  data.extremity = {0.f, 0.f, 0.f, 0.f};
  data.extremity_direction = {0.f, 1.f};
  auto cat = std::make_shared<const Catalog>(std::move(data));
  LogitUserParams p;
  p.relevance_weight = 10;  // utilities 10, 8, 6 and -10
  p.outside_utility = 8;
  p.position_decay = 0;  // every slot examined: only the draws can differ
  p.drift_rate = 0;
  Harness plain(cat, 2000, {0, 1, 2}, 3), inserted(cat, 2000, {3, 0, 1, 2}, 3);
  MakeLogitUserModel(p)->Respond(plain.Context(2), plain.batch, plain.pop, plain.choices);
  MakeLogitUserModel(p)->Respond(inserted.Context(2), inserted.batch, inserted.pop, inserted.choices);
  int clicked = 0;
  for (int u = 0; u < 2000; ++u) {
    ASSERT_EQ(plain.choices.n_clicks[u], inserted.choices.n_clicks[u]) << "user " << u;
    for (int c = 0; c < plain.choices.n_clicks[u]; ++c)
      EXPECT_EQ(plain.choices.Clicks(u)[c], inserted.choices.Clicks(u)[c]) << "user " << u;
    clicked += plain.choices.n_clicks[u];
  }
  EXPECT_GT(clicked, 500);       // users do click: the comparison is not empty
  EXPECT_LT(clicked, 3 * 2000);  // and not all the same: the draws matter
}

TEST(LogitUserModelTest, NewsReportingCarriesItsValueToReaders) {
  // U = beta_rel cos + news_value for a news report, whatever its relevance
  const auto cat = MakeCatalog(2, {1, 0, 0, 1}, {Label::kNewsReporting, Label::kMainstream}, {0.1f, 0.1f});
  LogitUserParams p;
  p.news_value = 1.5;
  const float e1[2] = {1, 0};
  EXPECT_DOUBLE_EQ(LogitUtility(p, *cat, e1, 0.f, 0), p.relevance_weight + 1.5);
  EXPECT_DOUBLE_EQ(LogitUtility(p, *cat, e1, 0.f, 1), 0.0);
  p.news_value = 0;
  EXPECT_DOUBLE_EQ(LogitUtility(p, *cat, e1, 0.f, 0), p.relevance_weight);
}

TEST(LogitUserModelTest, ReactantUsersAreAStableShareOfUsers) {
  LogitUserParams p;
  p.reactance_share = 0.2;
  const int n = 20000;
  int reactant = 0;
  for (int u = 0; u < n; ++u) {
    const bool r = Reactant(p, 99, u);
    reactant += r;
    EXPECT_EQ(Reactant(p, 99, u), r);  // the same user, every time
  }
  EXPECT_NEAR(static_cast<double>(reactant) / n, 0.2, 4 * std::sqrt(0.2 * 0.8 / n));
  p.reactance_share = 0;
  for (int u = 0; u < 100; ++u) EXPECT_FALSE(Reactant(p, 99, u));
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// in 2-d with interest e1: 0 extremist at cosine .3 (extremity .9), 1 mainstream at
// cosine -.5, 2 mainstream at cosine 1
std::shared_ptr<const Catalog> DismissalItems() {
  return testing::MakeCatalog(2, {0.3f, std::sqrt(1 - 0.09f), -0.5f, std::sqrt(0.75f), 1.f, 0.f},
                              {Label::kExtremist, Label::kMainstream, Label::kMainstream}, {0.9f, 0.f, 0.f});
}

LogitUserParams NeverClicks() {
  LogitUserParams p;
  p.position_decay = 0.0;  // every slot examined
  p.outside_utility = 50;  // leaving always wins
  p.drift_rate = p.counter_pull = 0.0;
  p.dismiss_utility = 2.0;
  return p;
}

TEST(LogitUserModelTest, UnwantedIsAnExaminedItemPassedOverWithLowUtilityForThatUser) {
  // utilities u = 5 cos + 6 appetite extremity max(cos, 0): item 0 is 1.5 + 1.62 appetite,
  // item 1 is -2.5, item 2 is 5; unwanted below 2. User 0 has no appetite, user 1 0.5
  Harness h(DismissalItems(), 2, {0, 1, 2}, 1);
  h.choices.Reserve(2, 1, 3);
  h.pop.appetite = {0.f, 0.5f};
  h.batch.dismiss_probability = 1.0;
  MakeLogitUserModel(NeverClicks())->Respond(h.Context(0), h.batch, h.pop, h.choices);
  EXPECT_EQ(std::vector<uint8_t>(h.choices.Dismissed(0), h.choices.Dismissed(0) + 3), (std::vector<uint8_t>{1, 1, 0}));
  // with an appetite the extremist item is wanted (2.31), the unrelated mainstream one is not
  EXPECT_EQ(std::vector<uint8_t>(h.choices.Dismissed(1), h.choices.Dismissed(1) + 3), (std::vector<uint8_t>{0, 1, 0}));
  // no control offered: nothing dismissed
  Harness off(DismissalItems(), 2, {0, 1, 2}, 1);
  off.choices.Reserve(2, 1, 3);
  MakeLogitUserModel(NeverClicks())->Respond(off.Context(0), off.batch, off.pop, off.choices);
  for (uint8_t d : off.choices.dismissed) EXPECT_EQ(d, 0);
}

TEST(LogitUserModelTest, NeitherUnexaminedNorClickedItemsAreDismissed) {
  // eta 60: only slot 0 is examined (slot 1 with probability 2^-60); the user clicks it
  // since leaving is worth -1000: item 0 (1.5 < 2 for no appetite) is chosen, not dismissed,
  // and item 1 in slot 1 is never looked at
  LogitUserParams p = NeverClicks();
  p.position_decay = 60;
  p.outside_utility = -1000;
  Harness h(DismissalItems(), 50, {0, 1}, 1);
  h.choices.Reserve(50, 1, 2);
  h.pop.appetite.assign(50, 0.f);
  h.batch.dismiss_probability = 1.0;
  MakeLogitUserModel(p)->Respond(h.Context(0), h.batch, h.pop, h.choices);
  for (int u = 0; u < 50; ++u) {
    EXPECT_EQ(h.choices.n_clicks[u], 1);
    EXPECT_EQ(h.choices.Dismissed(u)[0], 0);
    EXPECT_EQ(h.choices.Dismissed(u)[1], 0);
  }
}

TEST(LogitUserModelTest, AnUnwantedItemIsDismissedWithTheControlsProbability) {
  // 20,000 users each pass over item 1 (unwanted): Binomial(20000, .3) dismissals
  const int n = 20000;
  Harness h(DismissalItems(), n, {1}, 1);
  h.choices.Reserve(n, 1, 1);
  h.batch.dismiss_probability = 0.3;
  MakeLogitUserModel(NeverClicks())->Respond(h.Context(0), h.batch, h.pop, h.choices);
  double dismissed = 0;
  for (uint8_t d : h.choices.dismissed) dismissed += d;
  EXPECT_NEAR(dismissed / n, 0.3, 4 * std::sqrt(0.3 * 0.7 / n));
}

}  // namespace
}  // namespace counterpoint
