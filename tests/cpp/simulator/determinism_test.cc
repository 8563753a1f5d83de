// Determinism for every index type: a query's results must not depend on the
// thread count, on the other queries of its batch (FAISS switches distance
// kernels by batch size and by whether an ID selector is given), nor on whether
// the item filter still excludes anything. Checked bit for bit, first on the
// VectorIndex itself, then on whole runs (MetricsCsv text).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "embeddings/catalog.h"
#include "embeddings/catalog_source.h"
#include "embeddings/vector_index.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::ScopedThreads;

// sets the OpenMP thread count for one scope and restores it afterwards
std::shared_ptr<const Catalog> TestCatalog() {
  SyntheticCatalogParams p;
  p.n_items = 2000;
  p.dim = 16;
  p.n_topics = 6;
  return GenerateSyntheticCatalog(p, 5);
}

// queries near catalog items (the situation of a user whose estimate sits in a topic)
std::vector<float> TestQueries(const Catalog& c, int nq) {
  const int64_t d = c.dim();
  std::vector<float> q(nq * d);
  for (int i = 0; i < nq; ++i) {
    const CounterRng rng(23, i, 0, Purpose::kSession);
    const float* base = c.Embedding((i * 131) % c.size());
    for (int64_t j = 0; j < d; ++j) q[i * d + j] = static_cast<float>(base[j] + 0.2 * rng.Normal(j));
  }
  NormalizeRows(q.data(), nq, d);
  return q;
}

struct Hits {
  std::vector<float> scores;
  std::vector<int64_t> ids;
};

// searches all queries in consecutive batches of `batch` queries
Hits SearchInBatches(const VectorIndex& index, const std::vector<float>& q, int k, int64_t batch,
                     const ItemFilter* filter) {
  const int64_t d = index.dim(), nq = static_cast<int64_t>(q.size()) / d;
  Hits h{std::vector<float>(nq * k), std::vector<int64_t>(nq * k)};
  for (int64_t s = 0; s < nq; s += batch) {
    const int64_t n = std::min(batch, nq - s);
    index.Search(q.data() + s * d, n, k, h.scores.data() + s * k, h.ids.data() + s * k, filter);
  }
  return h;
}

// bit-for-bit equality (EXPECT_EQ on floats would accept -0 == +0 and reject NaN == NaN)
bool SameBits(const Hits& a, const Hits& b) {
  return a.ids == b.ids && a.scores.size() == b.scores.size() &&
         std::memcmp(a.scores.data(), b.scores.data(), a.scores.size() * sizeof(float)) == 0;
}

class IndexDeterminismTest : public ::testing::TestWithParam<const char*> {};

// One index built with 1 thread and one built with 2 must answer identically;
// each query's answer must not depend on batch size, thread count, or whether
// the filter is absent, full (every item available) or partial.
TEST_P(IndexDeterminismTest, ResultsIgnoreThreadsBatchesAndFullFilters) {
  const auto c = TestCatalog();
  const IndexOptions options{GetParam(), /*nprobe=*/8, /*ef_search=*/64};
  std::unique_ptr<VectorIndex> one, two;
  {
    ScopedThreads t(1);
    one = std::make_unique<VectorIndex>(*c, options);
  }
  {
    ScopedThreads t(2);
    two = std::make_unique<VectorIndex>(*c, options);
  }
  const auto q = TestQueries(*c, 150);
  const int k = 20;
  ItemFilter full(c->size());
  ItemFilter partial(c->size());
  for (int64_t i = 0; i < c->size(); i += 5) partial.Set(i, false);
  Hits reference;
  {
    ScopedThreads t(1);
    reference = SearchInBatches(*one, q, k, 1, &full);
  }
  for (int threads : {1, 2}) {
    ScopedThreads t(threads);
    for (int64_t batch : {1, 7, 150}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch));
      EXPECT_TRUE(SameBits(reference, SearchInBatches(*one, q, k, batch, nullptr))) << "no filter";
      EXPECT_TRUE(SameBits(reference, SearchInBatches(*one, q, k, batch, &full))) << "full filter";
      EXPECT_TRUE(SameBits(reference, SearchInBatches(*two, q, k, batch, &full))) << "index built with 2 threads";
    }
  }
  // a partial filter: same answer whatever the batch and threads
  Hits filtered;
  {
    ScopedThreads t(1);
    filtered = SearchInBatches(*one, q, k, 1, &partial);
  }
  for (int64_t id : filtered.ids) EXPECT_TRUE(id < 0 || partial.IsAvailable(id));
  for (int threads : {1, 2}) {
    ScopedThreads t(threads);
    for (int64_t batch : {7, 150}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch));
      EXPECT_TRUE(SameBits(filtered, SearchInBatches(*one, q, k, batch, &partial)));
      EXPECT_TRUE(SameBits(filtered, SearchInBatches(*two, q, k, batch, &partial)));
    }
  }
}

// PQ4x4np has no native selector support: the post-filter path widens per
// query; its answers must not depend on which other queries share the batch.
INSTANTIATE_TEST_SUITE_P(Factories, IndexDeterminismTest,
                         ::testing::Values("Flat", "IVF32,Flat", "HNSW16", "PQ4x4np", "IVF32,SQ8"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// Uploads arrive during the first three steps (filtered searches), the last
// five run with every item available (the filter excludes nothing).
const char* kUploads = R"(
name: determinism
seed: 19
steps: 8
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6, new_item_share: 0.3, upload_horizon: 3}
index: {factory: Flat}
population: {n_users: 500}
recommender: {candidates: 40, slate_size: 8}
)";

std::string Metrics(const std::string& factory, int threads, int batch) {
  ScopedThreads t(threads);
  const Scenario sc =
      ParseScenario(kUploads, "determinism.yaml", {"index.factory=" + factory, "batch_size=" + std::to_string(batch)});
  return MetricsCsv(RunScenario(sc));
}

class RunDeterminismTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RunDeterminismTest, ThreadsAndBatchSizeGiveIdenticalMetrics) {
  const std::string reference = Metrics(GetParam(), 1, 2048);
  EXPECT_EQ(reference, Metrics(GetParam(), 2, 2048)) << "1 vs 2 threads";
  EXPECT_EQ(reference, Metrics(GetParam(), 2, 7)) << "batch 2048 vs 7";
  EXPECT_EQ(reference, Metrics(GetParam(), 1, 7)) << "batch 2048 vs 7, one thread";
}

INSTANTIATE_TEST_SUITE_P(Factories, RunDeterminismTest, ::testing::Values("Flat", "IVF32,Flat", "HNSW16"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace counterpoint
