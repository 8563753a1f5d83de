// Tests for embeddings/hnsw_distance: the SIMD distance computer against a double
// reference, and an HNSW graph over SimdIndexFlatIP storage finding the exact
// top-k on a small catalog with a wide beam.
#include "embeddings/hnsw_distance.h"

#include <faiss/IndexHNSW.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "core/rng.h"
#include "embeddings/flat_search.h"
#include "random_rows.h"

namespace counterpoint {
namespace {

using testing::RandomRows;

double ExactDot(const float* a, const float* b, int64_t d, double* abs_sum) {
  double s = 0;
  *abs_sum = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j], *abs_sum += std::fabs(a[j] * b[j]);
  return s;
}

TEST(HnswDistanceTest, DistancesMatchDoubleReference) {
  const int64_t n = 50, d = 33;
  const auto xb = RandomRows(n, d, 1), q = RandomRows(1, d, 2);
  SimdIpDistanceComputer dc(xb.data(), d, ActiveKernels());
  dc.set_query(q.data());
  const double bound = 2 * d * std::ldexp(1.0, -24) * 1.01;
  double abs_sum;
  for (int64_t i = 0; i < n; ++i) {
    const double e = ExactDot(q.data(), xb.data() + i * d, d, &abs_sum);
    EXPECT_LE(std::fabs(dc(i) - e), bound * abs_sum);
    const double s = ExactDot(xb.data() + i * d, xb.data() + ((i * 7) % n) * d, d, &abs_sum);
    EXPECT_LE(std::fabs(dc.symmetric_dis(i, (i * 7) % n) - s), bound * abs_sum);
  }
}

TEST(HnswDistanceTest, HnswOverSimdStorageFindsExactTopkWithWideBeam) {
  const int64_t n = 400, d = 16, nq = 20, k = 5;
  const auto xb = RandomRows(n, d, 3), q = RandomRows(nq, d, 4);
  faiss::IndexHNSWFlat index(d, 16, faiss::METRIC_INNER_PRODUCT);
  delete index.storage;
  index.storage = new SimdIndexFlatIP(d);
  index.add(n, xb.data());
  faiss::SearchParametersHNSW p;
  p.efSearch = n;  // a beam as wide as the catalog: the walk reaches every vertex of this small graph
  std::vector<float> dis(nq * k);
  std::vector<faiss::Index::idx_t> ids(nq * k);
  index.search(nq, q.data(), k, dis.data(), ids.data(), &p);
  double abs_sum;
  int exact_hits = 0;
  for (int64_t i = 0; i < nq; ++i) {
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> s(n);
    for (int64_t j = 0; j < n; ++j) s[j] = ExactDot(q.data() + i * d, xb.data() + j * d, d, &abs_sum);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) { return s[a] > s[b]; });
    for (int64_t j = 0; j < k; ++j) {
      exact_hits += std::count(ids.begin() + i * k, ids.begin() + (i + 1) * k, order[j]) > 0;
      // scores are inner products (FAISS negates back the computer's negation)
      if (ids[i * k + j] >= 0) {
        EXPECT_NEAR(dis[i * k + j], s[ids[i * k + j]], 1e-4);
      }
    }
  }
  EXPECT_GE(exact_hits, nq * k * 95 / 100);
}

}  // namespace
}  // namespace counterpoint
