// The cf_als ranker: it recommends what a user's click community clicked once it has
// retrained, nothing before (or ever, with retrain_every beyond the run), survives a
// checkpoint bit for bit, and refuses bad parameters by name.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "recommender/plugins.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::MakeCatalog;

// 8 items in 2-d (their embeddings play no part unless relevance_weight > 0)
struct Platform {
  std::shared_ptr<const Catalog> cat =
      MakeCatalog(2, {1, 0, 0.9f, 0.1f, 0.8f, 0.2f, 0, 1, 0.1f, 0.9f, 0.2f, 0.8f, 0.7f, 0.7f, -1, 0},
                  std::vector<Label>(8, Label::kMainstream), std::vector<float>(8, 0.f));
  VectorIndex index{*cat, {}};
  ItemState items{8};
  PlatformView view{*cat};
  RecContext At(int64_t step) const { return RecContext{view, index, items, step, 17}; }
};

std::unique_ptr<Ranker> MakeCf(int64_t retrain_every, double relevance_weight = 0.0, int64_t retrieve = 0,
                               const std::string& retrieval_index = "Flat") {
  const auto* e = RankerRegistry::Get().Find("cf_als");
  Params p = Params::Defaults(e->spec);
  p.Set("factors", int64_t{2});
  p.Set("alpha", 10.0);
  p.Set("lambda", 0.1);
  p.Set("retrain_every", retrain_every);
  p.Set("sweeps", int64_t{10});
  p.Set("relevance_weight", relevance_weight);
  p.Set("retrieve", retrieve);
  p.Set("retrieval_index", retrieval_index);
  return e->factory(p);
}

// two click communities: users 0-5 click items 0, 1, 2 and users 6-11 items 3, 4, 5,
// except that user 0 has not clicked item 2 and user 6 not item 5; nobody clicks 6 or 7
std::vector<UserClick> Communities() {
  std::vector<UserClick> clicks;
  for (int32_t u = 0; u < 12; ++u) {
    const int64_t first = u < 6 ? 0 : 3;
    for (int64_t i = first; i < first + 3; ++i)
      if (!((u == 0 && i == 2) || (u == 6 && i == 5))) clicks.push_back({u, i});
  }
  return clicks;
}

// the ranker's scores of `candidates` for one user
std::vector<float> Scores(Ranker& r, const RecContext& ctx, int32_t user, const std::vector<int64_t>& candidates) {
  SlateBatch b;
  const int k = static_cast<int>(candidates.size());
  b.Reserve(1, 2, k, 1);
  b.n = 1;
  b.users = &user;
  b.cand_ids = candidates;
  for (int j = 0; j < k; ++j) b.cand_sim[j] = 0.1f * static_cast<float>(j);
  r.Score(ctx, b);
  return std::vector<float>(b.cand_score.begin(), b.cand_score.begin() + k);
}

TEST(CfAlsRankerTest, RecommendsTheCommunitysItemsAfterRetraining) {
  const Platform pf;
  auto r = MakeCf(3);
  ASSERT_TRUE(r->LearnsFromClicks());
  r->BeginStep(pf.At(0));
  r->ObserveClicks(pf.At(0), Communities());
  // steps 1 and 2: not retrained yet, every score 0 (the cut falls back on similarity)
  for (int64_t step : {1, 2}) {
    r->BeginStep(pf.At(step));
    EXPECT_EQ(Scores(*r, pf.At(step), 0, {2, 3, 4, 6}), (std::vector<float>{0, 0, 0, 0}));
  }
  // step 3 retrains: user 0's unclicked community item 2 above the other community's
  // items and the never-clicked 6; user 6's item 5 above community A's items
  r->BeginStep(pf.At(3));
  const auto a = Scores(*r, pf.At(3), 0, {2, 3, 4, 6});
  EXPECT_GT(a[0], a[1]);
  EXPECT_GT(a[0], a[2]);
  EXPECT_GT(a[0], a[3]);
  const auto b = Scores(*r, pf.At(3), 6, {5, 0, 1, 2});
  EXPECT_GT(b[0], b[1]);
  EXPECT_GT(b[0], b[2]);
  EXPECT_GT(b[0], b[3]);
  // a user who never clicked has zero factors: scores 0, as before any retraining
  EXPECT_EQ(Scores(*r, pf.At(3), 40, {0, 3}), (std::vector<float>{0, 0}));
}

