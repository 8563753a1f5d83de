#include "embeddings/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <typeinfo>

#include "core/error.h"
#include "embeddings/catalog.h"
#include "embeddings/flat_search.h"
#include "embeddings/index_factory.h"
#include "embeddings/ivf_scanner.h"

namespace counterpoint {

using faiss_idx = faiss::Index::idx_t;

namespace {

// Sets the OpenMP thread count for one scope (e.g. a single-threaded HNSW build).
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int n) : before_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ScopedOmpThreads() { omp_set_num_threads(before_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int before_;
};

// Whether a batched search of this index gives every query the answer it gets
// alone. FAISS 1.7.3 scores a flat index (and an IVF coarse quantizer) with BLAS
// from 20 queries up and with a sequential kernel below or when an ID selector is
// given; the two round differently. Search always passes a selector, so flat
// scoring, IVF over a flat quantizer and HNSW (one graph walk per query) are
// batch independent. Other index types are searched one query at a time.
bool BatchIndependent(const faiss::Index* index) {
  if (dynamic_cast<const faiss::IndexFlat*>(index) || dynamic_cast<const faiss::IndexHNSW*>(index)) return true;
  if (const auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index))
    return dynamic_cast<const faiss::IndexFlat*>(ivf->quantizer) != nullptr;
  return false;
}

// FAISS's reason without its C++ location ("Error in <signature> at <file>:<line>: ...")
std::string FaissReason(const std::string& msg) {
  std::string out = msg;
  const size_t at = out.find(" at ");
  if (out.rfind("Error in ", 0) == 0 && at != std::string::npos) {
    const size_t colon = out.find(": ", at);
    if (colon != std::string::npos) out = out.substr(colon + 2);
  }
  const size_t failed = out.find("' failed: ");
  if (out.rfind("Error: '", 0) == 0 && failed != std::string::npos) out = out.substr(failed + 10);
  return out;
}

bool IsPlainFlatIp(const faiss::Index* index) {
  return index && index->metric_type == faiss::METRIC_INNER_PRODUCT && index->ntotal == 0 &&
         (typeid(*index) == typeid(faiss::IndexFlat) || typeid(*index) == typeid(faiss::IndexFlatIP));
}

// Puts our SIMD kernels (embeddings/simd_kernels.h) under the freshly made,
// still empty FAISS index wherever FAISS's generic build would score scalar:
// a flat index (also an IVF coarse quantizer or HNSW storage) becomes a
// SimdIndexFlatIP, an IVF-Flat index a SimdIndexIVFFlat. Other types are kept.
void InstallSimdKernels(std::unique_ptr<faiss::Index>& index) {
  if (IsPlainFlatIp(index.get())) {
    index = std::make_unique<SimdIndexFlatIP>(index->d);
    return;
  }
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index.get())) {
    if (IsPlainFlatIp(ivf->quantizer) && ivf->own_fields) {
      delete ivf->quantizer;
      ivf->quantizer = new SimdIndexFlatIP(ivf->d);
    }
    if (typeid(*ivf) == typeid(faiss::IndexIVFFlat) && ivf->metric_type == faiss::METRIC_INNER_PRODUCT &&
        ivf->ntotal == 0) {
      auto simd = std::make_unique<SimdIndexIVFFlat>(ivf->quantizer, ivf->d, ivf->nlist);
      simd->own_fields = ivf->own_fields;
      ivf->own_fields = false;
      simd->cp = ivf->cp;
      simd->quantizer_trains_alone = ivf->quantizer_trains_alone;
      simd->nprobe = ivf->nprobe;
      index = std::move(simd);
    }
    return;
  }
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(index.get())) {
    if (IsPlainFlatIp(hnsw->storage) && hnsw->own_fields) {
      delete hnsw->storage;
      hnsw->storage = new SimdIndexFlatIP(hnsw->d);
    }
  }
}

}  // namespace

