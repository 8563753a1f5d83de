#include "embeddings/flat_search.h"

#include <faiss/impl/FaissAssert.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/utils/Heap.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "embeddings/hnsw_distance.h"
#include "embeddings/score_filter.h"

namespace counterpoint {

namespace {
constexpr int64_t kQueryBlock = 64;            // queries scored together (64 x 64 floats stay in L1 at d=64)
constexpr int64_t kItemTile = 512;             // items per score tile (kQueryBlock x kItemTile scores: 128 KiB)
constexpr int64_t kTransposeQueries = 256;     // queries for which transposing the base pays
constexpr int64_t kTransposeFloats = 1 << 22;  // the largest transposed copy (16 MiB)
using Heap = faiss::CMin<float, faiss::Index::idx_t>;

// Offers a query's scores s[0..nj) of items j0 + j, in order, to its k-heap: each
// score above the heap's worst that the selector accepts replaces it.
void OfferToHeap(const float* s, int64_t nj, int64_t j0, const faiss::IDSelector* sel, int64_t k, float* dis,
                 int64_t* lab) {
  ForEachAboveThreshold<true>(s, nj, dis[0], [&](int64_t j) {
    if (s[j] > dis[0] && (!sel || sel->is_member(j0 + j))) faiss::heap_replace_top<Heap>(k, dis, lab, s[j], j0 + j);
  });
}
}  // namespace

#include "embeddings/avx512_region_begin.h"
namespace {
// The same offers in the same order, 16 scores a compare (OfferToHeap takes 4 SSE
// compares): a coarse quantizer's few lists leave almost every score below the worst.
void OfferToHeapAvx512(const float* s, int64_t nj, int64_t j0, const faiss::IDSelector* sel, int64_t k, float* dis,
                       int64_t* lab) {
  for (int64_t j = 0; j < nj; j += 16) {
    const __mmask16 valid = FirstLanes16(nj - j);
    unsigned above =
        _mm512_mask_cmp_ps_mask(valid, _mm512_maskz_loadu_ps(valid, s + j), _mm512_set1_ps(dis[0]), _CMP_GT_OQ);
    for (; above != 0; above &= above - 1) {
      const int64_t i = j + __builtin_ctz(above);
      if (s[i] > dis[0] && (!sel || sel->is_member(j0 + i))) faiss::heap_replace_top<Heap>(k, dis, lab, s[i], j0 + i);
    }
  }
}
}  // namespace
#include "embeddings/avx512_region_end.h"

void ExactInnerProductSearch(const DotKernels& kernels, const float* queries, int64_t nq, const float* base, int64_t nb,
                             int64_t d, int64_t k, const faiss::IDSelector* sel, float* distances, int64_t* labels) {
  if (sel && dynamic_cast<const faiss::IDSelectorAll*>(sel)) sel = nullptr;
  const int64_t n_blocks = (nq + kQueryBlock - 1) / kQueryBlock;
  const auto offer = kernels.level == SimdLevel::kAvx512 ? OfferToHeapAvx512 : OfferToHeap;
  // many queries against a small base (a coarse quantizer, k-means' centroids): the
  // base transposed once, for the kernel without a reduction per pair (the same bits)
  std::vector<float> yp;
  const int64_t padded = (nb + 15) / 16 * 16;
  if (kernels.block_transposed && nq >= kTransposeQueries && padded * d <= kTransposeFloats) {
    yp.assign(padded * d, 0.0f);  // panels of 16 items: (item / 16, component, item % 16)
    for (int64_t j = 0; j < nb; ++j)
      for (int64_t t = 0; t < d; ++t) yp[((j / 16) * d + t) * 16 + j % 16] = base[j * d + t];
  }
#pragma omp parallel if (n_blocks > 1 && !omp_in_parallel())
  {
    std::vector<float> tile(kQueryBlock * kItemTile);
#pragma omp for schedule(dynamic, 1)
    for (int64_t blk = 0; blk < n_blocks; ++blk) {
      const int64_t q0 = blk * kQueryBlock, nqb = std::min(kQueryBlock, nq - q0);
      for (int64_t q = q0; q < q0 + nqb; ++q) faiss::heap_heapify<Heap>(k, distances + q * k, labels + q * k);
      for (int64_t j0 = 0; j0 < nb; j0 += kItemTile) {
        const int64_t nj = std::min(kItemTile, nb - j0);
        if (yp.empty())
          kernels.block(queries + q0 * d, nqb, base + j0 * d, nj, d, tile.data(), kItemTile);
        else
          kernels.block_transposed(queries + q0 * d, nqb, yp.data() + j0 * d, nj, d, tile.data(), kItemTile);
        for (int64_t q = 0; q < nqb; ++q) {
          float* dis = distances + (q0 + q) * k;
          int64_t* lab = labels + (q0 + q) * k;
          const float* s = tile.data() + q * kItemTile;
          offer(s, nj, j0, sel, k, dis, lab);
        }
      }
      for (int64_t q = q0; q < q0 + nqb; ++q) faiss::heap_reorder<Heap>(k, distances + q * k, labels + q * k);
    }
  }
}

void SimdIndexFlatIP::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                             const faiss::SearchParameters* params) const {
  FAISS_THROW_IF_NOT(k > 0);
  ExactInnerProductSearch(ActiveKernels(), x, n, get_xb(), ntotal, d, k, params ? params->sel : nullptr, distances,
                          reinterpret_cast<int64_t*>(labels));
}

faiss::FlatCodesDistanceComputer* SimdIndexFlatIP::get_FlatCodesDistanceComputer() const {
  return new SimdIpDistanceComputer(get_xb(), d, ActiveKernels());
}

}  // namespace counterpoint
