// Google Benchmark micro-benchmarks of the step's kernels, per batch of users:
// FAISS retrieval, engagement scoring, slate cutting, the logit user model and
// the choice-gradient learner. Run: ./build/bench/bench_kernels
#include <benchmark/benchmark.h>

#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "recommender/recommender.h"
#include "simulator/user_model.h"

namespace counterpoint {
namespace {

constexpr int64_t kBatch = 2048, kItems = 20000, kDim = 64;
constexpr int kCandidates = 200, kSlate = 10;

// one catalog, index, population and filled batch shared by all benchmarks
struct Fixture {
  std::shared_ptr<const Catalog> catalog;
  std::unique_ptr<VectorIndex> index;
  ItemState items{kItems};
  Population pop;
  SlateBatch batch;
  std::vector<int32_t> users;

  Fixture() {
    SyntheticCatalogParams p;
    p.n_items = kItems;
    p.dim = kDim;
    catalog = GenerateSyntheticCatalog(p, 1);
    index = std::make_unique<VectorIndex>(*catalog, IndexOptions{"IVF256,Flat", 8, 64});
    PopulationParams pp;
    pp.n_users = kBatch;
    pop = GeneratePopulation(pp, *catalog, 1);
    batch.Reserve(kBatch, kDim, kCandidates, kSlate);
    batch.n = kBatch;
    for (int32_t u = 0; u < kBatch; ++u) users.push_back(u);
    batch.users = users.data();
    std::copy(pop.estimate.begin(), pop.estimate.end(), batch.queries.begin());
    for (int64_t i = 0; i < kItems; ++i) items.impressions[i] = 10 + i % 7, items.clicks[i] = i % 5;
    items.max_clicks = 4;
    index->Search(batch.queries.data(), kBatch, kCandidates, batch.cand_sim.data(), batch.cand_ids.data());
  }
  RecContext Context() const { return RecContext{*catalog, *index, items, 3, 1}; }
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_FaissSearchIvf(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state)
    f.index->Search(f.batch.queries.data(), kBatch, kCandidates, f.batch.cand_sim.data(), f.batch.cand_ids.data(),
                    &f.items.available);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_EngagementScore(benchmark::State& state) {
  Fixture& f = F();
  const auto* e = RankerRegistry::Get().Find("engagement");
  auto ranker = e->factory(Params::Defaults(e->spec));
  ranker->BeginStep(f.Context());
  for (auto _ : state) ranker->Score(f.Context(), f.batch);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_CutSlates(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) CutSlates(f.batch);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_LogitRespond(benchmark::State& state) {
  Fixture& f = F();
  CutSlates(f.batch);
  LogitUserParams p;
  p.drift_rate = 0;  // keep the population fixed across iterations
  auto model = MakeLogitUserModel(p);
  ChoiceBuffer choices;
  choices.Reserve(kBatch, p.max_clicks);
  for (auto _ : state) model->Respond(f.Context(), f.batch, f.pop, choices);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_ChoiceGradientLearn(benchmark::State& state) {
  Fixture& f = F();
  CutSlates(f.batch);
  Recommender rec(nullptr, nullptr, {}, RecommenderOptions{});
  std::vector<float> estimate(f.pop.estimate.begin(), f.pop.estimate.end());
  for (auto _ : state) {
    for (int64_t u = 0; u < kBatch; ++u)
      rec.Learn(*f.catalog, f.batch.Slate(u), f.batch.SlateProvenance(u), kSlate, f.batch.Slate(u), 1,
                estimate.data() + u * kDim);
    benchmark::DoNotOptimize(estimate.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

BENCHMARK(BM_FaissSearchIvf)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EngagementScore)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_CutSlates)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_LogitRespond)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ChoiceGradientLearn)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace counterpoint

BENCHMARK_MAIN();
