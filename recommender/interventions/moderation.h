// moderation: classifier detection after a latency, a trusted-flagger channel, a
// review queue with a capacity per step, removal in force from the next step, and
// appeals that restore wrongly removed legitimate items (docs/interventions.md, "moderation").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"

namespace counterpoint {

/// Parameters of `moderation` (defaults as registered).
struct ModerationParams {
  bool classifier = true;          ///< the classifier channel is on
  double threshold = 0.5;          ///< tau: an item is flagged when its harm score h >= tau
  int64_t latency_steps = 1;       ///< L: the classifier flags at (step it went live) + L
  double flagger_recall = 0;       ///< trusted flaggers flag a truly harmful item with this probability (0 = off)
  double flagger_precision = 0.9;  ///< share of the flaggers' flags that are truly harmful
  int64_t flagger_latency_steps = 2;
  int64_t review_capacity = 0;  ///< reviews per step (0 = unlimited); trusted flags first, FIFO per channel
  double steps_per_hour = 1;    ///< the one-hour target: removed within latency <= steps_per_hour
  double appeal_success = 0;    ///< share of wrongly removed legitimate items restored on appeal
  int64_t appeal_delay_steps = 4;
};

/// The trusted flaggers' false-flag rate on legitimate items that gives precision P at
/// recall r, with H truly harmful and N legitimate items: f = r H (1 - P) / (P N),
/// clamped to [0, 1] (docs/interventions.md, "moderation").
double FalseFlagRate(double recall, double precision, int64_t harmful, int64_t legitimate);

/// The moderation pipeline. Decisions use only the classifier score, flags and appeals;
/// the flaggers' accuracy and the appeals' outcome are the environment, modelled from
/// the ground-truth label (as a user's choice is). Metric columns (per step):
/// mod_removed, mod_removed_harmful, mod_removed_legitimate, mod_queue_length,
/// mod_removed_within_hour_share (NaN without removals), mod_restored,
/// mod_impressions_before_removal.
class Moderation : public Intervention {
 public:
  explicit Moderation(const ModerationParams& p) : p_(p) {}

  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }
  std::vector<std::string> Columns() const override;
  void BeginStep(const RecContext& ctx) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void EndStep(const RecContext& ctx, ItemActions& actions) override;
  void WriteMetrics(const RecContext& ctx, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// Items flagged and not yet reviewed.
  int64_t queue_length() const { return queued_count_; }
  double false_flag_rate() const { return false_flag_rate_; }

 private:
  struct Appeal {
    int64_t item;
    int64_t due;
  };
  void ReadLog(const ItemActions& actions);
  void Enqueue(std::vector<int64_t>& queue, int64_t item);
  void Review(const RecContext& ctx, ItemActions& actions, std::vector<int64_t>& queue, size_t& head,
              ModerationChannel channel, int64_t& budget);

  ModerationParams p_;
  uint64_t seed_ = 0;
  Purpose purpose_ = Purpose::kIntervention;
  double false_flag_rate_ = 0;
  size_t log_cursor_ = 0;
  std::vector<int64_t> live_order_;  ///< items in the order they went live (live_since ascending)
  std::vector<int64_t> live_since_;  ///< per item: step it went live (-1 = never)
  size_t classifier_cursor_ = 0, flagger_cursor_ = 0;
  std::vector<int64_t> trusted_queue_, classifier_queue_;  ///< FIFO, each item at most once
  size_t trusted_head_ = 0, classifier_head_ = 0;
  std::vector<uint8_t> queued_;   ///< per item: awaiting review
  std::vector<uint8_t> cleared_;  ///< per item: restored on appeal, never flagged again
  int64_t queued_count_ = 0;
  std::vector<Appeal> appeals_;  ///< due steps ascending
  size_t appeal_head_ = 0;
  std::vector<int64_t> shown_;       ///< per item: impressions in any slot (organic or injected) so far
  std::vector<int64_t> shown_step_;  ///< sharded: this rank's impressions per item this step
  // this step's counts
  int64_t removed_ = 0, removed_harmful_ = 0, within_hour_ = 0, restored_ = 0, impressions_removed_ = 0;
};

}  // namespace counterpoint
