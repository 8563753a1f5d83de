#include "recommender/interventions/moderation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace counterpoint {

double FalseFlagRate(double recall, double precision, int64_t harmful, int64_t legitimate) {
  if (legitimate <= 0 || precision >= 1) return 0;
  if (precision <= 0) return 1;
  const double f = recall * static_cast<double>(harmful) * (1 - precision) / (precision * legitimate);
  return std::clamp(f, 0.0, 1.0);
}

double ReviewErrorRate(double rate_at_one_unit, int64_t cost) {
  return rate_at_one_unit / static_cast<double>(std::max<int64_t>(cost, 1));
}

bool RemovedWithinHour(int64_t live_since, int64_t removed_at, double steps_per_hour) {
  return static_cast<double>(removed_at - live_since + 1) <= steps_per_hour + 1e-9;
}

void Moderation::Init(const InterventionContext& ctx) {
  const PlatformView& cat = ctx.catalog;
  const int64_t n = cat.size();
  channels_ = &ctx.channels;
  seed_ = ctx.seed;
  purpose_ = ctx.purpose;
  if (p_.review_capacity > 0 && p_.review_cost > p_.review_capacity)
    throw InputError("moderation (arm '" + ctx.arm + "')",
                     "review_cost " + std::to_string(p_.review_cost) + " exceeds review_capacity " +
                         std::to_string(p_.review_capacity) +
                         ": no review would ever fit in a step; lower review_cost or raise review_capacity");
  // the flaggers' false-flag rate from the catalog's base rates (the flaggers' channel)
  const int64_t harmful = ctx.channels.harmful_items();
  false_flag_rate_ = FalseFlagRate(p_.flagger_recall, p_.flagger_precision, harmful, n - harmful);
  // every buffer sized once: each item goes live, enters each queue and appeals at most once
  live_order_.reserve(n);
  live_since_.assign(n, -1);
  trusted_queue_.reserve(n);
  classifier_queue_.reserve(n);
  queued_.assign(n, 0);
  cleared_.assign(n, 0);
  appeals_.reserve(n);
  removed_items_.reserve(n);
  cleared_items_.reserve(n);
  shown_.assign(n, 0);
  // items live at the start: their clock starts at step 0
  for (int64_t i = 0; i < n; ++i)
    if (cat.upload_step(i) <= 0) {
      live_order_.push_back(i);
      live_since_[i] = 0;
    }
}

std::vector<std::string> Moderation::Columns() const {
  return {"mod_removed",
          "mod_removed_harmful",
          "mod_removed_legitimate",
          "mod_queue_length",
          "mod_restored",
          "mod_removed_within_hour_share",
          "mod_impressions_before_removal",
          "mod_reviews",
          "mod_cleared",
          "mod_cleared_harmful",
          "mod_removed_total",
          "mod_removed_harmful_total",
          "mod_removed_legitimate_total",
          "mod_within_hour_total",
          "mod_cleared_harmful_total",
          "mod_restored_total"};
}

std::vector<std::string> Moderation::ColumnsZeroWhenAbsent() const {
  std::vector<std::string> out;
  for (auto& c : Columns())
    if (c != "mod_removed_within_hour_share") out.push_back(std::move(c));
  return out;
}

void Moderation::BeginStep(const RecContext&) {
  removed_ = removed_harmful_ = within_hour_ = restored_ = impressions_removed_ = 0;
  reviews_ = cleared_count_ = cleared_harmful_ = 0;
  removed_items_.clear(), cleared_items_.clear();
}

void Moderation::OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer&) {
  // every filled slot is an impression, organic or injected; sharded, this rank's apart
  // (summed over the ranks at EndStep)
  std::vector<int64_t>& shown = ctx.users.size() > 1 ? shown_step_ : shown_;
  if (shown.size() != shown_.size()) shown.assign(shown_.size(), 0);
  for (int64_t u = 0; u < batch.n; ++u) {
    const int64_t* slate = batch.Slate(u);
    for (int j = 0; j < batch.slate_size; ++j)
      if (slate[j] >= 0) ++shown[slate[j]];
  }
}

void Moderation::ReadLog(const ItemActions& actions) {
  // uploads and re-uploads since the last read start their item's clock
  const auto& log = actions.log();
  for (; log_cursor_ < log.size(); ++log_cursor_) {
    const ModerationRecord& r = log[log_cursor_];
    if (r.event != ModerationEvent::kUploaded && r.event != ModerationEvent::kReuploaded) continue;
    if (live_since_[r.item] >= 0) continue;
    live_since_[r.item] = r.step;
    live_order_.push_back(r.item);
  }
}

