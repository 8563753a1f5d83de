// diversify_mmr: the greedy MMR order on a hand-built catalog, computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "embeddings/simd_kernels.h"
#include "random_rows.h"
#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

std::unique_ptr<Intervention> MakeMmr(double lambda) {
  const auto* e = InterventionRegistry::Get().Find("diversify_mmr");
  EXPECT_NE(e, nullptr);
  Params p = Params::Defaults(e->spec);
  p.Set("lambda", lambda);
  return e->factory(p);
}

// five unit vectors in 2-d: a=(1,0) b=(.8,.6) c=(0,1) e=(-.6,.8) f=(.6,.8)
// inner products: ab .8, ac 0, ae -.6, bc .6, be 0, ce .8
std::shared_ptr<const Catalog> Vectors() {
  return testing::MakeCatalog(2, {1, 0, .8f, .6f, 0, 1, -.6f, .8f, .6f, .8f}, std::vector<Label>(5, Label::kMainstream),
                              std::vector<float>(5, 0.f));
}

// one user's slate of 3 from candidates a..f with ranker scores 2, 1.8, 1, 0, -inf
std::vector<int64_t> Slate(double lambda, std::vector<float>* scores_out = nullptr) {
  auto cat = Vectors();
  VectorIndex index(*cat, {});
  ItemState items(cat->size());
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  SlateBatch b;
  b.Reserve(1, 2, 6, 3);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {0, 1, 2, 3, 4, -1};
  b.cand_sim = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -INFINITY};
  b.cand_score = {2.f, 1.8f, 1.f, 0.f, -INFINITY, -INFINITY};
  auto mmr = MakeMmr(lambda);
  mmr->OnScores(ctx, b);
  CutSlates(b);
  if (scores_out) *scores_out = b.cand_score;
  return {b.slate.begin(), b.slate.begin() + 3};
}

TEST(DiversifyMmrTest, GreedyOrderIsTheHandComputedOne) {
  // rel = (s - 0) / 2: a 1, b .9, c .5, e 0 (f at -inf is not eligible); lambda .5
  // pick 1: .5 rel -> a (.5)
  // pick 2: .5 rel - .5 sim(., a): b .45-.4=.05, c .25-0=.25, e 0+.3=.3 -> e
  // pick 3: max sims now b max(.8, 0)=.8, c max(0, .8)=.8: b .05, c .25-.4=-.15 -> b
  std::vector<float> scores;
  EXPECT_EQ(Slate(0.5, &scores), (std::vector<int64_t>{0, 3, 1}));
  // the picks get 1 + (3 - r); c keeps its relevance; f stays -inf; the empty slot untouched
  EXPECT_FLOAT_EQ(scores[0], 4.f);
  EXPECT_FLOAT_EQ(scores[3], 3.f);
  EXPECT_FLOAT_EQ(scores[1], 2.f);
  EXPECT_FLOAT_EQ(scores[2], 0.5f);
  EXPECT_EQ(scores[4], -INFINITY);
}

TEST(DiversifyMmrTest, LambdaOneKeepsTheRankersOrderAndZeroMaximisesSpread) {
  EXPECT_EQ(Slate(1.0), (std::vector<int64_t>{0, 1, 2}));
  // lambda 0: a first (ties at 0 broken by equal sim, then lower id), then the least similar to
  // a: e (-.6); then max sims b .8, c .8 (tie): lower id b
  EXPECT_EQ(Slate(0.0), (std::vector<int64_t>{0, 3, 1}));
}

TEST(DiversifyMmrTest, SuppressedCandidatesFillOnlyWhenThePoolRunsOut) {
  auto cat = Vectors();
  VectorIndex index(*cat, {});
  ItemState items(cat->size());
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  SlateBatch b;
  b.Reserve(1, 2, 3, 3);
  b.n = 1;
  int32_t user = 0;
  b.users = &user;
  b.cand_ids = {0, 4, 2};
  b.cand_sim = {0.1f, 0.9f, 0.2f};
  b.cand_score = {1.f, -INFINITY, 1.f};
  MakeMmr(0.5)->OnScores(ctx, b);
  CutSlates(b);
  // equal relevance (span 0: rel 1): the tie goes to the higher similarity (2); the -inf one last
  EXPECT_EQ(std::vector<int64_t>(b.slate.begin(), b.slate.end()), (std::vector<int64_t>{2, 0, 4}));
}