TEST(CfAlsRankerTest, NeverRetrainedItRanksBySimilarityAlone) {
  // the negative control: retrain_every beyond the run, so the factors never learn
  const Platform pf;
  auto r = MakeCf(1000, 1.0);
  for (int64_t step = 0; step < 30; ++step) {
    r->BeginStep(pf.At(step));
    r->ObserveClicks(pf.At(step), Communities());
    // score = 0 + 1 * similarity (0, 0.1, 0.2, 0.3 as Scores fills them)
    EXPECT_EQ(Scores(*r, pf.At(step), 0, {2, 3, 4, 6}), (std::vector<float>{0.f, 0.1f, 0.2f, 0.3f}));
  }
}

TEST(CfAlsRankerTest, CheckpointRestoresFactorsCountsAndPendingClicks) {
  const Platform pf;
  auto a = MakeCf(3), b = MakeCf(3);
  a->BeginStep(pf.At(0));
  a->ObserveClicks(pf.At(0), Communities());
  a->BeginStep(pf.At(3));
  // clicks after the retraining wait for the next one: they must travel too
  a->ObserveClicks(pf.At(3), std::vector<UserClick>{{0, 2}, {0, 7}, {1, 7}});
  StateWriter out;
  a->SaveState(out);
  StateReader in(out.bytes(), "test");
  b->LoadState(in);
  for (int32_t user : {0, 1, 6})
    EXPECT_EQ(Scores(*a, pf.At(4), user, {0, 2, 5, 7}), Scores(*b, pf.At(4), user, {0, 2, 5, 7}));
  a->BeginStep(pf.At(6));
  b->BeginStep(pf.At(6));
  for (int32_t user : {0, 1, 6})
    EXPECT_EQ(Scores(*a, pf.At(6), user, {0, 2, 5, 7}), Scores(*b, pf.At(6), user, {0, 2, 5, 7}));
  // the pending clicks did reach the model: user 1's item 7 now scores above the
  // never-clicked item 6
  const auto s = Scores(*b, pf.At(6), 1, {7, 6});
  EXPECT_GT(s[0], s[1]);
  // a ranker saved before its first step loads as well
  auto fresh = MakeCf(3), copy = MakeCf(3);
  StateWriter empty;
  fresh->SaveState(empty);
  StateReader empty_in(empty.bytes(), "test");
  copy->LoadState(empty_in);
  EXPECT_EQ(Scores(*copy, pf.At(0), 0, {0, 1}), (std::vector<float>{0, 0}));
}

// One user's candidates after AddCandidates: the retriever's `candidates`, with
// similarities 0.1 j, and the user's estimate (1, 0)
struct Retrieved {
  bool added = false;
  std::vector<int64_t> ids;
  std::vector<float> sims;
};
Retrieved AfterAddCandidates(Ranker& r, const RecContext& ctx, int32_t user, const std::vector<int64_t>& candidates) {
  SlateBatch b;
  const int k = static_cast<int>(candidates.size());
  b.Reserve(1, 2, k, 1);
  b.n = 1;
  b.users = &user;
  b.queries = {1.f, 0.f};
  b.cand_ids = candidates;
  for (int j = 0; j < k; ++j) b.cand_sim[j] = 0.1f * static_cast<float>(j);
  Retrieved out;
  out.added = r.AddCandidates(ctx, b);
  out.ids.assign(b.cand_ids.begin(), b.cand_ids.begin() + k);
  out.sims.assign(b.cand_sim.begin(), b.cand_sim.begin() + k);
  return out;
}

