// counter_narrative_injection: the Redirect Method (Jigsaw and Moonshot CVE, 2016) as a
// slate-stage intervention. Users the platform flags as at risk (from what it can see:
// the classifier's harm score of what it recommends them, or their estimate's proximity
// to harmful-scored items) get the counter-narratives nearest their estimate injected
// into fixed slate positions, under a per-user frequency cap and a per-organisation
// impression budget per step (docs/interventions.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "recommender/intervention.h"

namespace faiss {
struct IndexFlatIP;
}

namespace counterpoint {

/// The parameter spec registered as "counter_narrative_injection".
ComponentSpec CounterNarrativeInjectionSpec();

/// Injects counter-narratives into the slates of triggered users. Budgets and caps are
/// consumed in user order (ascending id across a step's batches), so results do not
/// depend on the batch size or the thread count.
class CounterNarrativeInjection : public Intervention {
 public:
  enum class Trigger { kHarmShare, kProximity, kAlways };

  explicit CounterNarrativeInjection(const Params& p);
  ~CounterNarrativeInjection() override;

  /// Builds the FAISS sub-indexes (counter-narratives of the chosen organisations; items
  /// with harm_score >= harm_threshold) and every buffer. Throws InputError when a slot
  /// lies beyond the slate, an organisation publishes no counter-narrative, or the
  /// catalog has no counter-narrative to inject.
  void Init(const InterventionContext& ctx) override;
  /// Every user's trigger, cap and injections are the user's own; only the budgets are
  /// shared by every user of a step. Sharded, a rank injects into its users after the
  /// ranks before it, from the budgets they left (AllocatesAcrossRanks).
  bool Shardable() const override { return true; }
  bool AllocatesAcrossRanks() const override { return budget_per_step_ >= 0; }
  /// Sharded with budgets: injects into the step's held batches in this rank's turn.
  void FinishSlates(const RecContext& ctx) override;
  std::vector<std::string> Columns() const override;
  /// every column but cn_injected_ctr (clicks per injected impression: none without injection)
  std::vector<std::string> ColumnsZeroWhenAbsent() const override;
  void BeginStep(const RecContext& ctx) override;
  void OnSlate(const RecContext& ctx, SlateBatch& batch) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// Organisation (creator) ids whose counter-narratives are injected, ascending.
  const std::vector<int64_t>& organisations() const { return orgs_; }
  /// Whether user u was triggered at the latest step it was active.
  bool triggered(int64_t user) const { return triggered_[user] != 0; }

 private:
  // whether user (at batch row u) is triggered at this step; records its organic slate first
  bool EvaluateTrigger(const RecContext& ctx, const SlateBatch& b, int64_t u, float proximity);
  // whether the frequency cap lets the user receive one more injected impression at `step`
  bool UnderCap(int64_t user, int64_t step) const;
  // injects into the slate of batch row u from its candidate list (local CN ids, best first)
  void Inject(const RecContext& ctx, SlateBatch& b, int64_t u, const int64_t* cands, int n_cands);
  // the k_cn nearest live counter-narratives (target_ids_) of targets_[begin, end), rows of b
  void SearchTargets(const SlateBatch& b, size_t begin, size_t end);
  // injects for targets_[begin, end) (rows of b), in order, under the current budgets; those
  // from `searched` on are searched first
  void InjectTargets(const RecContext& ctx, SlateBatch& b, size_t begin, size_t end, size_t searched);
  // takes the counter-narratives of organisations without budget left out of the live
  // bitmap; counts those still live
  void CloseSpentOrganisations();
  // one search of the CN sub-index for nq queries under the current step bitmap
  void SearchCounterNarratives(const float* queries, int64_t nq, int k, float* scores, int64_t* ids) const;

  // parameters
  Trigger trigger_;
  bool everyone_;
  double harm_threshold_, share_threshold_, radius_;
  int window_;
  std::vector<int64_t> slots_;
  int cap_impressions_, cap_steps_;
  int64_t budget_per_step_;  ///< -1: unlimited
  std::vector<int64_t> org_filter_;

  // fixed after Init
  Purpose purpose_ = Purpose::kIntervention;
  int64_t dim_ = 0;
  int slate_size_ = 0;
  std::vector<int64_t> orgs_;        ///< organisation ids, ascending
  std::vector<int64_t> cn_items_;    ///< local CN id -> item id
  std::vector<int32_t> cn_org_;      ///< local CN id -> index into orgs_
  std::vector<int64_t> harm_items_;  ///< local id -> item id of items with h >= harm_threshold
  std::unique_ptr<faiss::IndexFlatIP> cn_index_, harm_index_;
  int k_cn_ = 0;  ///< counter-narratives fetched per user (slots + slate, at most all)

  // per-user state
  std::vector<int32_t> ring_step_;     ///< n_users x window: the step a slot describes (-1 = none)
  std::vector<int32_t> ring_harmful_;  ///< n_users x window: organic impressions with h >= threshold
  std::vector<int32_t> ring_total_;    ///< n_users x window: organic impressions
  std::vector<int32_t> cap_log_;       ///< n_users x cap_impressions: steps of the latest injections
  std::vector<int32_t> cap_head_;      ///< next write position in cap_log_
  std::vector<uint8_t> triggered_, reached_;

  // per-step state
  ItemFilter cn_live_, harm_live_;  ///< over local ids: live (and, for CN, organisation not out of budget)
  int64_t live_cns_ = 0;            ///< counter-narratives set in cn_live_
  std::vector<int64_t> budget_left_;
  std::vector<int64_t> org_impressions_;
  int64_t impressions_ = 0, clicks_ = 0, triggered_count_ = 0, reached_count_ = 0;
  int64_t total_impressions_ = 0, total_clicks_ = 0;  ///< since the start
  int64_t reached_step_ = 0;  ///< users first reached this step (this rank's until WriteMetrics)
  int64_t first_ = 0;         ///< the first user held; per-user arrays have a row per user held

  // batch scratch (sized in Init)
  static constexpr int64_t kChunk = 256;
  std::vector<float> proximity_;  ///< per batch row: max <estimate, harmful item> (proximity trigger)
  std::vector<int64_t> targets_;  ///< batch rows to inject into, ascending (per held batch)
  struct HeldBatch {
    SlateBatch* batch;  ///< alive until FinishSlates (Intervention::AllocatesAcrossRanks)
    size_t begin, end;  ///< its targets in targets_
    size_t searched;    ///< targets before this one were searched in OnSlate
  };
  int64_t search_ahead_ = 0;          ///< held batches: targets still to search in OnSlate this step
  std::vector<HeldBatch> held_;       ///< sharded with budgets: the step's batches so far
  std::vector<float> chunk_queries_;  ///< kChunk x dim
  std::vector<int64_t> chunk_ids_;    ///< kChunk x max(k_cn, 1)
  std::vector<float> target_scores_;  ///< targets x k_cn: SearchTargets' results
  std::vector<int64_t> target_ids_;   ///< targets x k_cn (local CN ids, best first)
  std::vector<float> wide_scores_;    ///< every counter-narrative, for one user whose list ran out
  std::vector<int64_t> wide_ids_;
};

}  // namespace counterpoint
