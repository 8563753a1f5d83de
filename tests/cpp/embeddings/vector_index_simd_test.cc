// VectorIndex puts the SIMD kernels under FAISS: for Flat, IVF-Flat and HNSW
// every returned score carries exactly the bits of ActiveKernels().dot of the
// query and the returned item (FAISS's own scalar kernel rounds differently on
// some pairs), with and without an exclusion filter.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "core/rng.h"
#include "embeddings/catalog.h"
#include "embeddings/catalog_source.h"
#include "embeddings/simd_kernels.h"
#include "embeddings/vector_index.h"

namespace counterpoint {
namespace {

class VectorIndexSimdTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VectorIndexSimdTest, ScoresAreTheKernelsBits) {
  SyntheticCatalogParams p;
  p.n_items = 2000;
  p.dim = 40;
  p.n_topics = 8;
  const auto catalog = GenerateSyntheticCatalog(p, 5);
  const VectorIndex index(*catalog, IndexOptions{GetParam(), 4, 64});
  const int nq = 50, k = 20;
  const int64_t d = catalog->dim();
  std::vector<float> q(nq * d);
  for (int i = 0; i < nq; ++i) {
    const CounterRng rng(9, i, 0, Purpose::kSession);
    for (int64_t j = 0; j < d; ++j) q[i * d + j] = static_cast<float>(rng.Normal(j));
  }
  NormalizeRows(q.data(), nq, d);
  ItemFilter filter(catalog->size());
  for (int64_t i = 0; i < catalog->size(); i += 2) filter.Set(i, false);
  const DotKernels& kern = ActiveKernels();
  for (const ItemFilter* f : {static_cast<const ItemFilter*>(nullptr), static_cast<const ItemFilter*>(&filter)}) {
    std::vector<float> s(nq * k);
    std::vector<int64_t> ids(nq * k);
    index.Search(q.data(), nq, k, s.data(), ids.data(), f);
    int checked = 0;
    for (int i = 0; i < nq * k; ++i) {
      if (ids[i] < 0) continue;
      if (f) {
        EXPECT_EQ(ids[i] % 2, 1) << "excluded item returned";
      }
      const float expect = kern.dot(q.data() + (i / k) * d, catalog->Embedding(ids[i]), d);
      EXPECT_EQ(std::memcmp(&expect, &s[i], sizeof(float)), 0) << "slot " << i << ": " << s[i] << " vs " << expect;
      ++checked;
    }
    EXPECT_GT(checked, nq * k / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Factories, VectorIndexSimdTest, ::testing::Values("Flat", "IVF16,Flat", "HNSW16"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace counterpoint
