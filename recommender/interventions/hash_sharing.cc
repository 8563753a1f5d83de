#include "recommender/interventions/hash_sharing.h"

#include <cstring>

namespace counterpoint {

void HashSharing::Init(const InterventionContext& ctx) {
  const int64_t n = ctx.catalog.size();
  ValidatePerturbation(p_.perturbation, "hash_sharing (arm '" + ctx.arm + "')");
  // the hashes the platform computes from each upload's file, keyed by the replicate's
  // seed: the same in every arm
  codes_ = ctx.channels.PerceptualHashes(ctx.seed, p_.perturbation);
  db_ = std::make_unique<HashDatabase>(n);
  query_.resize(n * kHashBytes);
  query_items_.resize(n);
  nearest_.resize(n);
  distance_.resize(n);
  blocked_items_.reserve(n);
  // hashes other platforms shared before the start: a share of the extremist originals
  // (their moderators' judgement, through the channel, not this platform's classifier)
  if (p_.seed_share > 0)
    for (int64_t i = 0; i < n; ++i) {
      if (!ctx.channels.HashedElsewhere(i)) continue;
      if (CounterRng(ctx.seed, i, 3, Purpose::kPerceptualHash).Uniform(0) < p_.seed_share)
        db_->Add(i, codes_.data() + i * kHashBytes);
    }
}

void HashSharing::OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) {
  // the database takes every removal since the last step and drops restored items
  const auto& log = actions.log();
  for (; log_cursor_ < log.size(); ++log_cursor_) {
    const ModerationRecord& r = log[log_cursor_];
    if (r.event == ModerationEvent::kRemoved)
      db_->Add(r.item, codes_.data() + r.item * kHashBytes);
    else if (r.event == ModerationEvent::kRestored)
      db_->Remove(r.item);
  }
  // one batched search for the step's uploads still pending (not blocked by another intervention)
  blocked_ = blocked_legitimate_ = blocked_news_ = 0;
  blocked_items_.clear();
  int64_t m = 0;
  for (int64_t item : arriving) {
    if (ctx.items.status[item] != ItemStatus::kPending) continue;
    std::memcpy(query_.data() + m * kHashBytes, codes_.data() + item * kHashBytes, kHashBytes);
    query_items_[m++] = item;
  }
  if (m == 0 || db_->size() == 0) return;
  db_->Within(query_.data(), m, p_.match_threshold, distance_.data(), nearest_.data());
  for (int64_t q = 0; q < m; ++q) {
    if (distance_[q] > p_.match_threshold) continue;
    const int64_t item = query_items_[q];
    if (ctx.items.status[item] != ItemStatus::kPending) continue;  // listed twice
    actions.Block(item, ModerationChannel::kHashMatch);
    ++blocked_;
    blocked_items_.push_back(item);
  }
}

void HashSharing::WriteMetrics(const RecContext&, const Catalog& truth, double* row) {
  // the collateral, measured on the ground truth: legitimate items and news reports blocked
  blocked_legitimate_ = blocked_news_ = 0;
  for (int64_t item : blocked_items_) {
    blocked_legitimate_ += !IsHarmful(truth.label(item));
    blocked_news_ += truth.label(item) == Label::kNewsReporting;
  }
  total_blocked_ += blocked_, total_legitimate_ += blocked_legitimate_, total_news_ += blocked_news_;
  row[0] = static_cast<double>(blocked_);
  row[1] = static_cast<double>(blocked_legitimate_);
  row[2] = static_cast<double>(db_->size());
  row[3] = static_cast<double>(blocked_news_);
  row[4] = static_cast<double>(total_blocked_);
  row[5] = static_cast<double>(total_legitimate_);
  row[6] = static_cast<double>(total_news_);
}

void HashSharing::SaveState(StateWriter& out) const {
  // the database's items in index order: re-adding them rebuilds the same index
  out.PutVector(db_->items());
  out.Put<uint64_t>(log_cursor_), out.Put(blocked_), out.Put(blocked_legitimate_), out.Put(blocked_news_);
  out.Put(total_blocked_), out.Put(total_legitimate_), out.Put(total_news_);
}

