#include "embeddings/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/error.h"
#include "embeddings/catalog.h"

namespace counterpoint {

using faiss_idx = faiss::Index::idx_t;

VectorIndex::VectorIndex(const Catalog& catalog, IndexOptions options)
    : options_(std::move(options)), n_(catalog.size()), dim_(catalog.dim()) {
  try {
    index_.reset(faiss::index_factory(static_cast<int>(dim_), options_.factory.c_str(), faiss::METRIC_INNER_PRODUCT));
  } catch (const faiss::FaissException& e) {
    throw InputError("index", "FAISS rejected the index factory string '" + options_.factory +
                                  "' (examples: Flat, IVF256,Flat, IVF1024,SQ8, HNSW32): " + e.msg);
  }
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index_.get())) {
    if (static_cast<int64_t>(ivf->nlist) > n_)
      throw InputError("index", "'" + options_.factory + "' has " + std::to_string(ivf->nlist) +
                                    " lists but the catalog has only " + std::to_string(n_) +
                                    " items; use fewer lists (about sqrt(n_items)) or Flat");
    ivf->cp.verbose = false;
  }
  try {
    if (!index_->is_trained) index_->train(n_, catalog.embeddings());
    index_->add(n_, catalog.embeddings());
  } catch (const faiss::FaissException& e) {
    throw InputError("index", "FAISS cannot build '" + options_.factory +
                                  "' over this catalog (examples that work: Flat, IVF256,Flat, HNSW32): " + e.msg);
  }
  native_filtering_ = ProbeNativeFiltering(catalog);
}

VectorIndex::~VectorIndex() = default;

bool VectorIndex::ProbeNativeFiltering(const Catalog& catalog) const {
  // exclude the best match of item 0's own vector; native support must skip it
  float score;
  faiss_idx best;
  SearchOnce(catalog.Embedding(0), 1, 1, &score, reinterpret_cast<int64_t*>(&best), nullptr);
  if (best < 0 || n_ < 2) return false;
  ItemFilter filter(n_);
  filter.Set(best, false);
  faiss_idx got = -1;
  try {
    SearchOnce(catalog.Embedding(0), 1, 1, &score, reinterpret_cast<int64_t*>(&got), &filter);
  } catch (const faiss::FaissException&) {
    return false;
  }
  return got != best;
}

void VectorIndex::SearchOnce(const float* queries, int64_t nq, int k, float* scores, int64_t* ids,
                             const ItemFilter* filter) const {
  faiss::IDSelectorBitmap selector(filter ? static_cast<size_t>(filter->size()) : 0,
                                   filter ? filter->bitmap() : nullptr);
  faiss::IDSelector* sel = filter ? &selector : nullptr;
  faiss_idx* out = reinterpret_cast<faiss_idx*>(ids);
  if (dynamic_cast<const faiss::IndexIVF*>(index_.get())) {
    faiss::SearchParametersIVF params;
    params.nprobe = options_.nprobe;
    params.sel = sel;
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

void VectorIndex::Search(const float* queries, int64_t nq, int k, float* scores, int64_t* ids,
                         const ItemFilter* filter) const {
  static_assert(sizeof(faiss_idx) == sizeof(int64_t));
  const auto t0 = std::chrono::steady_clock::now();
  if (filter && filter->available_count() == filter->size()) filter = nullptr;
  if (!filter || native_filtering_) {
    SearchOnce(queries, nq, k, scores, ids, filter);
  } else {
    // post-filter: over-fetch, drop excluded items, widen until k survive or all are seen
    int64_t wide = std::min<int64_t>(n_, 2 * static_cast<int64_t>(k));
    std::vector<float> s;
    std::vector<int64_t> id;
    std::vector<int64_t> todo(nq);
    for (int64_t q = 0; q < nq; ++q) todo[q] = q;
    std::vector<float> qbuf;
    while (!todo.empty()) {
      qbuf.resize(todo.size() * dim_);
      for (size_t t = 0; t < todo.size(); ++t) std::copy_n(queries + todo[t] * dim_, dim_, qbuf.data() + t * dim_);
      s.resize(todo.size() * wide);
      id.resize(todo.size() * wide);
      SearchOnce(qbuf.data(), static_cast<int64_t>(todo.size()), static_cast<int>(wide), s.data(), id.data(), nullptr);
      std::vector<int64_t> again;
      for (size_t t = 0; t < todo.size(); ++t) {
        int got = 0;
        for (int64_t j = 0; j < wide && got < k; ++j) {
          const int64_t item = id[t * wide + j];
          if (item >= 0 && filter->IsAvailable(item)) {
            ids[todo[t] * k + got] = item;
            scores[todo[t] * k + got] = s[t * wide + j];
            ++got;
          }
        }
        if (got < k && wide < n_) {
          again.push_back(todo[t]);
        } else {
          for (int j = got; j < k; ++j) ids[todo[t] * k + j] = -1;
        }
      }
      todo.swap(again);
      wide = std::min<int64_t>(n_, 4 * wide);
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
  return n_ * dim_ * 4;
}

}  // namespace counterpoint
