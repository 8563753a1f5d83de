// Index factory strings are checked before FAISS sees them (embeddings/index_factory.h):
// every accepted form builds and searches (4-bit PQ codes: 16 centroids train fast); a structural number of 0 (which
// crashes FAISS 1.7.3), a number past its bound, or a form outside the accepted ones is refused with a message naming
// the part, before FAISS is called.
#include "embeddings/index_factory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "embeddings/catalog.h"
#include "embeddings/vector_index.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

// 600 random unit vectors in 16 dimensions
std::shared_ptr<const Catalog> Catalog600() {
  const int64_t n = 600, d = 16;
  std::vector<float> rows(n * d);
  const CounterRng rng(3, 0, 0, Purpose::kCatalogEmbedding);
  for (int64_t i = 0; i < n * d; ++i) rows[i] = static_cast<float>(rng.Normal(i));
  return testing::MakeCatalog(d, rows, std::vector<Label>(n, Label::kMainstream), std::vector<float>(n, 0.f));
}

TEST(IndexFactoryTest, EveryAcceptedFormBuildsAndFindsAnItemItself) {
  const auto catalog = Catalog600();
  for (const std::string f :
       {"Flat", "IVF16,Flat", "IVF16,SQ8", "IVF16,SQ4", "IVF16,SQ6", "IVF16,SQfp16", "IVF16,PQ4x4", "IVF8_HNSW8,Flat",
        "HNSW16", "HNSW2", "PQ4x4", "PQ4x4np", "SQ8", "SQfp16"}) {
    EXPECT_EQ(IndexFactoryProblem(f, 16, 600), "") << f;
    IndexOptions o;
    o.factory = f;
    o.nprobe = 16;
    const VectorIndex index(*catalog, o);
    float score[1];
    int64_t id[1];
    index.Search(catalog->Embedding(5), 1, 1, score, id);
    EXPECT_GE(id[0], 0) << f;
  }
}

TEST(IndexFactoryTest, ZerosBoundsAndUnknownFormsAreRefusedNamingThePart) {
  const struct {
    const char* factory;
    const char* says;
  } cases[] = {
      {"IVF0,Flat", "number of lists in 'IVF0' must be at least 1"},
      {"HNSW0", "graph degree M in 'HNSW0' must be at least 2"},
      {"HNSW1", "graph degree M in 'HNSW1' must be at least 2"},
      {"HNSW100000", "graph degree M in 'HNSW100000' must be at most 512"},
      {"PQ0", "number of sub-quantizers in 'PQ0' must be at least 1"},
      {"IVF16,PQ0", "number of sub-quantizers in 'PQ0' must be at least 1"},
      {"IVF16,PQ4x0", "bits per sub-quantizer code in 'PQ4x0' must be at least 1"},
      {"PQ4x17", "bits per sub-quantizer code in 'PQ4x17' must be at most 16"},
      {"IVF16,PQ5", "the number of sub-quantizers must divide the dimension"},
      {"OPQ4,PQ4", "'OPQ4' is not an index counterpoint accepts"},
      {"IVF16_HNSW0,Flat", "graph degree M in 'IVF16_HNSW0' must be at least 2"},
      {"IVF999999999999,Flat", "'IVF999999999999' must be at most"},
      {"IVF2000,Flat", "'IVF2000,Flat' has 2000 lists but the catalog has only 600 items"},
      {"IVF16", "an IVF index needs one encoding after it"},
      {"IVF16,Garbage", "'Garbage' is not an encoding counterpoint accepts"},
      {"Flat,Flat", "'Flat' cannot follow 'Flat'"},
      {"LSH", "'LSH' is not an index counterpoint accepts"},
      {"IDMap,Flat", "'IDMap' is not an index counterpoint accepts"},
      {"", "empty"},
      {"HNSW32x", "'HNSW32x' is not of the form HNSWm"},
  };
  const auto catalog = Catalog600();
  for (const auto& c : cases) {
    const std::string why = IndexFactoryProblem(c.factory, 16, 600);
    EXPECT_TRUE(Contains(why, c.says)) << c.factory << ": " << why;
    IndexOptions o;
    o.factory = c.factory;
    const InputError e = CatchInputError([&] { VectorIndex index(*catalog, o); });
    EXPECT_TRUE(Contains(e.what(), c.says)) << c.factory << ": " << e.what();
  }
  // at scenario load the catalog is not built yet: what depends on it is left for later
  EXPECT_EQ(IndexFactoryProblem("IVF2000,Flat", 0, 0), "");
  EXPECT_EQ(IndexFactoryProblem("IVF16,PQ5", 0, 0), "");
}

}  // namespace
}  // namespace counterpoint
