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
  int64_t review_capacity = 0;          ///< review time per step in units (0 = unlimited); trusted flags first, FIFO
  int64_t review_cost = 1;              ///< c: units of review_capacity one review takes
  double review_false_positive = 0.05;  ///< at c = 1: share of flagged legitimate items a review removes
  double review_false_negative = 0.05;  ///< at c = 1: share of flagged harmful items a review keeps
  double steps_per_hour = 1;  ///< the one-hour target: within the hour when live t - s + 1 <= steps_per_hour steps
  double appeal_success = 0;  ///< share of wrongly removed legitimate items restored on appeal
  int64_t appeal_delay_steps = 4;
};

/// The trusted flaggers' false-flag rate on legitimate items that gives precision P at
/// recall r, with H truly harmful and N legitimate items: f = r H (1 - P) / (P N),
/// clamped to [0, 1] (docs/interventions.md, "moderation").
double FalseFlagRate(double recall, double precision, int64_t harmful, int64_t legitimate);

/// A review's error rate when it takes `cost` units: the rate at one unit divided by the
/// cost (more time per review, fewer mistakes; docs/interventions.md, "moderation").
double ReviewErrorRate(double rate_at_one_unit, int64_t cost);

/// Whether a removal took effect within the hour: an item live from step s and removed
/// at the end of step t was visible for t - s + 1 steps, each 1/steps_per_hour hours.
bool RemovedWithinHour(int64_t live_since, int64_t removed_at, double steps_per_hour);

/// The moderation pipeline. Decisions use only the classifier score, flags and appeals;
/// the flaggers' accuracy, the reviewers' judgement and the appeals' outcome are people
/// outside the ranking system, modelled from the ground-truth label through channels with
/// stated error rates. Metric columns: per step mod_removed, mod_removed_harmful,
/// mod_removed_legitimate, mod_queue_length, mod_restored, mod_removed_within_hour_share
/// (NaN without removals), mod_impressions_before_removal, mod_reviews, mod_cleared,
/// mod_cleared_harmful; and since the start (cumulative) mod_removed_total,
/// mod_removed_harmful_total, mod_removed_legitimate_total, mod_within_hour_total,
/// mod_cleared_harmful_total, mod_restored_total.
class Moderation : public Intervention {
 public:
  explicit Moderation(const ModerationParams& p) : p_(p) {}

  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }
  std::vector<std::string> Columns() const override;
  /// every column but mod_removed_within_hour_share (a share of removals: none without moderation)
  std::vector<std::string> ColumnsZeroWhenAbsent() const override;
  void BeginStep(const RecContext& ctx) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void EndStep(const RecContext& ctx, ItemActions& actions) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
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
  const TruthChannels* channels_ = nullptr;  ///< review, trusted flaggers and creators' appeals
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
  int64_t reviews_ = 0, cleared_count_ = 0, cleared_harmful_ = 0;
  std::vector<int64_t> removed_items_, cleared_items_;  ///< this step's decisions, measured at WriteMetrics
  // since the start
  int64_t total_removed_ = 0, total_removed_harmful_ = 0, total_within_hour_ = 0, total_cleared_harmful_ = 0,
          total_restored_ = 0;
};

}  // namespace counterpoint