// What AddCandidates must give, by brute force: the m available items of largest factor
// score (the ranker's own Score with relevance_weight 0 is <x_u, y_i>, computed over all 8
// items without FAISS), not kept already, after the retriever's first k - m; then the
// retriever's remaining candidates; -1 for the rest
std::vector<int64_t> BruteForce(Ranker& r, const RecContext& ctx, int32_t user, const std::vector<int64_t>& cand,
                                int m) {
  const std::vector<int64_t> all{0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<float> s = Scores(r, ctx, user, all);
  std::vector<int64_t> order;
  for (int64_t i : all)
    if (ctx.items.available.IsAvailable(i)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return s[a] > s[b]; });
  order.resize(std::min<size_t>(order.size(), m));
  const size_t keep = cand.size() - m;
  std::vector<int64_t> out(cand.begin(), cand.begin() + keep);
  const auto has = [&](int64_t id) { return std::find(out.begin(), out.end(), id) != out.end(); };
  for (int64_t id : order)
    if (!has(id)) out.push_back(id);
  for (size_t j = keep; j < cand.size() && out.size() < cand.size(); ++j)
    if (cand[j] >= 0 && !has(cand[j])) out.push_back(cand[j]);
  out.resize(cand.size(), -1);
  return out;
}

// `got` is `want` up to the order of the slots after the first `keep` (items with equal
// factors, e.g. two clicked by the same users, tie in either order)
void ExpectSameUpToTies(std::vector<int64_t> got, std::vector<int64_t> want, size_t keep) {
  ASSERT_EQ(got.size(), want.size());
  std::sort(got.begin() + static_cast<std::ptrdiff_t>(keep), got.end());
  std::sort(want.begin() + static_cast<std::ptrdiff_t>(keep), want.end());
  EXPECT_EQ(got, want);
}

TEST(CfAlsRankerTest, RetrievesTheAvailableItemsOfLargestFactorScore) {
  for (const std::string factory : {"Flat", "HNSW32"}) {
    SCOPED_TRACE(factory);
    Platform pf;
    auto r = MakeCf(3, 0.0, 2, factory);
    r->BeginStep(pf.At(0));
    r->ObserveClicks(pf.At(0), Communities());
    // before the first retraining there are no factors: the retriever's candidates stand
    EXPECT_FALSE(AfterAddCandidates(*r, pf.At(0), 0, {6, 7, 3, 4}).added);
    r->BeginStep(pf.At(3));
    // user 0 (community A, items 0-2): its two best items by factors replace 3 and 4; they
    // are community A's, and each similarity is <(1, 0), item>, the item's first coordinate
    const Retrieved a = AfterAddCandidates(*r, pf.At(3), 0, {6, 7, 3, 4});
    EXPECT_TRUE(a.added);
    ExpectSameUpToTies(a.ids, BruteForce(*r, pf.At(3), 0, {6, 7, 3, 4}, 2), 2);
    EXPECT_EQ(a.ids[0], 6);
    EXPECT_EQ(a.ids[1], 7);
    for (int j : {2, 3}) {
      EXPECT_LE(a.ids[j], 2) << j;
      EXPECT_EQ(a.sims[j], pf.cat->Embedding(a.ids[j])[0]);
    }
    // an item the retriever kept is not repeated: its slot goes to the next by factors
    const Retrieved kept = AfterAddCandidates(*r, pf.At(3), 0, {a.ids[2], 7, 3, 4});
    ExpectSameUpToTies(kept.ids, BruteForce(*r, pf.At(3), 0, {a.ids[2], 7, 3, 4}, 2), 2);
    EXPECT_EQ(std::count(kept.ids.begin(), kept.ids.end(), a.ids[2]), 1);
    // removed items are never retrieved: with items 3, 6 and 7 alone live, the factors add
    // nothing but 3, and the slots they leave go back to the retriever's candidates
    for (int64_t i : {0, 1, 2, 4, 5}) pf.items.SetStatus(i, ItemStatus::kRemoved);
    const Retrieved few = AfterAddCandidates(*r, pf.At(3), 0, {6, 7, 3, 4});
    ExpectSameUpToTies(few.ids, BruteForce(*r, pf.At(3), 0, {6, 7, 3, 4}, 2), 2);
    EXPECT_EQ(few.ids, (std::vector<int64_t>{6, 7, 3, 4}));
    for (int64_t i : {0, 1, 2, 4, 5}) pf.items.SetStatus(i, ItemStatus::kLive);
    // a user who never clicked keeps the retriever's candidates
    const Retrieved none = AfterAddCandidates(*r, pf.At(3), 40, {6, 7, 3, 4});
    EXPECT_FALSE(none.added);
    EXPECT_EQ(none.ids, (std::vector<int64_t>{6, 7, 3, 4}));
    // retrieve beyond the candidates: every slot comes from the factors (then the retriever)
    auto wide = MakeCf(3, 0.0, 10, factory);
    wide->BeginStep(pf.At(0));
    wide->ObserveClicks(pf.At(0), Communities());
    wide->BeginStep(pf.At(3));
    ExpectSameUpToTies(AfterAddCandidates(*wide, pf.At(3), 6, {0, 1, 2}).ids,
                       BruteForce(*wide, pf.At(3), 6, {0, 1, 2}, 3), 0);
  }
}

