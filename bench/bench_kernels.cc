// Google Benchmark micro-benchmarks of the step's kernels, per batch of users:
// FAISS retrieval, engagement scoring, slate cutting, the logit user model and
// the choice-gradient learner; and the inner-product kernels under FAISS (FAISS's
// own generic build vs embeddings/simd_kernels per level, per dot, per inverted
// list scan and per flat search). Run: ./build/bench/bench_kernels
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "embeddings/flat_search.h"
#include "embeddings/ivf_scanner.h"
#include "embeddings/simd_kernels.h"
#include "recommender/recommender.h"
#include "simulator/user_model.h"

namespace counterpoint {
namespace {

constexpr int64_t kBatch = 2048, kItems = 20000, kDim = 64;
constexpr int kCandidates = 200, kSlate = 10;

// one catalog, index, population and filled batch shared by all benchmarks
struct Fixture {
  std::shared_ptr<const Catalog> catalog;
  std::unique_ptr<PlatformView> view;  // what the ranker and the learner see of it
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
    view = std::make_unique<PlatformView>(*catalog);
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
  RecContext Context() const { return RecContext{*view, *index, items, 3, 1}; }
  UserContext World() const { return UserContext{*catalog, 3, 1}; }
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
  for (auto _ : state) model->Respond(f.World(), f.batch, f.pop, choices);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_ChoiceGradientLearn(benchmark::State& state) {
  Fixture& f = F();
  CutSlates(f.batch);
  Recommender rec(nullptr, nullptr, {}, RecommenderOptions{});
  std::vector<float> estimate(f.pop.estimate.begin(), f.pop.estimate.end());
  for (auto _ : state) {
    for (int64_t u = 0; u < kBatch; ++u)
      rec.Learn(*f.view, f.batch.Slate(u), f.batch.SlateProvenance(u), kSlate, f.batch.Slate(u), 1,
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

// ---------------------------------------------------------------------------
// inner-product kernels: FAISS 1.7.3's fvec_inner_product (Debian's baseline
// x86-64 build: scalar) vs ours, at each level this CPU has

std::vector<float> RandomRows(int64_t n, int64_t d, uint64_t seed) {
  std::vector<float> v(n * d);
  const CounterRng rng(seed, 0, 0, Purpose::kIndexTraining);
  for (int64_t i = 0; i < n * d; ++i) v[i] = static_cast<float>(rng.Normal(i));
  return v;
}

constexpr int64_t kDotRows = 1024;  // 1024 x d floats: in L1/L2, so the kernel's arithmetic is what is timed

void BM_DotFaiss(benchmark::State& state) {
  const int64_t d = state.range(0);
  const auto x = RandomRows(1, d, 1), y = RandomRows(kDotRows, d, 2);
  for (auto _ : state) {
    float s = 0;
    for (int64_t j = 0; j < kDotRows; ++j) s += faiss::fvec_inner_product(x.data(), y.data() + j * d, d);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * kDotRows);
}

void BM_DotOurs(benchmark::State& state) {
  const int64_t d = state.range(0);
  const DotKernels& k = KernelsFor(static_cast<SimdLevel>(state.range(1)));
  state.SetLabel(SimdLevelName(k.level));
  const auto x = RandomRows(1, d, 1), y = RandomRows(kDotRows, d, 2);
  for (auto _ : state) {
    float s = 0;
    for (int64_t j = 0; j < kDotRows; ++j) s += k.dot(x.data(), y.data() + j * d, d);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * kDotRows);
}

void BM_DotBlockOurs(benchmark::State& state) {
  // one query against a block of rows, as the IVF scanner calls it
  const int64_t d = state.range(0);
  const DotKernels& k = KernelsFor(static_cast<SimdLevel>(state.range(1)));
  state.SetLabel(SimdLevelName(k.level));
  const auto x = RandomRows(1, d, 1), y = RandomRows(kDotRows, d, 2);
  std::vector<float> out(kDotRows);
  for (auto _ : state) {
    k.block(x.data(), 1, y.data(), kDotRows, d, out.data(), kDotRows);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kDotRows);
}

// FAISS's IndexIVFFlat and ours over one quantizer (IVF256 over 20,000 items, d=64: about 78 items per list)
struct IvfPair {
  static constexpr int64_t kNlist = 256;
  faiss::IndexFlatIP quantizer{kDim};
  std::unique_ptr<faiss::IndexIVFFlat> faiss_ivf;
  std::unique_ptr<SimdIndexIVFFlat> ours;
  std::vector<float> q = RandomRows(1, kDim, 3);
  IvfPair() {
    const auto xb = RandomRows(kItems, kDim, 4);
    faiss_ivf = std::make_unique<faiss::IndexIVFFlat>(&quantizer, kDim, kNlist, faiss::METRIC_INNER_PRODUCT);
    faiss_ivf->cp.verbose = false;
    faiss_ivf->train(kItems, xb.data());
    faiss_ivf->add(kItems, xb.data());
    ours = std::make_unique<SimdIndexIVFFlat>(&quantizer, kDim, kNlist);
    ours->is_trained = true;
    ours->add(kItems, xb.data());
  }
};

IvfPair& Ivf() {
  static IvfPair p;
  return p;
}

// scans every list of the index for one query into a 200-slot heap, through the given scanner
void ScanAllLists(benchmark::State& state, const faiss::IndexIVF& index) {
  faiss::IDSelectorAll all;
  std::unique_ptr<faiss::InvertedListScanner> scanner(index.get_InvertedListScanner(false, &all));
  scanner->set_query(Ivf().q.data());
  std::vector<float> dis(kCandidates);
  std::vector<faiss::Index::idx_t> ids(kCandidates);
  for (auto _ : state) {
    faiss::heap_heapify<faiss::CMin<float, faiss::Index::idx_t>>(kCandidates, dis.data(), ids.data());
    for (int64_t l = 0; l < IvfPair::kNlist; ++l) {
      scanner->set_list(l, 0);
      scanner->scan_codes(index.invlists->list_size(l), index.invlists->get_codes(l), index.invlists->get_ids(l),
                          dis.data(), ids.data(), kCandidates);
    }
    benchmark::DoNotOptimize(dis.data());
  }
  state.SetItemsProcessed(state.iterations() * IvfPair::kNlist);  // items = list scans
}

void BM_ListScanFaiss(benchmark::State& state) { ScanAllLists(state, *Ivf().faiss_ivf); }
void BM_ListScanOurs(benchmark::State& state) {
  state.SetLabel(SimdLevelName(ActiveKernels().level));
  ScanAllLists(state, *Ivf().ours);
}

// exact flat search, 512 queries x 20,000 items, d=64, k=200, with an all-items selector
constexpr int64_t kFlatQueries = 512;

struct FlatData {
  std::vector<float> xb = RandomRows(kItems, kDim, 5), q = RandomRows(kFlatQueries, kDim, 6);
  std::vector<float> dis = std::vector<float>(kFlatQueries * kCandidates);
  std::vector<faiss::Index::idx_t> ids = std::vector<faiss::Index::idx_t>(kFlatQueries * kCandidates);
};

FlatData& Flat() {
  static FlatData f;
  return f;
}

// FAISS: with a selector (what deterministic search used: sequential scalar kernel), or without (BLAS sgemm)
void BM_FlatSearchFaiss(benchmark::State& state) {
  FlatData& f = Flat();
  faiss::IndexFlatIP index(kDim);
  index.add(kItems, f.xb.data());
  faiss::IDSelectorAll all;
  faiss::SearchParameters params;
  params.sel = &all;
  state.SetLabel(state.range(0) ? "sgemm, no selector" : "selector (sequential)");
  for (auto _ : state)
    index.search(kFlatQueries, f.q.data(), kCandidates, f.dis.data(), f.ids.data(), state.range(0) ? nullptr : &params);
  state.SetItemsProcessed(state.iterations() * kFlatQueries);
}

void BM_FlatSearchOurs(benchmark::State& state) {
  FlatData& f = Flat();
  const DotKernels& k = KernelsFor(static_cast<SimdLevel>(state.range(0)));
  state.SetLabel(SimdLevelName(k.level));
  faiss::IDSelectorAll all;
  for (auto _ : state)
    ExactInnerProductSearch(k, f.q.data(), kFlatQueries, f.xb.data(), kItems, kDim, kCandidates, &all, f.dis.data(),
                            reinterpret_cast<int64_t*>(f.ids.data()));
  state.SetItemsProcessed(state.iterations() * kFlatQueries);
}

// IVF search at the engine's scale, one thread: 2,048 queries over IVF1024,Flat
// of 100,000 random items (d=64), nprobe 8, k = state.range(0). Times the coarse
// quantizer, the list-major scans and the per-query top-k selection together.
struct LargeIvf {
  static constexpr int64_t kN = 100000, kNlist = 1024, kQueries = 2048;
  std::vector<float> xb = RandomRows(kN, kDim, 7), q = RandomRows(kQueries, kDim, 8);
  SimdIndexFlatIP quantizer{kDim};
  SimdIndexIVFFlat index{&quantizer, kDim, kNlist};
  LargeIvf() {
    index.train(40 * kNlist, xb.data());
    index.add(kN, xb.data());
    index.nprobe = 8;
  }
};

void BM_IvfSearchLarge(benchmark::State& state) {
  static LargeIvf f;
  const int64_t k = state.range(0);
  std::vector<float> dis(LargeIvf::kQueries * k);
  std::vector<faiss::Index::idx_t> ids(LargeIvf::kQueries * k);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  for (auto _ : state) f.index.search(LargeIvf::kQueries, f.q.data(), k, dis.data(), ids.data());
  omp_set_num_threads(threads);
  state.SetItemsProcessed(state.iterations() * LargeIvf::kQueries);
}

// IVF search at the 1M x 1M engine's scale, one thread: a round of 16,384 queries
// (one thread's share of a 32,768 batch: the users' starting estimates) over
// IVF4096,Flat of bench_engine's catalog (synthetic, 1,000,000 items, d = 64, 50
// topics; k-means on 64 per list), nprobe 8, top 200, with the engine's selector (a
// bitmap that excludes one item in 64). Times the coarse quantizer, the list-major
// scans and the per-query top-k selection together.
struct MillionIvf {
  static constexpr int64_t kN = 1000000, kNlist = 4096, kQueries = 16384, kK = 200;
  std::shared_ptr<const Catalog> catalog;
  std::vector<float> q;
  std::vector<uint8_t> bitmap = std::vector<uint8_t>((kN + 7) / 8, 0xfe);
  SimdIndexFlatIP quantizer{kDim};
  SimdIndexIVFFlat index{&quantizer, kDim, kNlist};
  MillionIvf() {
    SyntheticCatalogParams p;
    p.n_items = kN;
    p.dim = kDim;
    p.n_topics = 50;
    catalog = GenerateSyntheticCatalog(p, 1);
    PopulationParams pp;
    pp.n_users = kQueries;
    q = GeneratePopulation(pp, *catalog, 1).estimate;
    index.cp.max_points_per_centroid = 64;
    index.cp.verbose = false;
    index.train(kN, catalog->embeddings());
    index.add(kN, catalog->embeddings());
  }
};

void BM_IvfSearchMillion(benchmark::State& state) {
  static MillionIvf f;
  std::vector<float> dis(MillionIvf::kQueries * MillionIvf::kK);
  std::vector<faiss::Index::idx_t> ids(MillionIvf::kQueries * MillionIvf::kK);
  faiss::IDSelectorBitmap sel(f.bitmap.size(), f.bitmap.data());
  faiss::IDSelectorAll all;
  faiss::SearchParameters coarse;
  coarse.sel = &all;
  faiss::SearchParametersIVF params;
  params.nprobe = 8;
  params.sel = &sel;
  params.quantizer_params = &coarse;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  for (auto _ : state)
    f.index.search(MillionIvf::kQueries, f.q.data(), MillionIvf::kK, dis.data(), ids.data(), &params);
  omp_set_num_threads(threads);
  state.SetItemsProcessed(state.iterations() * MillionIvf::kQueries);
}

BENCHMARK(BM_DotFaiss)->Arg(64)->Arg(128);
BENCHMARK(BM_DotOurs)->ArgsProduct({{64, 128}, {0, 1, 2}});
BENCHMARK(BM_DotBlockOurs)->ArgsProduct({{64, 128}, {0, 1, 2}});
BENCHMARK(BM_ListScanFaiss)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListScanOurs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FlatSearchFaiss)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FlatSearchOurs)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IvfSearchLarge)->Arg(10)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IvfSearchMillion)->Unit(benchmark::kMillisecond)->Iterations(3)->Repetitions(3);

}  // namespace
}  // namespace counterpoint

BENCHMARK_MAIN();
