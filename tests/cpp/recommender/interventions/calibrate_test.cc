// calibrate: the KL-greedy choice of Steck (2018) on a hand-built catalog, computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
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
  PlatformView view{*cat};
  TruthChannels channels{*cat};
  VectorIndex index{*cat, {}};
  ItemState items{4};
  SlateBatch b;
  ChoiceBuffer choices;
  int32_t users[2] = {0, 1};
  std::unique_ptr<Intervention> iv;

  Fixture(double lambda, int64_t history, std::vector<int64_t> clicks_of_user0) {
    iv = MakeCalibrate(lambda, history);
    iv->Init({view, index, channels, 2, 0, 2, 4, 3, "arm", 1, 0, InterventionPurpose(0)});
    b.Reserve(2, 2, 4, 3);
    b.n = 2;
    b.users = users;
    // step 0: user 0 clicks the given items (a slate is not needed for the history)
    choices.Reserve(2, 3, 3);
    for (size_t c = 0; c < clicks_of_user0.size(); ++c) choices.clicks[c] = clicks_of_user0[c];
    choices.n_clicks = {static_cast<int32_t>(clicks_of_user0.size()), 0};
    iv->OnFeedback(Ctx(0), b, choices);
  }
  RecContext Ctx(int64_t step) const { return {view, index, items, step, 1}; }
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
    iv->WriteMetrics(Ctx(1), *cat, row);
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

// The greedy of calibrate.cc written as a scan over every candidate at every pick (the
// same formulas, in the same order, so the same bits): what the per-topic lists must take.
std::vector<int64_t> ScanGreedy(const Catalog& cat, const std::vector<int32_t>& clicked_topics, const int64_t* ids,
                                const float* sim, const float* score, int k, int slate, double lambda, double alpha) {
  int m = 0;  // the support's size; topic[s], p[s] in order of first click
  std::vector<int32_t> topic;
  std::vector<double> p, count;
  for (int32_t t : clicked_topics) {
    if (std::find(topic.begin(), topic.end(), t) == topic.end()) topic.push_back(t), p.push_back(0), ++m;
    p[std::find(topic.begin(), topic.end(), t) - topic.begin()] += 1.0 / static_cast<double>(clicked_topics.size());
  }
  double entropy = 0;
  for (int s = 0; s < m; ++s) entropy += p[s] * std::log(p[s]);
  count.assign(m, 0);
  float lo = INFINITY, hi = -INFINITY;
  std::vector<bool> open(k);
  for (int j = 0; j < k; ++j)
    if ((open[j] = ids[j] >= 0 && std::isfinite(score[j]))) lo = std::min(lo, score[j]), hi = std::max(hi, score[j]);
  std::vector<double> wr(k);
  std::vector<int> place(k, 0);
  for (int j = 0; j < k; ++j) {
    if (!open[j]) continue;
    wr[j] = (1 - lambda) * (hi > lo ? (score[j] - lo) / (hi - lo) : 1.f);
    for (int s = 0; s < m; ++s)
      if (topic[s] == cat.topic(ids[j])) place[j] = s + 1;
  }
  auto log_q = [&](int s, double c, double size) { return std::log((1 - alpha) * c / size + alpha * p[s]); };
  std::vector<int64_t> out;
  for (int r = 0; r < slate; ++r) {
    double base = 0;
    std::vector<double> gain(m), penalty(m + 1);
    for (int s = 0; s < m; ++s) {
      const double now = log_q(s, count[s], r + 1);
      base += p[s] * now;
      gain[s] = p[s] * (log_q(s, count[s] + 1, r + 1) - now);
    }
    penalty[0] = lambda * (entropy - (base + 0.0));
    for (int s = 0; s < m; ++s) penalty[s + 1] = lambda * (entropy - (base + gain[s]));
    int best = -1;
    double best_v = 0;
    for (int j = 0; j < k; ++j) {
      if (!open[j]) continue;
      const double v = wr[j] - penalty[place[j]];
      // equal values: higher similarity, then lower id
      if (best < 0 || v > best_v || (v == best_v && (sim[j] != sim[best] ? sim[j] > sim[best] : ids[j] < ids[best])))
        best = j, best_v = v;
    }
    if (best < 0) break;
    open[best] = false;
    if (place[best] > 0) count[place[best] - 1] += 1;
    out.push_back(ids[best]);
  }
  return out;
}

