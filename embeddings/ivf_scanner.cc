#include "embeddings/ivf_scanner.h"

#include <faiss/impl/IDSelector.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/Heap.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "embeddings/score_filter.h"

namespace counterpoint {

namespace {
constexpr size_t kChunk = 256;       // list items scored per kernel call (1 KiB of scores per query)
constexpr int64_t kRound = 2048;     // queries searched list-major together (candidate buffers: kRound x 2k x 8 bytes)
constexpr int64_t kQueryBlock = 64;  // queries of one list scored together (list-major search)
using Heap = faiss::CMin<float, faiss::Index::idx_t>;
// Per-query top-k by the total order (score descending, then id ascending),
// independent of the order candidates arrive in: each query appends candidates
// that reach its threshold to a buffer of 2k; a full buffer is cut to its best k
// (nth_element) and the k-th score becomes the threshold. Cheaper than a heap
// when a query sees only a few times k candidates (IVF: nprobe lists).
// A candidate is one 64-bit key whose ascending order is that total order: the
// score's bits mapped to an unsigned integer that grows with the score, inverted,
// above the 32-bit id (callers check that ids fit). Integer keys are half the
// size of (score, id) pairs, compare without NaN branches, can be radix-sorted,
// and decode to the exact score.
class TopkBuffers {
 public:
  using idx_t = faiss::Index::idx_t;
  TopkBuffers(int64_t n, int64_t k)
      : k_(k),
        cap_(2 * k),
        key_(new uint64_t[n * cap_]),
        count_(n, 0),
        thr_(n, -std::numeric_limits<float>::infinity()),
        scratch_(cap_) {}

  const float& threshold(int64_t q) const { return thr_[q]; }
  void Push(int64_t q, float s, idx_t id) {
    key_[q * cap_ + count_[q]++] = Key(s, id);
    if (count_[q] == cap_) Cut(q);
  }
  // best first; missing slots get FAISS's empty heap entry (-FLT_MAX, -1)
  void Write(int64_t q, float* dis, idx_t* lab) {
    uint64_t* c = key_.get() + q * cap_;
    const int64_t m = std::min(count_[q], k_);
    RadixSort(c, count_[q]);
    for (int64_t j = 0; j < k_; ++j) {
      dis[j] = j < m ? Score(c[j]) : -std::numeric_limits<float>::max();
      lab[j] = j < m ? static_cast<idx_t>(c[j] & 0xffffffffu) : -1;
    }
  }