void Moderation::Enqueue(std::vector<int64_t>& queue, int64_t item) {
  queue.push_back(item);
  if (!queued_[item]) {
    queued_[item] = 1;
    ++queued_count_;
  }
}

void Moderation::Review(const RecContext& ctx, ItemActions& actions, std::vector<int64_t>& queue, size_t& head,
                        ModerationChannel channel, int64_t& budget) {
  const int64_t t = ctx.step;
  const double false_positive = ReviewErrorRate(p_.review_false_positive, p_.review_cost);
  const double false_negative = ReviewErrorRate(p_.review_false_negative, p_.review_cost);
  while (budget >= p_.review_cost && head < queue.size()) {
    const int64_t item = queue[head];
    // an entry already reviewed through the other channel, or no longer live, costs nothing
    ++head;
    if (!queued_[item]) continue;
    queued_[item] = 0;
    --queued_count_;
    if (ctx.items.status[item] != ItemStatus::kLive || cleared_[item]) continue;
    budget -= p_.review_cost;
    ++reviews_;
    // the reviewer judges the content (the review channel: ground truth with its error rates)
    const int64_t latency = t - live_since_[item];
    const CounterRng rng(seed_, item, t, purpose_);
    if (!channels_->ReviewConfirms(item, rng.Uniform(2), false_positive, false_negative)) {
      // kept: the decision stands, the item is not flagged again
      actions.Clear(item, channel, latency);
      cleared_[item] = 1;
      ++cleared_count_;
      cleared_items_.push_back(item);
      continue;
    }
    // removal, in force from step t + 1
    actions.Remove(item, channel, latency);
    ++removed_;
    removed_items_.push_back(item);
    within_hour_ += RemovedWithinHour(live_since_[item], t, p_.steps_per_hour);
    impressions_removed_ += shown_[item];
    // the creator of a legitimate item appeals (the creators' channel); a share of appeals
    // succeeds after the delay
    if (channels_->CreatorAppeals(item) && rng.Uniform(1) < p_.appeal_success)
      appeals_.push_back({item, t + p_.appeal_delay_steps});
  }
}

void Moderation::EndStep(const RecContext& ctx, ItemActions& actions) {
  const int64_t t = ctx.step;
  if (ctx.users.size() > 1) {
    // every rank's impressions of this step; the rest of moderation is per item, replicated
    shown_step_.resize(shown_.size(), 0);
    ctx.users.AllReduceSum(shown_step_.data(), static_cast<int64_t>(shown_step_.size()));
    for (size_t i = 0; i < shown_.size(); ++i) shown_[i] += shown_step_[i];
    std::fill(shown_step_.begin(), shown_step_.end(), 0);
  }
  ReadLog(actions);
  auto flaggable = [&](int64_t item) { return ctx.items.status[item] == ItemStatus::kLive && !cleared_[item]; };
  // classifier: an item with h >= tau is flagged L steps after it went live
  for (; classifier_cursor_ < live_order_.size(); ++classifier_cursor_) {
    const int64_t item = live_order_[classifier_cursor_];
    if (live_since_[item] + p_.latency_steps > t) break;
    if (!p_.classifier || !flaggable(item) || ctx.catalog.harm_score(item) < p_.threshold) continue;
    actions.Flag(item, ModerationChannel::kClassifier, t - live_since_[item]);
    Enqueue(classifier_queue_, item);
  }
  // trusted flaggers: a harmful item with probability recall, a legitimate one at the false-flag rate
  for (; flagger_cursor_ < live_order_.size(); ++flagger_cursor_) {
    const int64_t item = live_order_[flagger_cursor_];
    if (live_since_[item] + p_.flagger_latency_steps > t) break;
    if (p_.flagger_recall <= 0 || !flaggable(item)) continue;
    const double rate = channels_->FlagProbability(item, p_.flagger_recall, false_flag_rate_);
    if (CounterRng(seed_, item, t, purpose_).Uniform(0) >= rate) continue;
    actions.Flag(item, ModerationChannel::kTrustedFlagger, t - live_since_[item]);
    Enqueue(trusted_queue_, item);
  }
  // appeals due now restore their items
  for (; appeal_head_ < appeals_.size() && appeals_[appeal_head_].due <= t; ++appeal_head_) {
    const int64_t item = appeals_[appeal_head_].item;
    if (ctx.items.status[item] != ItemStatus::kRemoved) continue;
    actions.Restore(item, ModerationChannel::kAppeal, p_.appeal_delay_steps);
    cleared_[item] = 1;
    ++restored_;
  }
  // reviews: trusted flags first, then the classifier's, FIFO, up to the capacity
  int64_t budget = p_.review_capacity > 0 ? p_.review_capacity : std::numeric_limits<int64_t>::max();
  Review(ctx, actions, trusted_queue_, trusted_head_, ModerationChannel::kTrustedFlagger, budget);
  Review(ctx, actions, classifier_queue_, classifier_head_, ModerationChannel::kClassifier, budget);
  total_removed_ += removed_, total_within_hour_ += within_hour_, total_restored_ += restored_;
}

