// Demotion of candidates the harm classifier scores above a threshold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"
#include "recommender/item_tally.h"

namespace counterpoint {

/// Lowers the score of each candidate whose classifier harm score h_i (what the platform
/// sees, never the ground truth) exceeds the threshold tau, before the cut:
/// score <- score - weight * (h_i - tau) / (1 - tau). Subtractive, so it demotes whatever
/// the sign of the ranker's score (docs/interventions.md, "demote_harmful").
class DemoteHarmful : public Intervention {
 public:
  DemoteHarmful(double threshold, double weight) : threshold_(threshold), weight_(weight) {}
  bool Shardable() const override { return true; }
  std::vector<std::string> Columns() const override {
    return {"dh_demoted_share", "dh_demoted_harmful_share", "dh_demoted_news_share"};
  }
  /// the other two are shares among the demoted: none without demotion
  std::vector<std::string> ColumnsZeroWhenAbsent() const override { return {"dh_demoted_share"}; }
  void Init(const InterventionContext& ctx) override;
  void BeginStep(const RecContext& ctx) override;
  void OnScores(const RecContext& ctx, SlateBatch& batch) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// The penalty for harm score h (0 at or below the threshold).
  double Penalty(double h) const { return h > threshold_ ? weight_ * (h - threshold_) / (1 - threshold_) : 0.0; }

 private:
  double threshold_, weight_;
  // this step's counts over filled candidates; the demoted items are tallied, and their
  // ground-truth labels counted at WriteMetrics (the collateral is measured, not acted on)
  int64_t candidates_ = 0, demoted_ = 0, demoted_harmful_ = 0, demoted_news_ = 0;
  ItemTally demoted_items_;
};

}  // namespace counterpoint
