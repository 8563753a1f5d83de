// A platform's audience as a full simulation (docs/crisis.md, "Audiences"): a
// single-platform Simulation (its population, recommender, interventions) stepping once per
// world step, whose catalog's re-upload pool (items pending until uploaded on demand) holds
// the seats of the world's attack copies. The world uploads a seat when a copy goes live on
// the platform and takes it down when the copy is removed; a copy's views are its seat's
// clicks, so who sees it, and how often, emerges from the recommender and the users.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "recommender/intervention.h"
#include "simulator/simulator.h"
#include "world/audience.h"
#include "world/shared_people.h"

namespace counterpoint {

/// The intervention through which the world drives the seats: it uploads the seats the
/// world shows, takes down those it hides (or blocks one hidden before it went live), and
/// counts every click on a seat. It sees only what a platform sees (which items wait to be
/// uploaded, and clicks). Not registered: the world's runner adds it to the audience's arm.
class WorldFeed final : public Intervention {
 public:
  void Init(const InterventionContext& ctx) override;
  void RequestUploads(const RecContext& ctx, const ItemActions& actions, std::vector<int64_t>& arriving) override;
  void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;

  /// The seats: the catalog's items uploaded on demand, in id order.
  const std::vector<int64_t>& seats() const { return seats_; }
  /// For the next step: seats to show (a seat never shown is uploaded, one taken down is
  /// restored) and to take down; clears the clicks counted.
  void Prepare(std::span<const int64_t> show, std::span<const int64_t> hide);
  /// This step's clicks on seats: (seat, user), in user order.
  const std::vector<std::pair<int64_t, int32_t>>& clickers() const { return clickers_; }

 private:
  std::vector<int64_t> seats_;
  std::vector<int64_t> seat_of_;   ///< per catalog item: its seat, or -1
  std::vector<int64_t> shown_at_;  ///< per seat: the step it went live (-1: not yet)
  std::vector<int64_t> show_, restore_, hide_;
  std::vector<std::pair<int64_t, int32_t>> clickers_;
};

class SimulatedAudience final : public Audience {
 public:
  /// `feed` is owned by sim's recommender (one of its interventions); `catalog` is sim's (with
  /// its ground truth), for telling which users are at risk at the start.
  SimulatedAudience(Simulation sim, WorldFeed* feed, const Catalog& catalog);
  /// The feed's seats whose items report news (the catalog's news pool) are the news seats;
  /// the others seat attack copies.
  int64_t seats() const override { return attack_seats_; }
  int64_t news_seats() const override { return static_cast<int64_t>(feed_seat_.size()) - attack_seats_; }
  void Step(int64_t t, std::span<const int64_t> show, std::span<const int64_t> hide, std::vector<int64_t>& clicks,
            std::vector<int64_t>& at_risk_clicks) override;
  const std::vector<std::pair<int64_t, uint8_t>>& people_clicking() const override { return people_; }
  const Simulation& simulation() const { return sim_; }
  /// Its users are people first_person, first_person + 1, ...
  void NumberPeople(int64_t first_person) { first_person_ = first_person; }
  /// Its first users are `from`'s first users, as `shared` made them (world/shared_people.h):
  /// they keep from's numbers and flags, and after each step their interests merge. `from`
  /// must step before this audience in every step.
  void SharePeople(SimulatedAudience& from, std::unique_ptr<SharedPeople> shared);

 private:
  Simulation sim_;
  WorldFeed* feed_;
  std::vector<double> row_;
  std::vector<int64_t> feed_seat_;   ///< per world seat (attack seats, then news seats): the feed's seat
  std::vector<int64_t> world_seat_;  ///< per feed seat: the world's
  int64_t attack_seats_ = 0;
  std::vector<int64_t> show_, hide_;  ///< a step's seats in the feed's numbers
  std::vector<uint8_t> at_risk_;      ///< per user, at the start (AtRiskUsers' default options)
  int64_t first_person_ = 0;
  SimulatedAudience* from_ = nullptr;
  std::unique_ptr<SharedPeople> shared_;
  std::vector<std::pair<int64_t, uint8_t>> people_;
};

}  // namespace counterpoint