 private:
  // a full buffer keeps its best k; the k-th's score becomes the threshold
  void Cut(int64_t q) {
    uint64_t* c = key_.get() + q * cap_;
    std::nth_element(c, c + k_ - 1, c + count_[q]);
    thr_[q] = Score(c[k_ - 1]);
    count_[q] = k_;
  }
  // Ascending order of n keys: a stable LSD radix sort on the score bits (32..63),
  // one byte a pass (a pass whose byte all keys share is skipped), then equal
  // scores by id. Branch-free where std::sort mispredicts about every other
  // comparison on these random keys.
  void RadixSort(uint64_t* a, int64_t n) {
    if (n < 2) return;
    uint64_t* src = a;
    uint64_t* dst = scratch_.data();
    for (int shift = 32; shift < 64; shift += 8) {
      int64_t count[257] = {};
      for (int64_t i = 0; i < n; ++i) ++count[((src[i] >> shift) & 0xff) + 1];
      if (count[((src[0] >> shift) & 0xff) + 1] == n) continue;
      for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
      for (int64_t i = 0; i < n; ++i) dst[count[(src[i] >> shift) & 0xff]++] = src[i];
      std::swap(src, dst);
    }
    if (src != a) std::copy_n(src, n, a);
    for (int64_t i = 1; i < n; ++i) {  // ties: insertion by id within runs of one score
      const uint64_t v = a[i];
      int64_t j = i;
      for (; j > 0 && (a[j - 1] >> 32) == (v >> 32) && a[j - 1] > v; --j) a[j] = a[j - 1];
      a[j] = v;
    }
  }
  // an order-preserving map of non-NaN floats to uint32 (negative: all bits flipped; else the sign bit set)
  static uint32_t Ordered(float s) {
    uint32_t u;
    std::memcpy(&u, &s, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  }
  static uint64_t Key(float s, idx_t id) {  // s + 0 turns -0 into +0, which compares equal to it
    return (static_cast<uint64_t>(~Ordered(s + 0.0f)) << 32) | static_cast<uint32_t>(id);
  }
  static float Score(uint64_t key) {
    const uint32_t o = ~static_cast<uint32_t>(key >> 32);
    const uint32_t u = (o & 0x80000000u) ? (o & 0x7fffffffu) : ~o;
    float s;
    std::memcpy(&s, &u, sizeof s);
    return s;
  }
  int64_t k_, cap_;
  std::unique_ptr<uint64_t[]> key_;
  std::vector<int64_t> count_;
  std::vector<float> thr_;
  std::vector<uint64_t> scratch_;  // RadixSort's second buffer
};

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

void SimdIndexIVFFlat::search_preassigned(idx_t n, const float* x, idx_t k, const idx_t* assign,
                                          const float* centroid_dis, float* distances, idx_t* labels, bool store_pairs,
                                          const faiss::IVFSearchParameters* params, faiss::IndexIVFStats* stats) const {
  const size_t max_codes = params ? params->max_codes : this->max_codes;
  // the top-k keys hold 32-bit ids (store_pairs' (list, offset) pairs do not fit)
  if (parallel_mode != 0 || max_codes != 0 || metric_type != faiss::METRIC_INNER_PRODUCT || store_pairs ||
      ntotal > std::numeric_limits<uint32_t>::max()) {
    faiss::IndexIVFFlat::search_preassigned(n, x, k, assign, centroid_dis, distances, labels, store_pairs, params,
                                            stats);
    return;
  }
  const int64_t nprobe = std::min<int64_t>(static_cast<int64_t>(nlist), params ? params->nprobe : this->nprobe);
  const faiss::IDSelector* sel = params ? params->sel : nullptr;
  if (sel && dynamic_cast<const faiss::IDSelectorAll*>(sel)) sel = nullptr;
  if (n > kRound) {
    // rounds of kRound queries bound the candidate buffers (answers are per query, so rounds change nothing)
    for (int64_t r0 = 0; r0 < n; r0 += kRound) {
      const int64_t nr = std::min(kRound, n - r0);
      search_preassigned(nr, x + r0 * d, k, assign + r0 * nprobe, centroid_dis ? centroid_dis + r0 * nprobe : nullptr,
                         distances + r0 * k, labels + r0 * k, store_pairs, params, stats);
    }
    return;
  }
  const DotKernels& kernels = ActiveKernels();

  // the queries probing each list, in query order (counting sort)
  std::vector<int64_t> start(nlist + 1, 0);
  for (int64_t i = 0; i < n * nprobe; ++i)
    if (assign[i] >= 0) ++start[assign[i] + 1];
  for (size_t l = 0; l < nlist; ++l) start[l + 1] += start[l];
  std::vector<int64_t> queries(start[nlist]), fill(start.begin(), start.end() - 1);
  for (int64_t q = 0; q < n; ++q)
    for (int64_t p = 0; p < nprobe; ++p)
      if (const idx_t l = assign[q * nprobe + p]; l >= 0) queries[fill[l]++] = q;

  TopkBuffers top(n, k);
  std::vector<float> xq(kQueryBlock * d), scores(kQueryBlock * kChunk);
  size_t n_lists = 0, n_dis = 0, n_updates = 0;
  for (size_t l = 0; l < nlist; ++l) {
    const int64_t q_begin = start[l], q_end = start[l + 1];
    const size_t size = invlists->list_size(l);
    if (q_begin == q_end || size == 0) continue;
    faiss::InvertedLists::ScopedCodes codes(invlists, l);
    faiss::InvertedLists::ScopedIds ids(invlists, l);
    const float* vecs = reinterpret_cast<const float*>(codes.get());
    n_lists += q_end - q_begin;
    n_dis += (q_end - q_begin) * size;
    // a block of this list's queries against chunks of its vectors; per query, items stay in list order
    for (int64_t b0 = q_begin; b0 < q_end; b0 += kQueryBlock) {
      const int64_t nb = std::min(kQueryBlock, q_end - b0);
      for (int64_t i = 0; i < nb; ++i) std::memcpy(&xq[i * d], x + queries[b0 + i] * d, d * sizeof(float));
      for (size_t j0 = 0; j0 < size; j0 += kChunk) {
        const size_t m = std::min(kChunk, size - j0);
        kernels.block(xq.data(), nb, vecs + j0 * d, static_cast<int64_t>(m), d, scores.data(), kChunk);
        for (int64_t i = 0; i < nb; ++i) {
          const int64_t q = queries[b0 + i];
          const float* s = scores.data() + i * kChunk;
          ForEachAboveThreshold<false>(s, static_cast<int64_t>(m), top.threshold(q), [&](int64_t j) {
            if (s[j] < top.threshold(q) || (sel && !sel->is_member(ids[j0 + j]))) return;
            top.Push(q, s[j], ids[j0 + j]);
            ++n_updates;
          });
        }
      }
    }
  }
  for (int64_t q = 0; q < n; ++q) top.Write(q, distances + q * k, labels + q * k);
  if (stats) {
    stats->nq += n;
    stats->nlist += n_lists;
    stats->ndis += n_dis;
    stats->nheap_updates += n_updates;
  }
}

}  // namespace counterpoint