TEST(CalibrateTest, PerTopicListsTakeTheFullScansSlatesOnRandomPools) {
  // 400 items over 5 topics; 80 users x 100 candidates with scores on a coarse grid (many
  // candidates of one topic tie, past the 10 each topic's list keeps) or barely above the
  // lowest, and some suppressed (-inf); histories of 1 to 20 clicks over 1 to 4 topics;
  // slates of 10 for three lambdas
  const int64_t n_items = 400, users = 80, k = 100, slate = 10;
  std::vector<int32_t> topics(n_items);
  for (int64_t i = 0; i < n_items; ++i) topics[i] = static_cast<int32_t>(i * 7 % 5);
  auto cat = testing::MakeCatalog(1, std::vector<float>(n_items, 1.f), std::vector<Label>(n_items, Label::kMainstream),
                                  std::vector<float>(n_items, 0.f), topics);
  VectorIndex index(*cat, {});
  const PlatformView view(*cat);
  const TruthChannels channels(*cat);
  ItemState items(cat->size());
  const CounterRng rng(13, 0, 0, Purpose::kIndexTraining);
  for (const double lambda : {0.2, 0.5, 0.9}) {
    auto iv = MakeCalibrate(lambda);
    iv->Init({view, index, channels, users, 0, users, static_cast<int>(k), static_cast<int>(slate), "arm", 1, 0,
              InterventionPurpose(0)});
    std::vector<int32_t> user_ids(users);
    for (int32_t u = 0; u < users; ++u) user_ids[u] = u;
    SlateBatch b;
    b.Reserve(users, 1, k, slate);
    b.n = users;
    b.users = user_ids.data();
    // histories: user u clicks 1 + u % 20 items, click c of topic c % (1 + u % 4)
    std::vector<std::vector<int64_t>> of_topic(5);
    for (int64_t i = 0; i < n_items; ++i) of_topic[topics[i]].push_back(i);
    ChoiceBuffer choices;
    choices.Reserve(users, 20, slate);
    std::vector<std::vector<int32_t>> clicked(users);
    for (int64_t u = 0; u < users; ++u) {
      choices.n_clicks[u] = static_cast<int32_t>(1 + u % 20);
      for (int c = 0; c < choices.n_clicks[u]; ++c) {
        const int32_t t = static_cast<int32_t>(c % (1 + u % 4));
        choices.clicks[u * 20 + c] = of_topic[t][(u + c) % of_topic[t].size()];
        clicked[u].push_back(t);
      }
    }
    iv->OnFeedback({view, index, items, 0, 1}, b, choices);
    for (int64_t u = 0; u < users; ++u)
      for (int j = 0; j < k; ++j) {
        const uint64_t at = (u * k + j) * 3;
        b.cand_ids[u * k + j] = (u * 37 + j * 4) % n_items;  // distinct within a user
        b.cand_sim[u * k + j] = static_cast<float>(rng.Below(at, 4)) / 4.f;
        // users 1 and 2 mod 4: scores a few 1e-30 above the lowest, whose relevance is so
        // small that subtracting a topic's penalty rounds them to one value, so the tie rule
        // decides: among all candidates (each topic's list of 10 overflows) or among the 38
        // left (each topic's list holds all of its own); users 3 mod 4: a third of them so
        const float tiny = 1e-30f * static_cast<float>(1 + rng.Below(at + 2, 20));
        const float grid = static_cast<float>(rng.Below(at + 2, 6));
        const bool suppressed = rng.Below(at + 1, 10) == 0 || (u % 4 == 2 && j >= 40);
        b.cand_score[u * k + j] = suppressed                 ? -INFINITY
                                  : u % 4 == 1 || u % 4 == 2 ? (j == 0   ? 0.f
                                                                : j == 1 ? 1.f
                                                                         : tiny)
                                  : u % 4 == 3 && j % 3 == 0 ? tiny
                                                             : grid;
      }
    const std::vector<float> scores_before = b.cand_score;
    const RecContext ctx{view, index, items, 1, 1};
    iv->BeginStep(ctx);
    iv->OnScores(ctx, b);
    CutSlates(b);
    for (int64_t u = 0; u < users; ++u) {
      const std::vector<int64_t> want =
          ScanGreedy(*cat, clicked[u], b.cand_ids.data() + u * k, b.cand_sim.data() + u * k,
                     scores_before.data() + u * k, static_cast<int>(k), static_cast<int>(slate), lambda, 0.01);
      ASSERT_EQ(std::vector<int64_t>(b.Slate(u), b.Slate(u) + want.size()), want)
          << "user " << u << ", lambda " << lambda;
    }
  }
}

}  // namespace
}  // namespace counterpoint
