#include "embeddings/hnsw_distance.h"

namespace counterpoint {

SimdIpDistanceComputer::SimdIpDistanceComputer(const float* base, int64_t d, const DotKernels& kernels)
    : faiss::FlatCodesDistanceComputer(reinterpret_cast<const uint8_t*>(base), d * sizeof(float)),
      base_(base),
      d_(d),
      kernels_(kernels) {}

void SimdIpDistanceComputer::set_query(const float* x) { query_ = x; }

float SimdIpDistanceComputer::distance_to_code(const uint8_t* code) {
  return kernels_.dot(query_, reinterpret_cast<const float*>(code), d_);
}

float SimdIpDistanceComputer::symmetric_dis(idx_t i, idx_t j) {
  return kernels_.dot(base_ + i * d_, base_ + j * d_, d_);
}

}  // namespace counterpoint
