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

#include "embeddings/candidate_keys.h"
#include "embeddings/score_filter.h"

namespace counterpoint {

namespace {
constexpr size_t kChunk = 256;       // list items scored per kernel call (1 KiB of scores per query)
constexpr int64_t kQueryBlock = 64;  // queries of one list scored together (list-major search)
// queries searched list-major together (candidate buffers: kRound x (2k + 40) x 8 bytes)
constexpr int64_t kRound = 32768;
using Heap = faiss::CMin<float, faiss::Index::idx_t>;
// Per-query top-k by the total order (score descending, then id ascending),
// independent of the order candidates arrive in: each query appends the keys
// (embeddings/candidate_keys.h) of candidates that reach its threshold to a buffer
// of 2k; a full buffer is cut to a little more than its best k (one radix level,
// Cut) and the worst kept score becomes the threshold; Write keeps the exact best k.
// Cheaper than a heap when a query sees only a few times k candidates (IVF: nprobe
// lists).
class TopkBuffers {
 public:
  using idx_t = faiss::Index::idx_t;
  static constexpr int64_t kGroup = 32;  // scores appended between checks for a full buffer
  TopkBuffers(int64_t n, int64_t k)
      : k_(k),
        cap_(2 * k),
        stride_(cap_ + kGroup + kAppendSlack),
        key_(Storage(n * stride_)),
        count_(n, 0),
        thr_(n, -std::numeric_limits<float>::infinity()),
        scratch_(stride_),
        append_(AppenderFor(ActiveKernels().level)) {}

  const float& threshold(int64_t q) const { return thr_[q]; }
  // one candidate (any ID selector is the caller's)
  void Push(int64_t q, float s, idx_t id) {
    key_[q * stride_ + count_[q]++] = CandidateKey(s, id);
    if (count_[q] >= cap_) Cut(q);
  }
  // the candidates among m scores of items ids[0..m) that reach the threshold and
  // that the bitmap (if any) holds; returns how many were appended
  int64_t Append(int64_t q, const float* s, int64_t m, const idx_t* ids, const uint8_t* bitmap, size_t bitmap_bytes) {
    int64_t added = 0;
    for (int64_t g = 0; g < m; g += kGroup) {
      const int64_t got = append_(s + g, std::min(kGroup, m - g), thr_[q], ids + g, bitmap, bitmap_bytes,
                                  key_ + q * stride_ + count_[q]);
      count_[q] += got;
      added += got;
      if (count_[q] >= cap_) Cut(q);
    }
    return added;
  }
  // best first; missing slots get FAISS's empty heap entry (-FLT_MAX, -1)
  void Write(int64_t q, float* dis, idx_t* lab) {
    uint64_t* c = key_ + q * stride_;
    if (count_[q] > k_) {
      KeepSmallest(c, count_[q]);
      count_[q] = k_;
    }
    const int64_t m = count_[q];
    RadixSort(c, m);
    for (int64_t j = 0; j < k_; ++j) {
      dis[j] = j < m ? CandidateScore(c[j]) : -std::numeric_limits<float>::max();
      lab[j] = j < m ? static_cast<idx_t>(c[j] & 0xffffffffu) : -1;
    }
  }

