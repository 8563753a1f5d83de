// VectorIndex: a FAISS index over the catalog, searched by inner product in batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace faiss {
struct Index;
}

namespace counterpoint {

class Catalog;

/// Which items may be retrieved (one bit per item). Removal and not-yet-uploaded
/// items are excluded through it at search time, without rebuilding the index.
class ItemFilter {
 public:
  ItemFilter() = default;
  explicit ItemFilter(int64_t n, bool available = true)
      : n_(n), bits_((n + 7) / 8, available ? 0xff : 0), available_(available ? n : 0) {}

  bool IsAvailable(int64_t i) const { return (bits_[i >> 3] >> (i & 7)) & 1; }
  void Set(int64_t i, bool available) {
    if (IsAvailable(i) == available) return;
    bits_[i >> 3] ^= static_cast<uint8_t>(1u << (i & 7));
    available_ += available ? 1 : -1;
  }
  int64_t size() const { return n_; }
  int64_t available_count() const { return available_; }
  const uint8_t* bitmap() const { return bits_.data(); }

 private:
  int64_t n_ = 0;
  std::vector<uint8_t> bits_;
  int64_t available_ = 0;
};

struct IndexOptions {
  std::string factory = "Flat";  ///< FAISS index_factory string: Flat, IVF256,Flat, HNSW32, ...
  int nprobe = 8;                ///< IVF: inverted lists visited per query
  int ef_search = 64;            ///< HNSW: search-time beam width
  /// IVF: k-means trains on at most this many items per list (FAISS's
  /// max_points_per_centroid; a fixed-seed sample of the catalog when it has more)
  int train_per_list = 256;
};

/// Inner-product index over a catalog's unit-norm embeddings (so scores are cosines),
/// or over any n vectors (e.g. learned item factors: maximum inner product search).
class VectorIndex {
 public:
  /// Builds (and trains, for IVF/PQ) the index. Throws InputError for a factory
  /// string FAISS rejects, naming the string and examples of valid ones.
  VectorIndex(const Catalog& catalog, IndexOptions options);
  /// The same over `vectors` (n x dim, row-major, copied in); item i is row i.
  VectorIndex(const float* vectors, int64_t n, int64_t dim, IndexOptions options);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  /// One batched search: queries is nq x dim row-major; scores and ids are
  /// caller-owned nq x k. Items the filter excludes are never returned; slots
  /// beyond the available results get id -1 and score -inf.
  void Search(const float* queries, int64_t nq, int k, float* scores, int64_t* ids,
              const ItemFilter* filter = nullptr) const;

  int64_t size() const { return n_; }
  int64_t dim() const { return dim_; }
  const IndexOptions& options() const { return options_; }
  /// Whether FAISS applies the filter inside the search (else results are post-filtered).
  bool native_filtering() const { return native_filtering_; }
  /// Bytes the index holds: its codes, plus IVF ids and centroids or the HNSW graph.
  int64_t memory_bytes() const;
  /// Wall-clock seconds spent in Search since construction (all callers).
  double search_seconds() const { return search_ns_.load() * 1e-9; }

 private:
  // one FAISS call; with use_selector, `filter` (or, if null, an all-items selector) is passed to FAISS
  void SearchOnce(const float* queries, int64_t nq, int k, float* scores, int64_t* ids, const ItemFilter* filter,
                  bool use_selector) const;
  // one query against an index that cannot filter natively: over-fetch and widen
  void PostFilteredSearch(const float* query, int k, float* scores, int64_t* ids, const ItemFilter& filter,
                          std::vector<float>& s, std::vector<int64_t>& id) const;
  bool ProbeNativeFiltering(const float* first_vector) const;

  IndexOptions options_;
  int64_t n_ = 0;
  int64_t dim_ = 0;
  std::unique_ptr<faiss::Index> index_;
  bool native_filtering_ = false;
  bool batch_independent_ = false;
  mutable std::atomic<int64_t> search_ns_{0};
};

}  // namespace counterpoint
