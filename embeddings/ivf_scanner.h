// IVF-Flat inner-product index whose inverted-list scans use the SIMD kernels.
#pragma once

#include <faiss/IndexIVFFlat.h>

#include <cstdint>

#include "embeddings/simd_kernels.h"

namespace counterpoint {

/// Scans one inverted list of raw float vectors against one query: scores come
/// from `kernels.block` on chunks of the list (bit-identical to `kernels.dot` per
/// item), then each item that beats the heap's worst and that the ID selector
/// accepts replaces it, in list order with a strict `>` test, as FAISS's own
/// IVFFlatScanner does.
struct SimdIvfFlatScanner : faiss::InvertedListScanner {
  SimdIvfFlatScanner(int64_t d, bool store_pairs, const faiss::IDSelector* sel, const DotKernels& kernels);

  void set_query(const float* query) override { query_ = query; }
  void set_list(idx_t list_no, float /*coarse_dis*/) override { this->list_no = list_no; }
  float distance_to_code(const uint8_t* code) const override;
  size_t scan_codes(size_t n, const uint8_t* codes, const idx_t* ids, float* distances, idx_t* labels,
                    size_t k) const override;

 private:
  int64_t d_;
  const DotKernels& kernels_;
  bool all_ = true;  // no selector, or IDSelectorAll
  const float* query_ = nullptr;
};

/// faiss::IndexIVFFlat with inner product whose get_InvertedListScanner returns
/// a SimdIvfFlatScanner with ActiveKernels(), and whose search_preassigned scans
/// list-major: the queries of a batch (one thread's slice, as IndexIVF::search
/// splits it) are grouped by inverted list, and each list is read once and scored
/// against all its queries with the blocked kernel. Each query keeps its top-k
/// by the total order (score descending, then id ascending) in a threshold
/// buffer, so its answer is the same whatever the order of its lists and
/// whatever the other queries. Training, adding, inverted lists
/// and the coarse search stay FAISS's.
struct SimdIndexIVFFlat : faiss::IndexIVFFlat {
  /// Takes the (untrained) coarse quantizer; owns it when own_fields is set.
  SimdIndexIVFFlat(faiss::Index* quantizer, size_t d, size_t nlist)
      : faiss::IndexIVFFlat(quantizer, d, nlist, faiss::METRIC_INNER_PRODUCT) {}

  faiss::InvertedListScanner* get_InvertedListScanner(bool store_pairs, const faiss::IDSelector* sel) const override;

  /// List-major scan (see above); falls back to FAISS's query-major driver when
  /// max_codes or a parallel_mode other than 0 is set.
  void search_preassigned(idx_t n, const float* x, idx_t k, const idx_t* assign, const float* centroid_dis,
                          float* distances, idx_t* labels, bool store_pairs,
                          const faiss::IVFSearchParameters* params = nullptr,
                          faiss::IndexIVFStats* stats = nullptr) const override;
};

}  // namespace counterpoint
