#include "embeddings/ivf_scanner.h"

#include <faiss/impl/IDSelector.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/utils/Heap.h>

#include <algorithm>

namespace counterpoint {

namespace {
constexpr size_t kChunk = 256;  // list items scored per kernel call (1 KiB of scores on the stack)
using Heap = faiss::CMin<float, faiss::Index::idx_t>;
}  // namespace

SimdIvfFlatScanner::SimdIvfFlatScanner(int64_t d, bool store_pairs, const faiss::IDSelector* sel,
                                       const DotKernels& kernels)
    : faiss::InvertedListScanner(store_pairs, sel), d_(d), kernels_(kernels) {
  keep_max = true;
  code_size = d * sizeof(float);
  all_ = !sel || dynamic_cast<const faiss::IDSelectorAll*>(sel);
}

float SimdIvfFlatScanner::distance_to_code(const uint8_t* code) const {
  return kernels_.dot(query_, reinterpret_cast<const float*>(code), d_);
}

size_t SimdIvfFlatScanner::scan_codes(size_t n, const uint8_t* codes, const idx_t* ids, float* distances, idx_t* labels,
                                      size_t k) const {
  const float* vecs = reinterpret_cast<const float*>(codes);
  float scores[kChunk];
  size_t updates = 0;
  for (size_t j0 = 0; j0 < n; j0 += kChunk) {
    const size_t m = std::min(kChunk, n - j0);
    kernels_.block(query_, 1, vecs + j0 * d_, static_cast<int64_t>(m), d_, scores, static_cast<int64_t>(m));
    for (size_t j = 0; j < m; ++j) {
      if (!(scores[j] > distances[0])) continue;
      if (!all_ && !sel->is_member(ids[j0 + j])) continue;
      const idx_t id = store_pairs ? static_cast<idx_t>(faiss::lo_build(list_no, j0 + j)) : ids[j0 + j];
      faiss::heap_replace_top<Heap>(k, distances, labels, scores[j], id);
      ++updates;
    }
  }
  return updates;
}

faiss::InvertedListScanner* SimdIndexIVFFlat::get_InvertedListScanner(bool store_pairs,
                                                                      const faiss::IDSelector* sel) const {
  return new SimdIvfFlatScanner(d, store_pairs, sel, ActiveKernels());
}

}  // namespace counterpoint
