// diversify_mmr: the greedy MMR order on a hand-built catalog, computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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
  const RecContext ctx{*cat, index, items, 0, 1};
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
  const RecContext ctx{*cat, index, items, 0, 1};
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

}  // namespace
}  // namespace counterpoint
