// Tests for embeddings/vector_index: exactness against a brute-force
// inner-product top-k, filtering through ItemFilter, the empty-slot
// convention and construction errors.
#include "embeddings/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "embeddings/catalog.h"
#include "embeddings/catalog_source.h"

namespace counterpoint {
namespace {

constexpr float kTol = 1e-5f;  // float32 inner products of unit vectors

std::shared_ptr<const Catalog> SmallCatalog(int64_t n = 1000, int64_t dim = 16) {
  SyntheticCatalogParams p;
  p.n_items = n;
  p.dim = dim;
  p.n_topics = 8;
  p.share_borderline = 0.1;
  p.share_extremist = 0.05;
  p.share_counter_narrative = 0.05;
  p.share_news_reporting = 0.05;
  return GenerateSyntheticCatalog(p, 3);
}

// Half the queries are perturbed catalog items, half random directions.
std::vector<float> Queries(const Catalog& c, int nq) {
  const int64_t d = c.dim();
  std::vector<float> q(nq * d);
  for (int i = 0; i < nq; ++i) {
    const CounterRng rng(17, i, 0, Purpose::kSession);
    const float* base = c.Embedding((i * 37) % c.size());
    for (int64_t j = 0; j < d; ++j) q[i * d + j] = static_cast<float>((i % 2 ? 0.0 : base[j]) + 0.3 * rng.Normal(j));
  }
  NormalizeRows(q.data(), nq, d);
  return q;
}

double Dot(const float* a, const float* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

struct Hit {
  double score;
  int64_t id;
};

// Exact top-k by inner product over the available items (independent of FAISS).
std::vector<std::vector<Hit>> BruteForce(const Catalog& c, const std::vector<float>& q, int k,
                                         const ItemFilter* filter = nullptr) {
  const int64_t d = c.dim(), nq = static_cast<int64_t>(q.size()) / d;
  std::vector<std::vector<Hit>> out(nq);
  for (int64_t i = 0; i < nq; ++i) {
    std::vector<Hit> all;
    for (int64_t item = 0; item < c.size(); ++item)
      if (!filter || filter->IsAvailable(item)) all.push_back({Dot(q.data() + i * d, c.Embedding(item), d), item});
    std::sort(all.begin(), all.end(), [](const Hit& a, const Hit& b) { return a.score > b.score; });
    all.resize(std::min<size_t>(all.size(), k));
    out[i] = all;
  }
  return out;
}

struct Result {
  std::vector<float> scores;
  std::vector<int64_t> ids;
};

Result Search(const VectorIndex& index, const std::vector<float>& q, int k, const ItemFilter* filter = nullptr) {
  const int64_t nq = static_cast<int64_t>(q.size()) / index.dim();
  Result r{std::vector<float>(nq * k, 123.f), std::vector<int64_t>(nq * k, 123)};
  index.Search(q.data(), nq, k, r.scores.data(), r.ids.data(), filter);
  return r;
}

// Every slot equals the exact answer; a different id is allowed only for a
// near-tie (its true score equals the expected score within tolerance).
void ExpectExact(const Catalog& c, const std::vector<float>& q, const Result& got,
                 const std::vector<std::vector<Hit>>& want, int k) {
  const int64_t d = c.dim();
  for (size_t i = 0; i < want.size(); ++i) {
    std::set<int64_t> seen;
    for (int j = 0; j < k; ++j) {
      const int64_t id = got.ids[i * k + j];
      const float score = got.scores[i * k + j];
      if (j >= static_cast<int>(want[i].size())) {
        EXPECT_EQ(id, -1) << "query " << i << " slot " << j;
        EXPECT_EQ(score, -std::numeric_limits<float>::infinity());
        continue;
      }
      ASSERT_GE(id, 0) << "query " << i << " slot " << j;
      ASSERT_LT(id, c.size());
      EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
      EXPECT_NEAR(score, want[i][j].score, kTol) << "query " << i << " slot " << j;
      if (id != want[i][j].id) {
        EXPECT_NEAR(Dot(q.data() + i * d, c.Embedding(id), d), want[i][j].score, kTol)
            << "query " << i << " slot " << j << ": got " << id << ", want " << want[i][j].id;
      }
    }
  }
}

// Valid results for an approximate index: available ids, no duplicates, true
// scores, descending order, and -1/-inf only in a tail. Returns recall@k.
double CheckApproximate(const Catalog& c, const std::vector<float>& q, const Result& got,
                        const std::vector<std::vector<Hit>>& want, int k, const ItemFilter* filter) {
  const int64_t d = c.dim();
  int found = 0, total = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    std::set<int64_t> seen, truth;
    for (const Hit& h : want[i]) truth.insert(h.id);
    bool tail = false;
    for (int j = 0; j < k; ++j) {
      const int64_t id = got.ids[i * k + j];
      const float score = got.scores[i * k + j];
      if (id < 0) {
        tail = true;
        EXPECT_EQ(id, -1);
        EXPECT_EQ(score, -std::numeric_limits<float>::infinity());
        continue;
      }
      EXPECT_FALSE(tail) << "a result after an empty slot, query " << i;
      if (id >= c.size()) {
        ADD_FAILURE() << "id " << id << " out of range";
        continue;
      }
      if (filter) {
        EXPECT_TRUE(filter->IsAvailable(id)) << "excluded item " << id << " returned";
      }
      EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
      EXPECT_NEAR(score, Dot(q.data() + i * d, c.Embedding(id), d), kTol);
      if (j > 0 && got.ids[i * k + j - 1] >= 0) {
        EXPECT_GE(got.scores[i * k + j - 1] + kTol, score);
      }
      found += truth.count(id) > 0;
    }
    total += static_cast<int>(truth.size());
  }
  return static_cast<double>(found) / total;
}

// Excludes every third item and each query's exact top 3, so the filter bites.
ItemFilter TestFilter(const Catalog& c, const std::vector<float>& q) {
  ItemFilter f(c.size());
  for (int64_t i = 0; i < c.size(); i += 3) f.Set(i, false);
  for (const auto& hits : BruteForce(c, q, 3))
    for (const Hit& h : hits) f.Set(h.id, false);
  return f;
}

TEST(VectorIndexTest, FlatEqualsBruteForce) {
  const auto c = SmallCatalog();
  const VectorIndex index(*c, {"Flat"});
  EXPECT_EQ(index.size(), c->size());
  EXPECT_EQ(index.dim(), c->dim());
  const auto q = Queries(*c, 40);
  const int k = 10;
  ExpectExact(*c, q, Search(index, q, k), BruteForce(*c, q, k), k);
  // a batch of one gives the same answers (FAISS switches kernels by batch size)
  const std::vector<float> one(q.begin(), q.begin() + c->dim());
  ExpectExact(*c, one, Search(index, one, k), BruteForce(*c, one, k), k);
  // an item is its own nearest neighbour (unit vectors, cosine 1)
  const std::vector<float> self(c->Embedding(77), c->Embedding(77) + c->dim());
  const Result r = Search(index, self, 1);
  EXPECT_EQ(r.ids[0], 77);
  EXPECT_NEAR(r.scores[0], 1.0f, kTol);
  EXPECT_EQ(index.memory_bytes(), c->size() * c->dim() * 4);
  EXPECT_GE(index.search_seconds(), 0.0);
}

TEST(VectorIndexTest, IvfProbingAllListsIsExact) {
  const auto c = SmallCatalog();
  const VectorIndex index(*c, {"IVF16,Flat", /*nprobe=*/16});
  const auto q = Queries(*c, 40);
  const int k = 10;
  ExpectExact(*c, q, Search(index, q, k), BruteForce(*c, q, k), k);
}

TEST(VectorIndexTest, IvfWithOneProbeReturnsValidResults) {
  const auto c = SmallCatalog();
  const VectorIndex index(*c, {"IVF16,Flat", /*nprobe=*/1});
  const auto q = Queries(*c, 40);
  const int k = 10;
  const double recall = CheckApproximate(*c, q, Search(index, q, k), BruteForce(*c, q, k), k, nullptr);
  EXPECT_GT(recall, 0.2);  // one list of 16 still holds many true neighbours
}

TEST(VectorIndexTest, ItemFilterBookkeeping) {
  ItemFilter f(13);
  EXPECT_EQ(f.size(), 13);
  EXPECT_EQ(f.available_count(), 13);
  f.Set(3, false);
  f.Set(3, false);  // idempotent
  f.Set(12, false);
  EXPECT_EQ(f.available_count(), 11);
  EXPECT_FALSE(f.IsAvailable(3));
  EXPECT_FALSE(f.IsAvailable(12));
  EXPECT_TRUE(f.IsAvailable(4));
  EXPECT_EQ(f.bitmap()[0], 0xff & ~(1 << 3));  // bit i of byte i/8, as FAISS's IDSelectorBitmap reads it
  EXPECT_EQ(f.bitmap()[1] & (1 << 4), 0);
  f.Set(3, true);
  f.Set(3, true);
  EXPECT_EQ(f.available_count(), 12);
  ItemFilter none(10, /*available=*/false);
  EXPECT_EQ(none.available_count(), 0);
  for (int64_t i = 0; i < 10; ++i) EXPECT_FALSE(none.IsAvailable(i));
  none.Set(9, true);
  EXPECT_EQ(none.available_count(), 1);
  EXPECT_TRUE(none.IsAvailable(9));
  EXPECT_EQ(ItemFilter().size(), 0);
}

TEST(VectorIndexTest, FilteredFlatAndIvfReturnTheBestAvailable) {
  const auto c = SmallCatalog();
  const auto q = Queries(*c, 40);
  const ItemFilter filter = TestFilter(*c, q);
  ASSERT_LT(filter.available_count(), c->size() * 2 / 3 + 1);
  const int k = 10;
  const auto want = BruteForce(*c, q, k, &filter);
  for (const IndexOptions& options : {IndexOptions{"Flat"}, IndexOptions{"IVF16,Flat", 16}}) {
    SCOPED_TRACE(options.factory);
    const VectorIndex index(*c, options);
    EXPECT_TRUE(index.native_filtering());  // FAISS applies the bitmap inside the search
    const Result got = Search(index, q, k, &filter);
    ExpectExact(*c, q, got, want, k);
    for (int64_t id : got.ids) EXPECT_TRUE(id >= 0 && filter.IsAvailable(id));
  }
}

TEST(VectorIndexTest, FilteredHnswNeverReturnsExcludedItems) {
  const auto c = SmallCatalog();
  const auto q = Queries(*c, 40);
  const ItemFilter filter = TestFilter(*c, q);
  const int k = 10;
  const VectorIndex index(*c, {"HNSW32", 8, /*ef_search=*/128});  // built single-threaded: deterministic recall
  EXPECT_TRUE(index.native_filtering());
  const double recall =
      CheckApproximate(*c, q, Search(index, q, k, &filter), BruteForce(*c, q, k, &filter), k, &filter);
  EXPECT_GE(recall, 0.9);  // 1000 items, beam 128: near-exact
}

// PQ has no native IDSelector support here, so Search post-filters: it must
// return what an unfiltered search over all items gives after dropping the
// excluded ones. PQ scores tie (equal codes), so ids are checked through scores.
TEST(VectorIndexTest, PostFilteredSearchMatchesFilteringTheFullRanking) {
  const auto c = SmallCatalog();
  const VectorIndex index(*c, {"PQ4x4np"});  // np: skip the slow polysemous training
  ASSERT_FALSE(index.native_filtering());
  const auto q = Queries(*c, 8);
  const int64_t n = c->size(), nq = 8;
  const Result full = Search(index, q, static_cast<int>(n));
  const ItemFilter dense = TestFilter(*c, q);
  ItemFilter sparse(n, false);  // forces the widening loop all the way to n
  for (int64_t id : {5, 500, 999}) sparse.Set(id, true);
  for (const ItemFilter* filter : std::vector<const ItemFilter*>{&dense, &sparse}) {
    const int k = 10;
    const Result got = Search(index, q, k, filter);
    for (int64_t i = 0; i < nq; ++i) {
      std::vector<float> want_scores;
      std::vector<float> score_of(n, std::numeric_limits<float>::quiet_NaN());
      for (int64_t j = 0; j < n; ++j) {
        const int64_t id = full.ids[i * n + j];
        ASSERT_GE(id, 0);
        score_of[id] = full.scores[i * n + j];
        if (filter->IsAvailable(id) && static_cast<int>(want_scores.size()) < k)
          want_scores.push_back(full.scores[i * n + j]);
      }
      std::set<int64_t> seen;
      for (int j = 0; j < k; ++j) {
        const int64_t id = got.ids[i * k + j];
        const float score = got.scores[i * k + j];
        if (j >= static_cast<int>(want_scores.size())) {
          EXPECT_EQ(id, -1);
          EXPECT_EQ(score, -std::numeric_limits<float>::infinity());
          continue;
        }
        ASSERT_GE(id, 0) << "query " << i << " slot " << j;
        EXPECT_TRUE(filter->IsAvailable(id)) << "excluded item " << id << " returned";
        EXPECT_TRUE(seen.insert(id).second);
        EXPECT_NEAR(score, want_scores[j], 1e-6) << "query " << i << " slot " << j;
        EXPECT_NEAR(score_of[id], score, 1e-6);
      }
    }
  }
}

// IDSelectorBitmap covers ceil(n / 8) bytes: with 1003 items the last byte holds
// items 1000..1002, whose bits must be honoured both ways.
TEST(VectorIndexTest, FilterBitsOfTheLastPartialByteAreHonoured) {
  const auto c = SmallCatalog(1003, 16);
  ASSERT_NE(c->size() % 8, 0);
  for (const IndexOptions& options : {IndexOptions{"Flat"}, IndexOptions{"IVF16,Flat", 16}}) {
    SCOPED_TRACE(options.factory);
    const VectorIndex index(*c, options);
    ItemFilter filter(c->size());
    filter.Set(1001, false);
    filter.Set(1002, false);
    // an item is its own best match unless excluded
    for (int64_t item : {1000, 1001, 1002}) {
      const std::vector<float> self(c->Embedding(item), c->Embedding(item) + c->dim());
      const Result r = Search(index, self, 5, &filter);
      for (int64_t id : r.ids) EXPECT_TRUE(id != 1001 && id != 1002) << "excluded item " << id << " returned";
      if (item == 1000) {
        EXPECT_EQ(r.ids[0], 1000);
      }
    }
    // only the very last item available: every query gets it, then empty slots
    ItemFilter last(c->size(), /*available=*/false);
    last.Set(1002, true);
    const auto q = Queries(*c, 4);
    const Result r = Search(index, q, 2, &last);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(r.ids[i * 2], 1002);
      EXPECT_EQ(r.ids[i * 2 + 1], -1);
    }
  }
}

TEST(VectorIndexTest, AllAvailableFilterEqualsNoFilter) {
  const auto c = SmallCatalog();
  const VectorIndex index(*c, {"Flat"});
  const auto q = Queries(*c, 8);
  ItemFilter all(c->size());
  all.Set(5, false);
  all.Set(5, true);
  const Result a = Search(index, q, 5), b = Search(index, q, 5, &all);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
}

TEST(VectorIndexTest, FewerAvailableThanKLeavesAnEmptyTail) {
  const auto c = SmallCatalog();
  const auto q = Queries(*c, 6);
  ItemFilter filter(c->size(), /*available=*/false);
  for (int64_t id : {5, 500, 999}) filter.Set(id, true);
  const int k = 8;
  const auto want = BruteForce(*c, q, k, &filter);
  ASSERT_EQ(want[0].size(), 3u);
  for (const IndexOptions& options :
       {IndexOptions{"Flat"}, IndexOptions{"IVF16,Flat", 16}, IndexOptions{"HNSW32", 8, 1024}}) {
    SCOPED_TRACE(options.factory);
    const VectorIndex index(*c, options);
    const Result got = Search(index, q, k, &filter);
    if (options.factory == "HNSW32") {
      // graph search may miss isolated survivors; the convention must still hold
      CheckApproximate(*c, q, got, want, k, &filter);
      for (size_t i = 0; i < q.size() / c->dim(); ++i)
        for (int j = 3; j < k; ++j) {
          EXPECT_EQ(got.ids[i * k + j], -1);
          EXPECT_EQ(got.scores[i * k + j], -std::numeric_limits<float>::infinity());
        }
    } else {
      ExpectExact(*c, q, got, want, k);
    }
  }
  // no item available at all: every slot is empty
  ItemFilter none(c->size(), false);
  const VectorIndex flat(*c, {"Flat"});
  const Result empty = Search(flat, q, 3, &none);
  for (size_t i = 0; i < empty.ids.size(); ++i) {
    EXPECT_EQ(empty.ids[i], -1);
    EXPECT_EQ(empty.scores[i], -std::numeric_limits<float>::infinity());
  }
}

TEST(VectorIndexTest, KLargerThanCatalogLeavesAnEmptyTail) {
  const auto c = SmallCatalog(20, 8);
  const VectorIndex index(*c, {"Flat"});
  const auto q = Queries(*c, 3);
  const int k = 25;
  ExpectExact(*c, q, Search(index, q, k), BruteForce(*c, q, k), k);
}

TEST(VectorIndexTest, InvalidFactoryStringIsAnInputError) {
  const auto c = SmallCatalog(100, 8);
  try {
    VectorIndex index(*c, {"NotAnIndex42,Flat"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'NotAnIndex42,Flat'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HNSW32"), std::string::npos) << e.what();  // examples
  }
}

// "IDMap,Flat" parses, but IndexIDMap refuses add() without ids: an InputError, not a crash.
TEST(VectorIndexTest, FactoryStringFaissCannotBuildIsAnInputError) {
  const auto c = SmallCatalog(100, 8);
  try {
    VectorIndex index(*c, {"IDMap,Flat"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'IDMap,Flat'"), std::string::npos) << e.what();
  }
}

TEST(VectorIndexTest, IvfWithMoreListsThanItemsIsAnInputError) {
  const auto c = SmallCatalog(100, 8);
  try {
    VectorIndex index(*c, {"IVF256,Flat"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("256 lists"), std::string::npos) << msg;
    EXPECT_NE(msg.find("only 100 items"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace counterpoint
