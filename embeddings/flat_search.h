// Exact inner-product search with the SIMD kernels: blocked scores, then a filtered top-k.
#pragma once

#include <faiss/IndexFlat.h>

#include <cstdint>

#include "embeddings/simd_kernels.h"

namespace faiss {
struct IDSelector;
}

namespace counterpoint {

/// Exact top-k by inner product of nq queries over nb base vectors (both
/// row-major, d columns). Scores come from `kernels.block` on tiles of queries x
/// items, so each (query, item) score has the bits `kernels.dot` gives it alone;
/// each query's heap sees the items in id order with a strict `>` test (on ties the
/// lower id is kept), so a query's answer does not depend on the other queries,
/// the batch size or the thread count. Items `sel` rejects are skipped (null: all).
/// Outputs are nq x k, best first; missing slots get id -1 and score
/// -FLT_MAX (FAISS's convention). Parallel over blocks of queries (OpenMP) unless
/// called inside a parallel region.
void ExactInnerProductSearch(const DotKernels& kernels, const float* queries, int64_t nq, const float* base, int64_t nb,
                             int64_t d, int64_t k, const faiss::IDSelector* sel, float* distances, int64_t* labels);

/// A FAISS flat inner-product index whose search runs ExactInnerProductSearch
/// with ActiveKernels() (for any batch size, with or without an ID selector) and
/// whose distance computer (used by HNSW over it) uses the same kernel.
struct SimdIndexFlatIP : faiss::IndexFlatIP {
  explicit SimdIndexFlatIP(idx_t d) : faiss::IndexFlatIP(d) {}

  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override;

  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override;
};

}  // namespace counterpoint
