// The intervention plug-in interface: a platform policy that acts on one arm's
// recommendations (docs/interventions.md; the order of one step is in
// docs/architecture.md). Every hook is called once per batch of users or once
// per step, never once per user, on caller-owned buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry.h"
#include "core/rng.h"
#include "core/state_io.h"
#include "embeddings/truth_channels.h"
#include "recommender/batch.h"
#include "recommender/moderation_log.h"

namespace counterpoint {

/// What an intervention knows when it is built, once per arm and replicate.
struct InterventionContext {
  /// What the platform sees of the catalog (no label, extremity or parent).
  const PlatformView& catalog;
  const VectorIndex& index;
  /// Ground truth carried by people outside the ranking code (reviewers, trusted flaggers,
  /// creators, other platforms, re-uploaders), each channel named with its error rates.
  const TruthChannels& channels;
  int64_t n_users = 0;
  /// The users this process holds: [first_user, first_user + local_users) (all of them,
  /// unless the run is sharded over MPI ranks); per-user state needs only those.
  int64_t first_user = 0;
  int64_t local_users = 0;
  int candidates = 0;  ///< k retrieved per user
  int slate_size = 0;
  std::string arm;
  uint64_t seed = 0;  ///< the replicate's seed (shared by the arms: common random numbers)
  int instance = 0;   ///< position in the arm's intervention list
  /// This instance's own random purpose: draws keyed by (seed, stream, step, purpose)
  /// never coincide with another instance's or with the engine's.
  Purpose purpose = Purpose::kIntervention;
};

/// The random purpose of the intervention at `instance` in an arm's list (plug-ins built
/// without a scenario, as tests do).
inline Purpose InterventionPurpose(int instance) {
  return static_cast<Purpose>(static_cast<uint64_t>(Purpose::kIntervention) * 1000 + static_cast<uint64_t>(instance));
}

/// The random purpose of an arm's `occurrence`-th intervention of registered type `type`
/// (0 for the first of that type): keyed by what the intervention is, not where it stands
/// in the list, so an intervention draws the same numbers alone and combined with others
/// (common random numbers between an arm and the arm that adds to it). FNV-1a of the
/// name with the top bit set, which keeps it clear of the engine's purposes.
inline Purpose InterventionPurpose(std::string_view type, int occurrence) {
  const uint64_t h = Fnv1a(type);
  return static_cast<Purpose>((1ull << 63) | ((h << 8) >> 1) | static_cast<uint64_t>(occurrence & 0x7f));
}

/// A platform intervention. Hooks run in the order the scenario lists the
/// interventions; batch hooks see the active users in a fixed order (ascending
/// user id across the step's batches), so state kept across batches of a step
/// (budgets, caps) does not depend on the batch size as long as it is updated in
/// that order.
class Intervention {
 public:
  virtual ~Intervention() = default;

  /// MPI sharding (docs/cluster.md, "MPI"): true if this plug-in runs correctly when each
  /// rank holds only its own block of users and combines, through ctx.users (view.users
  /// for observers) at a step-end hook, whatever depends on the others. A run whose
  /// plug-ins are not all shardable keeps every user on every rank instead.
  virtual bool Shardable() const { return false; }
  /// Sharded runs: true if OnSlate shares out a resource of the whole step (an impression
  /// budget) in user order across every rank's users. A sharded rank then holds all of
  /// its step's batches: this intervention's OnSlate sees each of them in user order and
  /// should only note what it needs (the batches stay alive and in place); FinishSlates
  /// follows, once per step on every rank (even one without active users), and may change
  /// those slates, handing what is left on from rank to rank (rank r after ranks 0..r-1).
  /// The interventions after it in the list see the slates after FinishSlates.
  virtual bool AllocatesAcrossRanks() const { return false; }
  /// True if OnScores builds the whole slate and writes rank-order scores (2..n+1 for its
  /// picks) instead of adjusting the ranker's: a second such intervention in one arm would
  /// rank by the first's synthetic scores, which measures nothing a platform would run, so
  /// an arm may hold one (docs/interventions.md, "Composing interventions").
  virtual bool BuildsSlate() const { return false; }
  /// See AllocatesAcrossRanks; only called in sharded runs.
  virtual void FinishSlates(const RecContext& ctx) {}
  /// Once, before the first step.
  virtual void Init(const InterventionContext& ctx) {}
  /// Names of the metric columns this intervention adds to metrics.csv (fixed after Init).
  virtual std::vector<std::string> Columns() const { return {}; }
  /// The columns among Columns() that an arm without this intervention has as 0, since
  /// nothing was done there: counts of its actions, the share of items it acted on. The
  /// others (shares of what it did, such as a click-through rate of injected slots, and
  /// states such as a database's size) are not applicable there, and summaries say so.
  virtual std::vector<std::string> ColumnsZeroWhenAbsent() const { return {}; }

  /// Start of step t, after uploads arrived, before the first batch.
  virtual void BeginStep(const RecContext& ctx) {}
  /// Step t, before uploads are screened: pending items this intervention re-uploads now
  /// (near-duplicates, catalog.parent >= 0) are appended to `arriving`; OnUploads then
  /// screens them with the due uploads. `actions` is read-only here (its log).
  virtual void RequestUploads(const RecContext& ctx, const ItemActions& actions, std::vector<int64_t>& arriving) {}
  /// Uploads due at step t, before they become live: an intervention may block
  /// some (actions.Block); the rest are uploaded. A blocked upload is never shown.
  virtual void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) {}
  /// After retrieval, before scoring: filter candidates (set an id to -1).
  virtual void OnCandidates(const RecContext& ctx, SlateBatch& batch) {}
  /// After the ranker scored the candidates, before the slate cut: change
  /// batch.cand_score (demotion, diversification, calibration from the whole pool).
  virtual void OnScores(const RecContext& ctx, SlateBatch& batch) {}
  /// After the cut: replace slots (injection), marking them Provenance::kInjected.
  virtual void OnSlate(const RecContext& ctx, SlateBatch& batch) {}
  /// Users act on a control the intervention offers them (the "not interested"
  /// button): it may mark slots in choices.dismissed. After the user model chose,
  /// before any OnFeedback, so every intervention and the event log see the dismissals.
  virtual void OnResponse(const RecContext& ctx, const SlateBatch& batch, ChoiceBuffer& choices) {}
  /// After users responded: clicks (in order) and dismissals of the batch.
  virtual void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) {}
  /// End of step t, after learning: moderation decisions (actions.Remove, Restore);
  /// in force from step t + 1.
  virtual void EndStep(const RecContext& ctx, ItemActions& actions) {}
  /// Writes Columns().size() values for step t (after EndStep). `truth` is the catalog
  /// with its ground truth, for measuring what the intervention did (how many of the items
  /// it demoted were harmful): the one hook that receives it, since measuring is the
  /// observer's part, not the platform's.
  virtual void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) {}
  /// Checkpoints (docs/architecture.md, "Checkpoints"): writes the state that changes
  /// during a run, not what the constructor or Init rebuild; LoadState restores it into a
  /// plug-in built and initialised the same way. The defaults throw CheckpointUnsupported:
  /// a stateless plug-in overrides both with explicit no-ops.
  virtual void SaveState(StateWriter& out) const { throw CheckpointUnsupported("does not support checkpoints"); }
  virtual void LoadState(StateReader& in) { throw CheckpointUnsupported("does not support checkpoints"); }
};

using InterventionRegistry = Registry<std::unique_ptr<Intervention>>;

}  // namespace counterpoint
