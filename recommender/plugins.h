// Plug-in interfaces of the recommender. Each is called once per batch of users,
// never once per user, on caller-owned buffers (in the manner of FAISS).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/registry.h"
#include "core/state_io.h"
#include "recommender/batch.h"
#include "recommender/intervention.h"
#include "recommender/oracle_truth.h"

namespace counterpoint {

/// Fills batch.cand_ids / cand_sim (n x k) from batch.queries.
class Retriever {
 public:
  virtual ~Retriever() = default;
  /// Fills batch.cand_ids and batch.cand_sim. Each user's candidates must depend only on
  /// ctx and that user's id and query, never on the other users of the batch or on state
  /// an earlier call left: under MPI, ranks retrieve disjoint blocks of users
  /// (docs/architecture.md, "One step"). Hence any retriever runs sharded
  /// (Intervention::Shardable).
  virtual void Retrieve(const RecContext& ctx, SlateBatch& batch) = 0;
  /// Checkpoints (docs/architecture.md, "Checkpoints"): writes the state that changes
  /// during a run, not what the constructor or Init rebuild; LoadState restores it into a
  /// plug-in built and initialised the same way. The defaults throw CheckpointUnsupported:
  /// a stateless plug-in overrides both with explicit no-ops.
  virtual void SaveState(StateWriter& out) const { throw CheckpointUnsupported("does not support checkpoints"); }
  virtual void LoadState(StateReader& in) { throw CheckpointUnsupported("does not support checkpoints"); }
};

/// One click that teaches the ranker: a global user id and the item clicked.
struct UserClick {
  int32_t user = 0;
  int64_t item = 0;
};

/// Fills batch.cand_score (n x k) for the candidates; higher is shown first.
class Ranker {
 public:
  virtual ~Ranker() = default;
  /// MPI sharding: true if scoring and ObserveSlates keep no state that depends on other
  /// ranks' users (Intervention::Shardable).
  virtual bool Shardable() const { return false; }
  /// Once per step before any batch (e.g. to read global popularity).
  virtual void BeginStep(const RecContext& ctx) {}
  /// A ranker that retrieves from what it learned (cf_als's item factors) may put its own
  /// candidates into batch.cand_ids, with their batch.cand_sim (<query, item>), after the
  /// retriever and before the candidate hooks, so every filter sees them. A retriever may
  /// keep no learned state (Retriever::Retrieve); a ranker may. Returns whether it wrote
  /// any (then the Recommender checks the ids). Default: the retriever's candidates stand.
  virtual bool AddCandidates(const RecContext& ctx, SlateBatch& batch) { return false; }
  virtual void Score(const RecContext& ctx, SlateBatch& batch) = 0;
  /// The batch's final slates, as shown (after slate-stage interventions), in user
  /// order; a ranker that keeps its own statistics of impressions reads them here.
  virtual void ObserveSlates(const RecContext& ctx, const SlateBatch& batch) {}
  /// A ranker that learns from who clicked what, not only from the per-item counts of
  /// ItemState (cf_als), says so; the Recommender then hands it each batch's teaching clicks
  /// (Recommender::Teaches: organic, or learn_from_injected) in user order then click
  /// order, once per batch after the interventions' OnFeedback. What it learns may change
  /// scores from the next step on. The platform's view only: who clicked which item, never why.
  virtual bool LearnsFromClicks() const { return false; }
  virtual void ObserveClicks(const RecContext& ctx, std::span<const UserClick> clicks) {}
  /// Oracle baselines only (recommender/oracle_truth.h): true if the ranker ranks by the
  /// users' true utility. The simulation then calls ConnectTruth once, before the first
  /// step, and refuses a ranker that says so unless its registered name begins with
  /// "oracle" (Recommender::ConnectOracle). Every platform ranker keeps the defaults.
  virtual bool ReadsTruth() const { return false; }
  virtual void ConnectTruth(const OracleTruth& truth) {}
  /// Checkpoints (docs/architecture.md, "Checkpoints"): writes the state that changes
  /// during a run, not what the constructor or Init rebuild; LoadState restores it into a
  /// plug-in built and initialised the same way. The defaults throw CheckpointUnsupported:
  /// a stateless plug-in overrides both with explicit no-ops.
  virtual void SaveState(StateWriter& out) const { throw CheckpointUnsupported("does not support checkpoints"); }
  virtual void LoadState(StateReader& in) { throw CheckpointUnsupported("does not support checkpoints"); }
};

using RetrieverRegistry = Registry<std::unique_ptr<Retriever>>;
using RankerRegistry = Registry<std::unique_ptr<Ranker>>;

}  // namespace counterpoint