void Moderation::WriteMetrics(const RecContext&, const Catalog& truth, double* row) {
  // what the decisions were worth, measured on the ground truth
  removed_harmful_ = cleared_harmful_ = 0;
  for (int64_t item : removed_items_) removed_harmful_ += IsHarmful(truth.label(item));
  for (int64_t item : cleared_items_) cleared_harmful_ += IsHarmful(truth.label(item));
  total_removed_harmful_ += removed_harmful_, total_cleared_harmful_ += cleared_harmful_;
  row[0] = static_cast<double>(removed_);
  row[1] = static_cast<double>(removed_harmful_);
  row[2] = static_cast<double>(removed_ - removed_harmful_);
  row[3] = static_cast<double>(queued_count_);
  row[4] = static_cast<double>(restored_);
  row[5] = removed_ > 0 ? static_cast<double>(within_hour_) / removed_ : std::nan("");
  row[6] = static_cast<double>(impressions_removed_);
  row[7] = static_cast<double>(reviews_);
  row[8] = static_cast<double>(cleared_count_);
  row[9] = static_cast<double>(cleared_harmful_);
  row[10] = static_cast<double>(total_removed_);
  row[11] = static_cast<double>(total_removed_harmful_);
  row[12] = static_cast<double>(total_removed_ - total_removed_harmful_);
  row[13] = static_cast<double>(total_within_hour_);
  row[14] = static_cast<double>(total_cleared_harmful_);
  row[15] = static_cast<double>(total_restored_);
}

void Moderation::SaveState(StateWriter& out) const {
  out.Put<uint64_t>(log_cursor_);
  out.PutVector(live_order_), out.PutVector(live_since_);
  out.Put<uint64_t>(classifier_cursor_), out.Put<uint64_t>(flagger_cursor_);
  out.PutVector(trusted_queue_), out.PutVector(classifier_queue_);
  out.Put<uint64_t>(trusted_head_), out.Put<uint64_t>(classifier_head_);
  out.PutVector(queued_), out.PutVector(cleared_), out.Put(queued_count_);
  out.PutVector(appeals_), out.Put<uint64_t>(appeal_head_), out.PutVector(shown_);
  for (int64_t x : {removed_, removed_harmful_, within_hour_, restored_, impressions_removed_, reviews_, cleared_count_,
                    cleared_harmful_, total_removed_, total_removed_harmful_, total_within_hour_,
                    total_cleared_harmful_, total_restored_})
    out.Put(x);
}

void Moderation::LoadState(StateReader& in) {
  log_cursor_ = in.Get<uint64_t>();
  in.GetVector(live_order_), in.GetVector(live_since_, live_since_.size(), "moderation live steps");
  classifier_cursor_ = in.Get<uint64_t>(), flagger_cursor_ = in.Get<uint64_t>();
  in.GetVector(trusted_queue_), in.GetVector(classifier_queue_);
  trusted_head_ = in.Get<uint64_t>(), classifier_head_ = in.Get<uint64_t>();
  in.GetVector(queued_, queued_.size(), "moderation queue flags");
  in.GetVector(cleared_, cleared_.size(), "moderation cleared flags");
  queued_count_ = in.Get<int64_t>();
  in.GetVector(appeals_), appeal_head_ = in.Get<uint64_t>(),
                          in.GetVector(shown_, shown_.size(), "moderation impressions");
  if (classifier_cursor_ > live_order_.size() || flagger_cursor_ > live_order_.size() ||
      trusted_head_ > trusted_queue_.size() || classifier_head_ > classifier_queue_.size() ||
      appeal_head_ > appeals_.size())
    in.Fail("moderation cursors out of range");
  for (int64_t* x : {&removed_, &removed_harmful_, &within_hour_, &restored_, &impressions_removed_, &reviews_,
                     &cleared_count_, &cleared_harmful_, &total_removed_, &total_removed_harmful_, &total_within_hour_,
                     &total_cleared_harmful_, &total_restored_})
    *x = in.Get<int64_t>();
}

