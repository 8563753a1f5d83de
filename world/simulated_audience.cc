#include "world/simulated_audience.h"

#include <algorithm>
#include <stdexcept>

#include "simulator/observers/counter_narrative_reach.h"

namespace counterpoint {

void WorldFeed::Init(const InterventionContext& ctx) {
  seats_.clear();
  seat_of_.assign(ctx.catalog.size(), -1);
  for (int64_t i = 0; i < ctx.catalog.size(); ++i)
    if (ctx.catalog.upload_step(i) == kUploadOnDemand) {
      seat_of_[i] = static_cast<int64_t>(seats_.size());
      seats_.push_back(i);
    }
  shown_at_.assign(seats_.size(), -1);
}

void WorldFeed::Prepare(std::span<const int64_t> show, std::span<const int64_t> hide) {
  show_.clear();
  restore_.clear();
  for (const int64_t s : show) {  // the world gives each upload its own seat: anything else is a bug
    if (s < 0 || s >= static_cast<int64_t>(seats_.size()))
      throw std::logic_error("WorldFeed: seat " + std::to_string(s) + " out of range");
    (shown_at_[s] < 0 ? show_ : restore_).push_back(s);
  }
  hide_.assign(hide.begin(), hide.end());
  clickers_.clear();
}

void WorldFeed::RequestUploads(const RecContext& ctx, const ItemActions&, std::vector<int64_t>& arriving) {
  for (const int64_t s : show_) {
    arriving.push_back(seats_[s]);
    shown_at_[s] = ctx.step;
  }
  show_.clear();
}

void WorldFeed::OnUploads(const RecContext& ctx, std::span<const int64_t>, ItemActions& actions) {
  // taken down before this step's sessions: the world removed the copy during the last step
  // (or, uploaded and removed within one step, it is refused before it goes live)
  for (const int64_t s : hide_) {
    const int64_t item = seats_[s];
    if (actions.items().status[item] == ItemStatus::kPending)
      actions.Block(item, ModerationChannel::kNone);
    else if (actions.items().status[item] == ItemStatus::kLive)
      actions.Remove(item, ModerationChannel::kNone, ctx.step - shown_at_[s]);
  }
  hide_.clear();
  // shown again: a news report restored on appeal after its removal
  for (const int64_t s : restore_) {
    const int64_t item = seats_[s];
    if (actions.items().status[item] != ItemStatus::kRemoved)
      throw std::logic_error("WorldFeed: seat " + std::to_string(s) + " restored but not taken down");
    actions.Restore(item, ModerationChannel::kNone, ctx.step - shown_at_[s]);
  }
  restore_.clear();
}

void WorldFeed::OnFeedback(const RecContext&, const SlateBatch& batch, const ChoiceBuffer& choices) {
  for (int64_t u = 0; u < batch.n; ++u)
    for (int c = 0; c < choices.n_clicks[u]; ++c) {
      const int64_t item = choices.Clicks(u)[c];
      if (item >= 0 && seat_of_[item] >= 0) clickers_.emplace_back(seat_of_[item], batch.users[u]);
    }
}

SimulatedAudience::SimulatedAudience(Simulation sim, WorldFeed* feed, const Catalog& catalog)
    : sim_(std::move(sim)),
      feed_(feed),
      row_(sim_.columns().size()),
      at_risk_(AtRiskUsers(sim_.population(), catalog, AtRiskOptions{})) {
  // the world's seats: the attack copies' first, then the news reports' (the catalog's
  // pools, told apart by what the items are: the world knows what it uploads)
  const std::vector<int64_t>& items = feed_->seats();
  for (const bool news : {false, true}) {
    for (size_t s = 0; s < items.size(); ++s)
      if ((catalog.label(items[s]) == Label::kNewsReporting) == news) feed_seat_.push_back(static_cast<int64_t>(s));
    if (!news) attack_seats_ = static_cast<int64_t>(feed_seat_.size());
  }
  world_seat_.assign(items.size(), -1);
  for (size_t w = 0; w < feed_seat_.size(); ++w) world_seat_[feed_seat_[w]] = static_cast<int64_t>(w);
}

void SimulatedAudience::Step(int64_t t, std::span<const int64_t> show, std::span<const int64_t> hide,
                             std::vector<int64_t>& clicks, std::vector<int64_t>& at_risk_clicks) {
  show_.clear();
  hide_.clear();
  for (const int64_t s : show) show_.push_back(feed_seat_.at(s));
  for (const int64_t s : hide) hide_.push_back(feed_seat_.at(s));
  feed_->Prepare(show_, hide_);
  sim_.Step(t, row_.data());
  clicks.assign(feed_->seats().size(), 0);
  at_risk_clicks.assign(clicks.size(), 0);
  const Population& pop = sim_.population();
  people_.clear();
  const int64_t shared = shared_ ? shared_->size() : 0;
  for (const auto& [feed_seat, user] : feed_->clickers()) {
    const int64_t seat = world_seat_[feed_seat];
    ++clicks[seat];
    if (at_risk_[pop.Row(user)]) ++at_risk_clicks[seat];
    if (seat >= attack_seats_) continue;  // people reached: by the attack's copies
    // a shared user is the earlier audience's person, with that audience's flag
    if (user < shared)
      people_.emplace_back(from_->first_person_ + user, from_->at_risk_[user]);
    else
      people_.emplace_back(first_person_ + user, at_risk_[pop.Row(user)]);
  }
  std::sort(people_.begin(), people_.end());
  people_.erase(std::unique(people_.begin(), people_.end()), people_.end());
  if (shared_) shared_->Merge(from_->sim_.mutable_population(), sim_.mutable_population());
}

void SimulatedAudience::SharePeople(SimulatedAudience& from, std::unique_ptr<SharedPeople> shared) {
  from_ = &from;
  shared_ = std::move(shared);
}

}  // namespace counterpoint