TEST(CfAlsRankerTest, RetrievalSurvivesACheckpointAndOffChangesNothing) {
  const Platform pf;
  auto a = MakeCf(3, 0.0, 2), b = MakeCf(3, 0.0, 2), off = MakeCf(3);
  for (auto* r : {a.get(), off.get()}) {
    r->BeginStep(pf.At(0));
    r->ObserveClicks(pf.At(0), Communities());
    r->BeginStep(pf.At(3));
  }
  StateWriter out;
  a->SaveState(out);
  StateReader in(out.bytes(), "test");
  b->LoadState(in);
  for (int32_t user : {0, 1, 6, 11}) {
    const Retrieved x = AfterAddCandidates(*a, pf.At(4), user, {6, 7, 3, 4});
    const Retrieved y = AfterAddCandidates(*b, pf.At(4), user, {6, 7, 3, 4});
    EXPECT_EQ(x.ids, y.ids);
    EXPECT_EQ(x.sims, y.sims);
    // the negative control: retrieve 0 leaves the retriever's candidates as they were
    const Retrieved z = AfterAddCandidates(*off, pf.At(4), user, {6, 7, 3, 4});
    EXPECT_FALSE(z.added);
    EXPECT_EQ(z.ids, (std::vector<int64_t>{6, 7, 3, 4}));
  }
}

TEST(CfAlsRankerTest, BadParametersAreNamed) {
  const auto* e = RankerRegistry::Get().Find("cf_als");
  DiagnosticList diags;
  ValidateBlock(YAML::Load("{factors: 0, lambda: -1, retrain_every: 0, retrieve: -1, retrieval_index: IVF8}"), e->spec,
                "s.yaml", "ranker", diags);
  std::string all;
  for (const Diagnostic& d : diags.items()) all += d.Format() + "\n";
  EXPECT_NE(all.find("ranker.factors"), std::string::npos) << all;
  EXPECT_NE(all.find("ranker.lambda"), std::string::npos) << all;
  EXPECT_NE(all.find("ranker.retrain_every"), std::string::npos) << all;
  EXPECT_NE(all.find("ranker.retrieve"), std::string::npos) << all;
  EXPECT_NE(all.find("ranker.retrieval_index"), std::string::npos) << all;
}

}  // namespace
}  // namespace counterpoint