namespace {

ComponentSpec ModerationSpec() {
  const ModerationParams d;
  return {
      "Moderation: classifier detection after a latency, trusted flaggers, a review queue with a capacity "
      "per step, removal from the next step, appeals (docs/interventions.md).",
      {BoolParam("classifier", d.classifier, "the classifier channel flags items with h >= threshold"),
       DoubleParam("threshold", d.threshold, "tau: flag when the classifier harm score h >= tau", 0, 1),
       IntParam("latency_steps", d.latency_steps, "L: steps from an item going live to the classifier's flag", 0, 1e6),
       DoubleParam("flagger_recall", d.flagger_recall,
                   "trusted flaggers flag a truly harmful item with this probability (0 = no flaggers)", 0, 1),
       DoubleParam("flagger_precision", d.flagger_precision, "share of the flaggers' flags that are truly harmful",
                   1e-6, 1),
       IntParam("flagger_latency_steps", d.flagger_latency_steps, "steps from an item going live to a flag", 0, 1e6),
       IntParam("review_capacity", d.review_capacity,
                "review time per step, in units (0 = unlimited); a review takes review_cost units", 0, 1e12),
       IntParam("review_cost", d.review_cost,
                "c: units one review takes; the review error rates are divided by c (time against accuracy)", 1, 1e6),
       DoubleParam("review_false_positive", d.review_false_positive,
                   "at review_cost 1: share of flagged legitimate items a reviewer removes", 0, 1),
       DoubleParam("review_false_negative", d.review_false_negative,
                   "at review_cost 1: share of flagged harmful items a reviewer keeps", 0, 1),
       DoubleParam("steps_per_hour", d.steps_per_hour,
                   "steps in one hour: removed within the hour when live for t - s + 1 <= steps_per_hour steps", 1e-9,
                   1e9),
       DoubleParam("appeal_success", d.appeal_success,
                   "share of wrongly removed legitimate items restored on their creator's appeal", 0, 1),
       IntParam("appeal_delay_steps", d.appeal_delay_steps, "steps from removal to restoration on appeal", 1, 1e6)},
      {LevelMetric("mod_removed", "items", "items removed this step"),
       LevelMetric("mod_removed_harmful", "items", "of those, truly harmful (ground truth)"),
       LevelMetric("mod_removed_legitimate", "items", "of those, legitimate (ground truth)"),
       LevelMetric("mod_queue_length", "items", "flagged items awaiting review after the step's reviews"),
       LevelMetric("mod_restored", "items", "items restored on appeal this step"),
       ShareMetric("mod_removed_within_hour_share", "share of removals",
                   "removals this step within an hour of the item going live"),
       LevelMetric("mod_impressions_before_removal", "impressions",
                   "impressions (any slot) of the items removed this step since they went live"),
       LevelMetric("mod_reviews", "reviews", "reviews this step"),
       LevelMetric("mod_cleared", "items", "flagged items a review kept this step"),
       LevelMetric("mod_cleared_harmful", "items", "of those, truly harmful (ground truth)"),
       LevelMetric("mod_removed_total", "items", "removals since the start"),
       LevelMetric("mod_removed_harmful_total", "items", "truly harmful removals since the start"),
       LevelMetric("mod_removed_legitimate_total", "items", "legitimate removals since the start"),
       LevelMetric("mod_within_hour_total", "items", "removals within the hour since the start"),
       LevelMetric("mod_cleared_harmful_total", "items", "harmful items kept by review since the start"),
       LevelMetric("mod_restored_total", "items", "restorations on appeal since the start")}};
}

const bool kRegistered = InterventionRegistry::Get().Add("moderation", ModerationSpec(),
                                                         [](const Params& p) -> std::unique_ptr<Intervention> {
                                                           ModerationParams m;
                                                           m.classifier = p.Bool("classifier");
                                                           m.threshold = p.Double("threshold");
                                                           m.latency_steps = p.Int("latency_steps");
                                                           m.flagger_recall = p.Double("flagger_recall");
                                                           m.flagger_precision = p.Double("flagger_precision");
                                                           m.flagger_latency_steps = p.Int("flagger_latency_steps");
                                                           m.review_capacity = p.Int("review_capacity");
                                                           m.review_cost = p.Int("review_cost");
                                                           m.review_false_positive = p.Double("review_false_positive");
                                                           m.review_false_negative = p.Double("review_false_negative");
                                                           m.steps_per_hour = p.Double("steps_per_hour");
                                                           m.appeal_success = p.Double("appeal_success");
                                                           m.appeal_delay_steps = p.Int("appeal_delay_steps");
                                                           return std::make_unique<Moderation>(m);
                                                         });

}  // namespace
}  // namespace counterpoint