VectorIndex::VectorIndex(const Catalog& catalog, IndexOptions options)
    : VectorIndex(catalog.embeddings(), catalog.size(), catalog.dim(), std::move(options)) {}

VectorIndex::VectorIndex(const float* vectors, int64_t n, int64_t dim, IndexOptions options)
    : options_(std::move(options)), n_(n), dim_(dim) {
  // FAISS divides by, loops on or allocates by some numbers of the string unchecked
  if (const std::string why = IndexFactoryProblem(options_.factory, dim_, n_); !why.empty())
    throw InputError("index", why);
  try {
    index_.reset(faiss::index_factory(static_cast<int>(dim_), options_.factory.c_str(), faiss::METRIC_INNER_PRODUCT));
  } catch (const faiss::FaissException& e) {
    throw InputError("index", "FAISS rejected the index factory string '" + options_.factory +
                                  "' (examples: Flat, IVF256,Flat, IVF1024,SQ8, HNSW32): " + FaissReason(e.msg));
  }
  InstallSimdKernels(index_);
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index_.get())) {
    ivf->cp.verbose = false;
    ivf->cp.max_points_per_centroid = options_.train_per_list;
    ivf->parallel_mode = 0;  // threads split the queries; each query's lists are scanned in order by one thread
  }
  try {
    if (!index_->is_trained) index_->train(n_, vectors);
    if (dynamic_cast<faiss::IndexHNSW*>(index_.get())) {
      // FAISS links HNSW vertices in parallel, so the graph would depend on
      // thread timing: build it with one thread
      const ScopedOmpThreads one(1);
      index_->add(n_, vectors);
    } else {
      index_->add(n_, vectors);
    }
  } catch (const faiss::FaissException& e) {
    throw InputError("index",
                     "FAISS cannot build '" + options_.factory +
                         "' over this catalog (examples that work: Flat, IVF256,Flat, HNSW32): " + FaissReason(e.msg));
  }
  batch_independent_ = BatchIndependent(index_.get());
  native_filtering_ = ProbeNativeFiltering(vectors);
}

VectorIndex::~VectorIndex() = default;

bool VectorIndex::ProbeNativeFiltering(const float* first_vector) const {
  // exclude the best match of item 0's own vector; native support must skip it
  float score;
  faiss_idx best;
  SearchOnce(first_vector, 1, 1, &score, reinterpret_cast<int64_t*>(&best), nullptr, false);
  if (best < 0 || n_ < 2) return false;
  ItemFilter filter(n_);
  filter.Set(best, false);
  faiss_idx got = -1;
  try {
    SearchOnce(first_vector, 1, 1, &score, reinterpret_cast<int64_t*>(&got), &filter, true);
  } catch (const faiss::FaissException&) {
    return false;
  }
  return got != best;
}

void VectorIndex::SearchOnce(const float* queries, int64_t nq, int k, float* scores, int64_t* ids,
                             const ItemFilter* filter, bool use_selector) const {
  // IDSelectorBitmap's size is in bytes: ceil(n / 8) bytes cover the n items
  faiss::IDSelectorBitmap bitmap(filter ? static_cast<size_t>((filter->size() + 7) / 8) : 0,
                                 filter ? filter->bitmap() : nullptr);
  faiss::IDSelectorAll all;
  faiss::IDSelector* sel = !use_selector ? nullptr : filter ? static_cast<faiss::IDSelector*>(&bitmap) : &all;
  faiss_idx* out = reinterpret_cast<faiss_idx*>(ids);
  if (dynamic_cast<const faiss::IndexIVF*>(index_.get())) {
    // the coarse quantizer gets a selector too, so it also scores sequentially
    faiss::SearchParameters coarse;
    coarse.sel = use_selector ? &all : nullptr;
    faiss::SearchParametersIVF params;
    params.nprobe = options_.nprobe;
    params.sel = sel;
    params.quantizer_params = use_selector ? &coarse : nullptr;
    index_->search(nq, queries, k, scores, out, &params);
  } else if (dynamic_cast<const faiss::IndexHNSW*>(index_.get())) {
    faiss::SearchParametersHNSW params;
    params.efSearch = std::max(options_.ef_search, k);
    params.sel = sel;
    index_->search(nq, queries, k, scores, out, &params);
  } else if (sel) {
    faiss::SearchParameters params;
    params.sel = sel;
    index_->search(nq, queries, k, scores, out, &params);
  } else {
    index_->search(nq, queries, k, scores, out);
  }
}

