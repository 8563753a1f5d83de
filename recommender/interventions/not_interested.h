// "Not interested": users dismiss unwanted items; the platform suppresses similar ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"
#include "recommender/item_tally.h"

namespace counterpoint {

/// The platform offers a "not interested" control on every slate (OnSlate sets
/// SlateBatch::dismiss_probability to `probability`); whether a user finds an item
/// unwanted is the user model's (an examined item passed over with low utility for that
/// user, docs/model.md §3), so mainstream and news items are dismissed too and harmful ones
/// by users with an appetite for them are not. The platform records each dismissed slot
/// (ChoiceBuffer::dismissed, OnFeedback) in a per-user ring of the last `memory`
/// dismissals and for `suppress_steps` steps drops, for that user, every candidate whose
/// cosine to a dismissed item is at least `similarity` (score -inf: shown only if the pool
/// runs out). Columns: nim_dismissals, nim_dismissals_harmful (ground truth: measurement),
/// nim_dismissed_harmful_share (their precision as a harm filter; NaN without
/// dismissals), nim_suppressed_candidates; the first three since the start (_total).
class NotInterested : public Intervention {
 public:
  NotInterested(double probability, double similarity, int suppress_steps, int memory)
      : probability_(probability), similarity_(similarity), suppress_steps_(suppress_steps), memory_(memory) {}
  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }
  std::vector<std::string> Columns() const override {
    return {"nim_dismissals",
            "nim_dismissals_harmful",
            "nim_dismissed_harmful_share",
            "nim_suppressed_candidates",
            "nim_dismissals_total",
            "nim_dismissals_harmful_total",
            "nim_dismissed_harmful_share_total"};
  }
  /// the precision is a share of dismissals: none without the control
  std::vector<std::string> ColumnsZeroWhenAbsent() const override {
    return {"nim_dismissals", "nim_dismissals_harmful", "nim_suppressed_candidates", "nim_dismissals_total",
            "nim_dismissals_harmful_total"};
  }
  void BeginStep(const RecContext& ctx) override;
  void OnScores(const RecContext& ctx, SlateBatch& batch) override;
  void OnSlate(const RecContext& ctx, SlateBatch& batch) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// Largest supported dismissal memory per user.
  static constexpr int kMaxMemory = 64;

 private:
  double probability_, similarity_;
  int suppress_steps_, memory_;
  Purpose purpose_ = Purpose::kIntervention;
  int64_t first_ = 0;               ///< the first user held; row r is user first_ + r
  std::vector<int64_t> dismissed_;  ///< users held x memory: dismissed item ids, -1 = none
  std::vector<int64_t> when_;       ///< users held x memory: step of each dismissal
  std::vector<int32_t> next_;       ///< per user: ring position of the next dismissal
  int64_t dismissals_ = 0, dismissals_harmful_ = 0, suppressed_ = 0;
  ItemTally dismissed_items_;                         ///< this step's dismissals by item, measured at WriteMetrics
  int64_t total_dismissals_ = 0, total_harmful_ = 0;  ///< since the start
};

}  // namespace counterpoint