// The plain greedy loop of the definition (every open candidate's marginal relevance
// recomputed at every pick), written here independently of the intervention's lazy one.
std::vector<int64_t> EagerMmr(const Catalog& cat, const int64_t* ids, const float* sim, const float* score, int k,
                              int slate, float lambda) {
  const auto dot = ActiveKernels().dot;
  float lo = INFINITY, hi = -INFINITY;
  for (int j = 0; j < k; ++j)
    if (std::isfinite(score[j])) lo = std::min(lo, score[j]), hi = std::max(hi, score[j]);
  std::vector<int> picked;
  std::vector<bool> open(k);
  for (int j = 0; j < k; ++j) open[j] = std::isfinite(score[j]);
  std::vector<int64_t> out;
  for (int r = 0; r < slate; ++r) {
    int best = -1;
    float best_v = 0;
    for (int j = 0; j < k; ++j) {
      if (!open[j]) continue;
      const float rel = hi > lo ? (score[j] - lo) / (hi - lo) : 1.f;
      float max_sim = 0.f;
      for (size_t m = 0; m < picked.size(); ++m) {
        const float s = dot(cat.Embedding(ids[picked[m]]), cat.Embedding(ids[j]), cat.dim());
        max_sim = m == 0 ? s : std::max(max_sim, s);
      }
      const float v = lambda * rel - (1.f - lambda) * max_sim;
      const bool wins =
          best < 0 || v > best_v || (v == best_v && (sim[j] != sim[best] ? sim[j] > sim[best] : ids[j] < ids[best]));
      if (wins) best = j, best_v = v;
    }
    if (best < 0) break;
    open[best] = false;
    picked.push_back(best);
    out.push_back(ids[best]);
  }
  return out;
}

TEST(DiversifyMmrTest, LazyGreedyTakesTheEagerGreedysSlatesOnRandomPools) {
  // 400 random unit vectors in 32-d; 60 users x 100 candidates with scores on a coarse grid
  // (many ties) and some suppressed (-inf); slates of 10 for three lambdas
  const int64_t n_items = 400, d = 32, users = 60, k = 100, slate = 10;
  std::vector<float> x = testing::RandomRows(n_items, d, 7);
  for (int64_t i = 0; i < n_items; ++i) {
    double norm = 0;
    for (int64_t c = 0; c < d; ++c) norm += double(x[i * d + c]) * x[i * d + c];
    for (int64_t c = 0; c < d; ++c) x[i * d + c] = static_cast<float>(x[i * d + c] / std::sqrt(norm));
  }
  auto cat =
      testing::MakeCatalog(d, x, std::vector<Label>(n_items, Label::kMainstream), std::vector<float>(n_items, 0.f));
  VectorIndex index(*cat, {});
  ItemState items(cat->size());
  const PlatformView ctx_view(*cat);
  const RecContext ctx{ctx_view, index, items, 0, 1};
  const CounterRng rng(11, 0, 0, Purpose::kIndexTraining);
  for (const float lambda : {0.3f, 0.5f, 0.8f}) {
    SlateBatch b;
    b.Reserve(users, d, k, slate);
    b.n = users;
    std::vector<int32_t> ids_of_users(users);
    b.users = ids_of_users.data();
    for (int64_t u = 0; u < users; ++u)
      for (int j = 0; j < k; ++j) {
        const uint64_t at = (u * k + j) * 3;
        b.cand_ids[u * k + j] = (u * 37 + j * 4) % n_items;  // distinct within a user
        b.cand_sim[u * k + j] = static_cast<float>(rng.Below(at, 4)) / 4.f;
        b.cand_score[u * k + j] = rng.Below(at + 1, 10) == 0 ? -INFINITY : static_cast<float>(rng.Below(at + 2, 6));
      }
    const std::vector<float> scores_before = b.cand_score;
    MakeMmr(lambda)->OnScores(ctx, b);
    CutSlates(b);
    for (int64_t u = 0; u < users; ++u) {
      const std::vector<int64_t> want = EagerMmr(*cat, b.cand_ids.data() + u * k, b.cand_sim.data() + u * k,
                                                 scores_before.data() + u * k, k, slate, lambda);
      ASSERT_EQ(std::vector<int64_t>(b.Slate(u), b.Slate(u) + want.size()), want)
          << "user " << u << ", lambda " << lambda;
    }
  }
}

}  // namespace
}  // namespace counterpoint