void VectorIndex::PostFilteredSearch(const float* query, int k, float* scores, int64_t* ids, const ItemFilter& filter,
                                     std::vector<float>& s, std::vector<int64_t>& id) const {
  // over-fetch, drop excluded items, widen until k survive or all items are seen
  for (int64_t wide = std::min<int64_t>(n_, 2 * static_cast<int64_t>(k));; wide = std::min<int64_t>(n_, 4 * wide)) {
    s.resize(wide);
    id.resize(wide);
    SearchOnce(query, 1, static_cast<int>(wide), s.data(), id.data(), nullptr, false);
    int got = 0;
    for (int64_t j = 0; j < wide && got < k; ++j) {
      if (id[j] >= 0 && filter.IsAvailable(id[j])) {
        ids[got] = id[j];
        scores[got] = s[j];
        ++got;
      }
    }
    if (got == k || wide >= n_) {
      for (int j = got; j < k; ++j) ids[j] = -1;
      return;
    }
  }
}

void VectorIndex::Search(const float* queries, int64_t nq, int k, float* scores, int64_t* ids,
                         const ItemFilter* filter) const {
  static_assert(sizeof(faiss_idx) == sizeof(int64_t));
  const auto t0 = std::chrono::steady_clock::now();
  const bool excludes = filter && filter->available_count() < filter->size();
  if (native_filtering_ && batch_independent_) {
    // one batched search; the selector (all items, or the filter) pins FAISS's kernels
    SearchOnce(queries, nq, k, scores, ids, excludes ? filter : nullptr, true);
  } else {
    // one query at a time, so no query's answer depends on the rest of its batch
#pragma omp parallel
    {
      std::vector<float> s;
      std::vector<int64_t> id;
#pragma omp for schedule(dynamic, 16)
      for (int64_t q = 0; q < nq; ++q) {
        const float* query = queries + q * dim_;
        if (!excludes) {
          SearchOnce(query, 1, k, scores + q * k, ids + q * k, nullptr, false);
        } else if (native_filtering_) {
          SearchOnce(query, 1, k, scores + q * k, ids + q * k, filter, true);
        } else {
          PostFilteredSearch(query, k, scores + q * k, ids + q * k, *filter, s, id);
        }
      }
    }
  }
  // uniform convention for empty slots
  for (int64_t i = 0; i < nq * k; ++i)
    if (ids[i] < 0) scores[i] = -std::numeric_limits<float>::infinity();
  search_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
}

int64_t VectorIndex::memory_bytes() const {
  if (auto* flat = dynamic_cast<const faiss::IndexFlatCodes*>(index_.get()))
    return static_cast<int64_t>(flat->codes.size());
  if (auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index_.get()))
    return n_ * static_cast<int64_t>(ivf->code_size + sizeof(faiss_idx)) + static_cast<int64_t>(ivf->nlist) * dim_ * 4;
  if (auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get())) {
    // the stored vectors and the graph: neighbour lists, a level and an offset per vector
    const faiss::HNSW& g = hnsw->hnsw;
    const int64_t graph =
        static_cast<int64_t>(g.neighbors.size() * sizeof(g.neighbors[0]) + g.levels.size() * sizeof(g.levels[0]) +
                             g.offsets.size() * sizeof(g.offsets[0]));
    return n_ * dim_ * 4 + graph;
  }
  return n_ * dim_ * 4;
}

}  // namespace counterpoint
