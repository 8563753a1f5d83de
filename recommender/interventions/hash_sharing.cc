#include "recommender/interventions/hash_sharing.h"

#include <cstring>

namespace counterpoint {

void HashSharing::Init(const InterventionContext& ctx) {
  const Catalog& cat = ctx.catalog;
  const int64_t n = cat.size();
  // codes keyed by the replicate's seed: the same in every arm
  codes_ = CatalogHashes(cat, ctx.seed, p_.perturbation);
  db_ = std::make_unique<HashDatabase>(n);
  query_.resize(n * kHashBytes);
  query_items_.resize(n);
  nearest_.resize(n);
  distance_.resize(n);
  // hashes other platforms shared before the start: a share of the extremist originals
  // (their moderators' ground truth, not this platform's classifier)
  if (p_.seed_share > 0)
    for (int64_t i = 0; i < n; ++i) {
      if (cat.parent(i) >= 0 || cat.label(i) != Label::kExtremist) continue;
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
  blocked_ = blocked_legitimate_ = 0;
  int64_t m = 0;
  for (int64_t item : arriving) {
    if (ctx.items.status[item] != ItemStatus::kPending) continue;
    std::memcpy(query_.data() + m * kHashBytes, codes_.data() + item * kHashBytes, kHashBytes);
    query_items_[m++] = item;
  }
  if (m == 0 || db_->size() == 0) return;
  db_->Nearest(query_.data(), m, distance_.data(), nearest_.data());
  for (int64_t q = 0; q < m; ++q) {
    if (distance_[q] > p_.match_threshold) continue;
    const int64_t item = query_items_[q];
    if (ctx.items.status[item] != ItemStatus::kPending) continue;  // listed twice
    actions.Block(item, ModerationChannel::kHashMatch);
    ++blocked_;
    blocked_legitimate_ += !IsHarmful(ctx.catalog.label(item));
  }
}

void HashSharing::WriteMetrics(const RecContext&, double* row) {
  row[0] = static_cast<double>(blocked_);
  row[1] = static_cast<double>(blocked_legitimate_);
  row[2] = static_cast<double>(db_->size());
}

void HashSharing::SaveState(StateWriter& out) const {
  // the database's items in index order: re-adding them rebuilds the same index
  out.PutVector(db_->items());
  out.Put<uint64_t>(log_cursor_), out.Put(blocked_), out.Put(blocked_legitimate_);
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
}

namespace {

const bool kRegistered = InterventionRegistry::Get().Add(
    "hash_sharing",
    {"Hash sharing: removed items' perceptual hashes (256-bit, PDQ-like) block uploads within a Hamming "
     "distance (docs/interventions.md).",
     {IntParam("match_threshold", 31, "delta: block an upload within this Hamming distance (of 256 bits)", 0, 256),
      IntParam("reencode_bit_flips", 8, "bits a re-encoded copy's hash differs from its parent's", 0, 256),
      IntParam("edit_bit_flips", 64, "bits an edited copy's hash differs from its parent's", 0, 256),
      DoubleParam("edit_share", 0.3, "share of copies that are edits (the rest re-encodes)", 0, 1),
      DoubleParam("seed_share", 0, "share of extremist originals whose hashes other platforms shared at the start", 0,
                  1)}},
    [](const Params& p) -> std::unique_ptr<Intervention> {
      HashSharingParams h;
      h.match_threshold = static_cast<int>(p.Int("match_threshold"));
      h.perturbation.reencode_bit_flips = static_cast<int>(p.Int("reencode_bit_flips"));
      h.perturbation.edit_bit_flips = static_cast<int>(p.Int("edit_bit_flips"));
      h.perturbation.edit_share = p.Double("edit_share");
      h.seed_share = p.Double("seed_share");
      return std::make_unique<HashSharing>(h);
    });

}  // namespace
}  // namespace counterpoint
