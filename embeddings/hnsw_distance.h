// Distance computer over flat float storage with the SIMD inner-product kernel (HNSW's distances).
#pragma once

#include <faiss/impl/DistanceComputer.h>

#include <cstdint>

#include "embeddings/simd_kernels.h"

namespace counterpoint {

/// Inner products of the current query with rows of a flat n x d float array,
/// by `kernels.dot`. FAISS's HNSW negates them (NegativeDistanceComputer) to
/// treat larger products as nearer; it reaches this through the storage index's
/// get_FlatCodesDistanceComputer (SimdIndexFlatIP), both to build and to search.
struct SimdIpDistanceComputer : faiss::FlatCodesDistanceComputer {
  SimdIpDistanceComputer(const float* base, int64_t d, const DotKernels& kernels);

  void set_query(const float* x) override;
  float distance_to_code(const uint8_t* code) override;
  float symmetric_dis(idx_t i, idx_t j) override;

 private:
  const float* base_;
  int64_t d_;
  const DotKernels& kernels_;
  const float* query_ = nullptr;
};

}  // namespace counterpoint
