// Plug-in interfaces of the recommender. Each is called once per batch of users,
// never once per user, on caller-owned buffers (in the manner of FAISS).
#pragma once

#include <memory>
#include <string>

#include "core/registry.h"
#include "recommender/batch.h"

namespace counterpoint {

/// Fills batch.cand_ids / cand_sim (n x k) from batch.queries.
class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual void Retrieve(const RecContext& ctx, SlateBatch& batch) = 0;
};

/// Fills batch.cand_score (n x k) for the candidates; higher is shown first.
class Ranker {
 public:
  virtual ~Ranker() = default;
  /// Once per step before any batch (e.g. to read global popularity).
  virtual void BeginStep(const RecContext& ctx) {}
  virtual void Score(const RecContext& ctx, SlateBatch& batch) = 0;
  /// The batch's final slates, as shown (after slate-stage interventions), in user
  /// order; a ranker that keeps its own statistics of impressions reads them here.
  virtual void ObserveSlates(const RecContext& ctx, const SlateBatch& batch) {}
};

/// A platform intervention. Hooks run in the order the scenario lists them.
class Intervention {
 public:
  virtual ~Intervention() = default;
  /// After retrieval, before ranking (filtering, removal from candidates).
  virtual void OnCandidates(const RecContext& ctx, SlateBatch& batch) {}
  /// After the slate is cut (re-ranking, injection).
  virtual void OnSlate(const RecContext& ctx, SlateBatch& batch) {}
  /// At the end of each step whose number is a multiple of epoch_every() (moderation,
  /// uploads, rewiring); may change which items are available.
  virtual void OnEpoch(const RecContext& ctx, ItemState& items) {}
  virtual int epoch_every() const { return 0; }
};

using RetrieverRegistry = Registry<std::unique_ptr<Retriever>>;
using RankerRegistry = Registry<std::unique_ptr<Ranker>>;
using InterventionRegistry = Registry<std::unique_ptr<Intervention>>;

}  // namespace counterpoint
