// Data shared by the recommender's stages for one batch of users in one step.
#pragma once

#include <cstdint>
#include <vector>

#include "core/collective.h"
#include "embeddings/platform_view.h"
#include "embeddings/vector_index.h"

namespace counterpoint {

/// Where an item stands on the platform. Only live items can be retrieved or shown.
enum class ItemStatus : uint8_t {
  kPending = 0,  ///< not uploaded yet (its upload step is in the future)
  kLive,         ///< uploaded and not removed
  kRemoved,      ///< taken down by moderation (may be restored on appeal)
  kBlocked,      ///< refused at upload (e.g. a hash match): never shown
};

/// What the recommender knows about items and may change during a run (per arm).
/// Every item starts live; the simulation marks those uploaded later as pending.
struct ItemState {
  explicit ItemState(int64_t n = 0) : available(n), status(n, ItemStatus::kLive), clicks(n, 0), impressions(n, 0) {}
  ItemFilter available;              ///< one bit per item: live (uploaded and not removed or blocked)
  std::vector<ItemStatus> status;    ///< per item
  std::vector<int64_t> clicks;       ///< cumulative organic clicks per item (what the ranker learns from)
  std::vector<int64_t> impressions;  ///< cumulative organic impressions per item
  int64_t max_clicks = 0;            ///< max over items of clicks (refreshed each step)

  /// Sets an item's status and keeps `available` in step with it.
  void SetStatus(int64_t i, ItemStatus s) {
    status[i] = s;
    available.Set(i, s == ItemStatus::kLive);
  }
};

/// How a slate slot was filled.
enum class Provenance : uint8_t {
  kOrganic = 0,   ///< by the ranker (retrieval, scoring, score-stage interventions)
  kInjected = 1,  ///< by a slate-stage intervention (e.g. a counter-narrative)
};

/// Read-only context every platform plug-in (retriever, ranker, intervention) receives:
/// the platform's view of the catalog, never its ground truth (embeddings/platform_view.h).
struct RecContext {
  const PlatformView& catalog;
  const VectorIndex& index;
  const ItemState& items;
  int64_t step = 0;
  uint64_t seed = 0;
  /// The ranks that share this run's users out (docs/cluster.md, "MPI"): hooks of a
  /// sharded run see only this rank's users and combine what depends on all of them
  /// with it (at a step-end hook, every rank in the same order). A single rank otherwise.
  const Collective& users = Serial();
};

/// Per-step buffers for a batch of users, allocated once at the largest batch size.
/// All matrices are row-major with one row per user of the batch.
struct SlateBatch {
  int64_t n = 0;  ///< users in the batch
  int64_t dim = 0;
  int k = 0;                        ///< candidates per user
  int slate_size = 0;               ///< items per slate
  const int32_t* users = nullptr;   ///< global user ids (random streams are keyed by them)
  std::vector<float> queries;       ///< n x dim: the system's estimate of each user's interest
  std::vector<int64_t> cand_ids;    ///< n x k, -1 = empty slot
  std::vector<float> cand_sim;      ///< n x k: inner product of query and candidate
  std::vector<float> cand_score;    ///< n x k: ranker score (higher is shown first)
  std::vector<int64_t> slate;       ///< n x slate_size, -1 = empty slot
  std::vector<float> slate_score;   ///< n x slate_size
  std::vector<uint8_t> provenance;  ///< n x slate_size: Provenance of each slot
  /// The slates offer a "not interested" control: a user who examined an item, did not
  /// click it and found it unwanted (the user model's rule) uses the control with this
  /// probability; 0 = not offered. Set by the not_interested intervention (OnSlate).
  double dismiss_probability = 0;

  void Reserve(int64_t capacity, int64_t d, int k_, int slate_size_) {
    dim = d;
    k = k_;
    slate_size = slate_size_;
    queries.resize(capacity * d);
    cand_ids.resize(capacity * k_);
    cand_sim.resize(capacity * k_);
    cand_score.resize(capacity * k_);
    slate.resize(capacity * slate_size_);
    slate_score.resize(capacity * slate_size_);
    provenance.assign(capacity * slate_size_, static_cast<uint8_t>(Provenance::kOrganic));
  }
  int64_t* Candidates(int64_t u) { return cand_ids.data() + u * k; }
  int64_t* Slate(int64_t u) { return slate.data() + u * slate_size; }
  const int64_t* Slate(int64_t u) const { return slate.data() + u * slate_size; }
  float* CandidateScores(int64_t u) { return cand_score.data() + u * k; }
  uint8_t* SlateProvenance(int64_t u) { return provenance.data() + u * slate_size; }
  const uint8_t* SlateProvenance(int64_t u) const { return provenance.data() + u * slate_size; }
  bool Injected(int64_t u, int j) const {
    return provenance[u * slate_size + j] == static_cast<uint8_t>(Provenance::kInjected);
  }
};

/// What the users of one batch did with their slates: up to max_clicks item ids per
/// user in click order, and the slots they dismissed ("not interested").
struct ChoiceBuffer {
  int max_clicks = 0;
  int slate_size = 0;
  std::vector<int64_t> clicks;     ///< capacity x max_clicks, -1 = none
  std::vector<int32_t> n_clicks;   ///< capacity
  std::vector<uint8_t> dismissed;  ///< capacity x slate_size: 1 where the user dismissed the slot's item
  void Reserve(int64_t capacity, int max_clicks_, int slate_size_ = 0) {
    max_clicks = max_clicks_;
    slate_size = slate_size_;
    clicks.assign(capacity * max_clicks_, -1);
    n_clicks.assign(capacity, 0);
    dismissed.assign(capacity * slate_size_, 0);
  }
  const int64_t* Clicks(int64_t u) const { return clicks.data() + u * max_clicks; }
  uint8_t* Dismissed(int64_t u) { return dismissed.data() + u * slate_size; }
  const uint8_t* Dismissed(int64_t u) const { return dismissed.data() + u * slate_size; }
};

}  // namespace counterpoint
