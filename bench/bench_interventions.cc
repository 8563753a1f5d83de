// Google Benchmark micro-benchmarks of the score-stage interventions of
// scenarios/ranking_team_ab.yaml (diversify_mmr, calibrate, demote_harmful,
// not_interested) on one batch of 2,048 users at that scenario's shape scaled to the
// scale target (100,000 items, d = 32, 20 topics, IVF1024,Flat at nprobe 32, 100
// candidates, slates of 10): microseconds per user of OnScores alone, after five
// rounds of slates and responses have filled the interventions' per-user state
// (clicked topics, dismissed items). Argument 1 evicts the caches (a 64 MiB sweep,
// untimed) before every timed call, as the FAISS scan between two stages does in a run;
// argument 0 leaves them warm. Run: ./build/bench/bench_interventions
#include <benchmark/benchmark.h>

#include "embeddings/catalog_source.h"
#include "recommender/recommender.h"
#include "simulator/user_model.h"

namespace counterpoint {
namespace {

constexpr int64_t kBatch = 2048, kItems = 100000, kDim = 32;
constexpr int kCandidates = 100, kSlate = 10, kWarmRounds = 5;

struct Fixture {
  std::shared_ptr<const Catalog> catalog;
  std::unique_ptr<PlatformView> view;       // what the interventions see of it
  std::unique_ptr<TruthChannels> channels;  // the ground truth that reaches them
  std::unique_ptr<VectorIndex> index;
  ItemState items{kItems};
  Population pop;
  SlateBatch scored;  // retrieved and scored by the engagement ranker, before any intervention
  std::vector<int32_t> users;
  std::vector<char> evict = std::vector<char>(64 << 20, 1);

  Fixture() {
    SyntheticCatalogParams p;
    p.n_items = kItems;
    p.dim = kDim;
    catalog = GenerateSyntheticCatalog(p, 1);
    view = std::make_unique<PlatformView>(*catalog);
    channels = std::make_unique<TruthChannels>(*catalog);
    index = std::make_unique<VectorIndex>(*catalog, IndexOptions{"IVF1024,Flat", 32, 64});
    PopulationParams pp;
    pp.n_users = kBatch;
    pop = GeneratePopulation(pp, *catalog, 1);
    scored.Reserve(kBatch, kDim, kCandidates, kSlate);
    scored.n = kBatch;
    for (int32_t u = 0; u < kBatch; ++u) users.push_back(u);
    scored.users = users.data();
    std::copy(pop.estimate.begin(), pop.estimate.end(), scored.queries.begin());
    index->Search(scored.queries.data(), kBatch, kCandidates, scored.cand_sim.data(), scored.cand_ids.data());
    const auto* e = RankerRegistry::Get().Find("engagement");
    Params rp = Params::Defaults(e->spec);
    rp.Set("ctr_weight", 8.0);
    auto ranker = e->factory(rp);
    ranker->BeginStep(Context());
    ranker->Score(Context(), scored);
  }
  RecContext Context() const { return RecContext{*view, *index, items, 3, 1}; }
  void Evict() {
    for (size_t i = 0; i < evict.size(); i += 64) evict[i] = static_cast<char>(evict[i] + 1);
    benchmark::DoNotOptimize(evict.data());
  }
};

Fixture& F() {
  static Fixture f;
  return f;
}

// one intervention, its per-user state filled by kWarmRounds rounds of slates and responses
std::unique_ptr<Intervention> Warmed(const std::string& type,
                                     const std::vector<std::pair<std::string, ParamValue>>& set) {
  Fixture& f = F();
  const auto* e = InterventionRegistry::Get().Find(type);
  Params p = Params::Defaults(e->spec);
  for (const auto& [k, v] : set) p.Set(k, v);
  auto iv = e->factory(p);
  InterventionContext ic{*f.view,     *f.index, *f.channels, kBatch, 0, kBatch,
                         kCandidates, kSlate,   "bench",     1,      0, InterventionPurpose(0)};
  iv->Init(ic);
  LogitUserParams up;
  up.drift_rate = 0;  // the population stays as generated
  auto model = MakeLogitUserModel(up);
  ChoiceBuffer choices;
  choices.Reserve(kBatch, up.max_clicks, kSlate);
  SlateBatch b = f.scored;
  for (int round = 0; round < kWarmRounds; ++round) {
    const RecContext ctx{*f.view, *f.index, f.items, round, 1};
    iv->BeginStep(ctx);
    b.cand_score = f.scored.cand_score;
    iv->OnScores(ctx, b);
    CutSlates(b);
    model->Respond({*f.catalog, round, 1}, b, f.pop, choices);
    iv->OnResponse(ctx, b, choices);
    iv->OnFeedback(ctx, b, choices);
  }
  return iv;
}

void Run(benchmark::State& state, const std::string& type,
         const std::vector<std::pair<std::string, ParamValue>>& set = {}) {
  Fixture& f = F();
  auto iv = Warmed(type, set);
  const RecContext ctx{*f.view, *f.index, f.items, kWarmRounds, 1};
  SlateBatch b = f.scored;
  for (auto _ : state) {
    state.PauseTiming();
    b.cand_score = f.scored.cand_score;
    if (state.range(0)) f.Evict();
    iv->BeginStep(ctx);
    state.ResumeTiming();
    iv->OnScores(ctx, b);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  // seconds per user (printed with an SI prefix: 1.2u = 1.2 microseconds)
  state.counters["per_user"] = benchmark::Counter(static_cast<double>(state.iterations() * kBatch),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_DiversifyMmr(benchmark::State& s) { Run(s, "diversify_mmr", {{"lambda", 0.5}}); }
void BM_Calibrate(benchmark::State& s) {
  Run(s, "calibrate", {{"lambda", 0.5}, {"alpha", 0.01}, {"history", int64_t{20}}});
}
void BM_DemoteHarmful(benchmark::State& s) { Run(s, "demote_harmful", {{"threshold", 0.5}, {"weight", 1.0}}); }
void BM_NotInterested(benchmark::State& s) {
  Run(s, "not_interested",
      {{"probability", 0.3}, {"similarity", 0.9}, {"suppress_steps", int64_t{10}}, {"memory", int64_t{8}}});
}

BENCHMARK(BM_DiversifyMmr)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Calibrate)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_DemoteHarmful)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_NotInterested)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace counterpoint

BENCHMARK_MAIN();