 private:
  // A full buffer drops what cannot reach the top k: one radix level (KeepSmallest's
  // first) keeps the keys whose digit is at most the one of the k-th smallest key,
  // and the largest kept key's score becomes the threshold: no higher than the k-th
  // best's, so no candidate of the final top k is refused. When that level would
  // keep more than 1.5 k keys, the exact cut runs instead.
  void Cut(int64_t q) {
    uint64_t* a = key_ + q * stride_;
    const int64_t n = count_[q];
    const int shift = DigitShift(a, n);
    uint32_t count[256];
    Histogram(a, n, shift, count);
    uint64_t bucket = 0;
    int64_t within = count[0];
    while (within < k_) within += count[++bucket];
    if (within > k_ + k_ / 2) {
      thr_[q] = CandidateScore(KeepSmallest(a, n));
      count_[q] = k_;
      return;
    }
    int64_t w = 0;
    uint64_t largest = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t v = a[i];
      const bool keep = ((v >> shift) & 0xff) <= bucket;
      a[w] = v;
      w += keep;
      largest = keep ? std::max(largest, v) : largest;
    }
    thr_[q] = CandidateScore(largest);
    count_[q] = w;
  }
  // the bits in which some of the keys a[0..n) differ from a[0]
  static uint64_t DifferingBits(const uint64_t* a, int64_t n) {
    uint64_t diff = 0;
    for (int64_t i = 0; i < n; ++i) diff |= a[i] ^ a[0];
    return diff;
  }
  // the shift of the 8 bits just below the highest bit where keys a[0..n) differ (0 if none)
  static int DigitShift(const uint64_t* a, int64_t n) {
    const uint64_t diff = DifferingBits(a, n);
    return diff == 0 ? 0 : std::max(63 - __builtin_clzll(diff) - 7, 0);
  }
  // Moves the k_ smallest of the n > k_ distinct keys a[0..n) to a[0..k_) (in no
  // particular order) and returns the largest of them. A most-significant-digit
  // radix select: each level takes the 8 bits just below the highest bit where the
  // remaining keys differ, keeps the keys whose digit is below the bucket holding
  // the k-th, and goes on with that bucket alone. Branch-free passes, where
  // std::nth_element's partition mispredicts about every other comparison.
  uint64_t KeepSmallest(uint64_t* a, int64_t n) {
    int64_t kept = 0, m = n, need = k_;  // a[0..kept) are kept; a[kept..kept + m) compete for `need` more
    while (m > need) {
      const uint64_t* r = a + kept;
      const int shift = DigitShift(r, m);  // keys are distinct, so some bit differs
      uint32_t count[256];
      Histogram(r, m, shift, count);
      uint64_t bucket = 0;
      int64_t below = 0;
      while (below + static_cast<int64_t>(count[bucket]) < need) below += count[bucket++];
      // digits below the bucket's are kept (written at or behind the read position); the bucket goes on
      int64_t in = 0, out = kept;
      for (int64_t i = 0; i < m; ++i) {
        const uint64_t v = a[kept + i], digit = (v >> shift) & 0xff;
        a[out] = v;
        out += digit < bucket;
        scratch_[in] = v;
        in += digit == bucket;
      }
      std::copy_n(scratch_.data(), in, a + out);
      kept = out;
      need -= below;
      m = in;
    }
    kept += m;
    uint64_t largest = 0;
    for (int64_t i = 0; i < kept; ++i) largest = std::max(largest, a[i]);
    return largest;
  }
  // count[b] = how many of a[0..n) have byte b at bit `shift`; two interleaved tallies,
  // so that runs of one byte (most keys share their high bits) do not wait on each
  // other's increments
  static void Histogram(const uint64_t* a, int64_t n, int shift, uint32_t (&count)[256]) {
    uint32_t other[256] = {};
    std::fill_n(count, 256, 0u);
    int64_t i = 0;
    for (; i + 2 <= n; i += 2) {
      ++count[(a[i] >> shift) & 0xff];
      ++other[(a[i + 1] >> shift) & 0xff];
    }
    if (i < n) ++count[(a[i] >> shift) & 0xff];
    for (int b = 0; b < 256; ++b) count[b] += other[b];
  }
  // Ascending order of n keys: a stable LSD radix sort on the score bits (32..63),
  // one byte a pass, skipping the bytes all keys share, then equal scores by id.
  // Branch-free where std::sort mispredicts about every other comparison on these
  // random keys.
  void RadixSort(uint64_t* a, int64_t n) {
    if (n < 2) return;
    const uint64_t diff = DifferingBits(a, n);
    uint64_t* src = a;
    uint64_t* dst = scratch_.data();
    for (int shift = 32; shift < 64; shift += 8) {
      if (((diff >> shift) & 0xff) == 0) continue;
      uint32_t count[256];
      Histogram(src, n, shift, count);
      uint32_t start = 0;
      for (int b = 0; b < 256; ++b) {
        const uint32_t c = count[b];
        count[b] = start;
        start += c;
      }
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
  int64_t k_, cap_, stride_;
  // this thread's key storage, kept from search to search: a fresh allocation of
  // this size (tens of MB a round) would be mapped and faulted in anew each time
  static uint64_t* Storage(int64_t n) {
    thread_local std::vector<uint64_t> storage;
    if (static_cast<int64_t>(storage.size()) < n) storage.resize(n);
    return storage.data();
  }
  uint64_t* key_;
  std::vector<int64_t> count_;
  std::vector<float> thr_;
  std::vector<uint64_t> scratch_;  // KeepSmallest's and RadixSort's second buffer
  CandidateAppender append_;
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
  // the usual selector (VectorIndex's exclusions) is tested inside the appender; others one by one
  const auto* bits = dynamic_cast<const faiss::IDSelectorBitmap*>(sel);

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
          if (!sel || bits) {
            n_updates += top.Append(q, s, static_cast<int64_t>(m), ids.get() + j0, bits ? bits->bitmap : nullptr,
                                    bits ? bits->n : 0);
            continue;
          }
          ForEachAboveThreshold<false>(s, static_cast<int64_t>(m), top.threshold(q), [&](int64_t j) {
            if (s[j] < top.threshold(q) || !sel->is_member(ids[j0 + j])) return;
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