void HashSharing::LoadState(StateReader& in) {
  std::vector<int64_t> items;
  in.GetVector(items);
  db_ = std::make_unique<HashDatabase>(static_cast<int64_t>(codes_.size() / kHashBytes));
  for (int64_t item : items) {
    if (item < 0 || static_cast<size_t>(item) >= codes_.size() / kHashBytes) in.Fail("hash database item out of range");
    db_->Add(item, codes_.data() + item * kHashBytes);
  }
  log_cursor_ = in.Get<uint64_t>(), blocked_ = in.Get<int64_t>(), blocked_legitimate_ = in.Get<int64_t>();
  blocked_news_ = in.Get<int64_t>();
  total_blocked_ = in.Get<int64_t>(), total_legitimate_ = in.Get<int64_t>(), total_news_ = in.Get<int64_t>();
}

namespace {

const HashPerturbation d;
const bool kRegistered = InterventionRegistry::Get().Add(
    "hash_sharing",
    {"Hash sharing: removed items' perceptual hashes (256-bit, PDQ-like) block uploads within a Hamming "
     "distance (docs/interventions.md).",
     {IntParam("match_threshold", 31, "delta: block an upload within this Hamming distance (of 256 bits)", 0, 256),
      DoubleParam("reencode_share", d.reencode_share, "share of copies that are re-encodes", 0, 1),
      DoubleParam("reencode_flip_rate", d.reencode_flip_rate, "per-bit flip probability of a re-encode", 0, 1),
      DoubleParam("crop_share", d.crop_share, "share of copies that are crops", 0, 1),
      DoubleParam("crop_flip_rate", d.crop_flip_rate, "per-bit flip probability of a crop", 0, 1),
      DoubleParam("overlay_share", d.overlay_share, "share of copies with an overlay (logo, caption)", 0, 1),
      DoubleParam("overlay_flip_rate", d.overlay_flip_rate, "per-bit flip probability of an overlay", 0, 1),
      DoubleParam("recut_flip_rate", d.recut_flip_rate,
                  "per-bit flip probability of a re-cut (the copies that are none of the above)", 0, 1),
      DoubleParam("news_excerpt_share", d.news_excerpt_share,
                  "share of news reports that excerpt an extremist item of their topic", 0, 1),
      DoubleParam("news_excerpt_flip_rate", d.news_excerpt_flip_rate,
                  "per-bit flip probability of a news report's excerpt from its source", 0, 1),
      DoubleParam("seed_share", 0, "share of extremist originals whose hashes other platforms shared at the start", 0,
                  1)},
     {LevelMetric("hash_blocked", "uploads", "uploads blocked by a hash match this step"),
      LevelMetric("hash_blocked_legitimate", "uploads",
                  "of those, legitimate items (ground truth): news excerpts and chance matches"),
      LevelMetric("hash_db_size", "hashes", "hashes in the database after the step's update"),
      LevelMetric("hash_blocked_news", "uploads", "of the blocked, news reports (ground truth)"),
      LevelMetric("hash_blocked_total", "uploads", "uploads blocked since the start"),
      LevelMetric("hash_blocked_legitimate_total", "uploads", "legitimate uploads blocked since the start"),
      LevelMetric("hash_blocked_news_total", "uploads", "news reports blocked since the start")}},
    [](const Params& p) -> std::unique_ptr<Intervention> {
      HashSharingParams h;
      h.match_threshold = static_cast<int>(p.Int("match_threshold"));
      HashPerturbation& q = h.perturbation;
      q.reencode_share = p.Double("reencode_share"), q.reencode_flip_rate = p.Double("reencode_flip_rate");
      q.crop_share = p.Double("crop_share"), q.crop_flip_rate = p.Double("crop_flip_rate");
      q.overlay_share = p.Double("overlay_share"), q.overlay_flip_rate = p.Double("overlay_flip_rate");
      q.recut_flip_rate = p.Double("recut_flip_rate");
      q.news_excerpt_share = p.Double("news_excerpt_share");
      q.news_excerpt_flip_rate = p.Double("news_excerpt_flip_rate");
      h.seed_share = p.Double("seed_share");
      return std::make_unique<HashSharing>(h);
    });

}  // namespace
}  // namespace counterpoint
