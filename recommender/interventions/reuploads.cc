#include "recommender/interventions/reuploads.h"

namespace counterpoint {

void Reuploads::Init(const InterventionContext& ctx) {
  // the re-uploaders know what each copy copies (the re-uploaders' channel)
  const TruthChannels& copies = ctx.channels;
  const int64_t n = ctx.catalog.size();
  seed_ = ctx.seed;
  purpose_ = ctx.purpose;
  // families: each original with its copies (counting sort by parent, copies ascending)
  family_.assign(n, -1);
  start_.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    if (copies.CopyOf(i) >= 0) ++start_[copies.CopyOf(i) + 1];
  for (int64_t i = 0; i < n; ++i) start_[i + 1] += start_[i];
  copies_.assign(start_[n], -1);
  next_copy_.assign(start_.begin(), start_.end() - 1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = copies.CopyOf(i);
    if (p < 0) continue;
    copies_[next_copy_[p]++] = i;
    family_[i] = family_[p] = p;
  }
  next_copy_.assign(start_.begin(), start_.end() - 1);
  due_.reserve(copies_.size());
}

void Reuploads::RequestUploads(const RecContext& ctx, const ItemActions& actions, std::vector<int64_t>& arriving) {
  const int64_t t = ctx.step;
  // removals and blocks since the last step (all of them: this runs before any hook of step t
  // can act), each a chance that the creator re-uploads the family's next copy
  const auto& log = actions.log();
  for (; log_cursor_ < log.size(); ++log_cursor_) {
    const ModerationRecord& r = log[log_cursor_];
    if (r.event != ModerationEvent::kRemoved && r.event != ModerationEvent::kBlocked) continue;
    const int64_t f = family_[r.item];
    if (f < 0 || next_copy_[f] == start_[f + 1]) continue;
    if (CounterRng(seed_, r.item, r.step, purpose_).Uniform(0) >= probability_) continue;
    due_.push_back({copies_[next_copy_[f]++], r.step + delay_});
  }
  // copies due now arrive with the step's uploads
  reuploaded_ = 0;
  for (; due_head_ < due_.size() && due_[due_head_].step <= t; ++due_head_) {
    arriving.push_back(due_[due_head_].item);
    ++reuploaded_, ++total_reuploaded_;
  }
}

void Reuploads::WriteMetrics(const RecContext&, const Catalog&, double* row) {
  row[0] = static_cast<double>(reuploaded_);
  row[1] = static_cast<double>(due_.size() - due_head_);
  row[2] = static_cast<double>(total_reuploaded_);
}

void Reuploads::SaveState(StateWriter& out) const {
  // the families are rebuilt by Init; what was scheduled so far is state
  out.Put<uint64_t>(log_cursor_), out.PutVector(next_copy_), out.PutVector(due_);
  out.Put<uint64_t>(due_head_), out.Put(reuploaded_), out.Put(total_reuploaded_);
}

void Reuploads::LoadState(StateReader& in) {
  log_cursor_ = in.Get<uint64_t>();
  in.GetVector(next_copy_, next_copy_.size(), "reuploads copy offsets");
  in.GetVector(due_), due_head_ = in.Get<uint64_t>(), reuploaded_ = in.Get<int64_t>();
  total_reuploaded_ = in.Get<int64_t>();
  if (due_head_ > due_.size()) in.Fail("reuploads queue head out of range");
}

namespace {

const bool kRegistered = InterventionRegistry::Get().Add(
    "reuploads",
    {"Re-uploads: the creator of a removed or blocked item of the re-upload pool uploads its next pending "
     "near-duplicate after a delay (docs/interventions.md).",
     {IntParam("delay", 2, "steps from the removal or block to the re-upload", 1, 1e6),
      DoubleParam("probability", 0.8, "probability that a removal or block is followed by a re-upload", 0, 1)},
     {LevelMetric("ru_reuploaded", "uploads", "re-uploaded copies arriving this step, before screening"),
      LevelMetric("ru_scheduled", "uploads", "re-uploads waiting for their step"),
      LevelMetric("ru_reuploaded_total", "uploads", "re-uploaded copies arrived since the start")}},
    [](const Params& p) -> std::unique_ptr<Intervention> {
      return std::make_unique<Reuploads>(p.Int("delay"), p.Double("probability"));
    });

}  // namespace
}  // namespace counterpoint
