// A world with a platform whose audience is given (world/audience.h): seats handed out in
// the order copies go live, views as clicks times viewers_per_user, a removed copy's seat
// taken down at the next step, and copies beyond the seats counted and unseen. The audience
// here is scripted (a fixed number of clicks per seat and step), so every figure is known
// by hand; tests/cpp/experiment/world_audiences_test.cc runs a simulated one.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "world/world.h"

namespace counterpoint {
namespace {

// clicks per step: 3 on every seat shown and not taken down, one of them by a user at risk
// on odd seats; `news` news seats after the attack copies'; records every call
class ScriptedAudience : public Audience {
 public:
  explicit ScriptedAudience(int64_t seats, int64_t news = 0) : seats_(seats), news_(news), up_(seats + news, 0) {}
  int64_t seats() const override { return seats_; }
  int64_t news_seats() const override { return news_; }
  void Step(int64_t t, std::span<const int64_t> show, std::span<const int64_t> hide, std::vector<int64_t>& clicks,
            std::vector<int64_t>& at_risk_clicks) override {
    steps.push_back(t);
    for (const int64_t s : show) {
      EXPECT_NE(up_[s], 1) << "seat " << s << " shown while up";
      if (up_[s] == 2) restored[s].push_back(t);
      if (up_[s] == 0) shown[s] = t;
      up_[s] = 1;
    }
    for (const int64_t s : hide) {
      EXPECT_EQ(up_[s], 1) << "seat " << s << " hidden while not shown";
      up_[s] = 2, hidden[s] = t;
    }
    clicks.assign(seats_ + news_, 0);
    at_risk_clicks.assign(seats_ + news_, 0);
    std::set<std::pair<int64_t, uint8_t>> people;
    for (int64_t s = 0; s < seats_ + news_; ++s)
      if (up_[s] == 1) {
        clicks[s] = 3, at_risk_clicks[s] = s % 2;  // one of the 3 at risk on odd seats
        // five people in all: attack seat s is clicked by person s % 5, at risk when that is odd
        if (s < seats_) people.emplace(s % 5, s % 5 % 2);
      }
    people_.assign(people.begin(), people.end());
  }
  const std::vector<std::pair<int64_t, uint8_t>>& people_clicking() const override { return people_; }
  std::vector<int64_t> steps;
  std::map<int64_t, int64_t> shown, hidden;          ///< seat -> step (its first showing, its last hiding)
  std::map<int64_t, std::vector<int64_t>> restored;  ///< seat -> steps shown again after a hiding

 private:
  int64_t seats_, news_;
  std::vector<int> up_;  ///< 0 not yet, 1 shown, 2 taken down
  std::vector<std::pair<int64_t, uint8_t>> people_;
};

WorldConfig WorldFrom(const std::string& yaml) {
  DiagnosticList diags;
  WorldConfig w = ValidateWorld(YAML::Load(yaml), "test.yaml", "world", diags);
  diags.ThrowIfAny();
  return w;
}

// platform a carries the stream (removed at minute 0 on its report); platform b takes every
// re-upload (4 a minute from minute 1, exact copies of the recording), screens nothing,
// and its users report a copy's view with probability `report` (one reviewer decision a minute);
// its audience is the scripted one each test passes the World (the config only names it)
std::string TwoPlatforms(const std::string& report, int64_t minutes_per_step = 1) {
  return "minutes_per_step: " + std::to_string(minutes_per_step) +
         "\nplatforms:\n"
         "  - {name: a, upload_share: 0, hash_screening: true, review_capacity: 1000}\n"
         "  - {name: b, upload_share: 1, hash_screening: false, review_capacity: 1, report_probability: " +
         report +
         ", views_per_minute: 1000, viewers_per_user: 2.5, audience_scenario: scripted}\n"
         "incident: {origin: a, live_minutes: 1, live_views_per_minute: 0, first_report_minute: 0, "
         "reuploads_start_minute: 1, uploads_per_minute: 4, ramp_minutes: 0, decay_hours: 1000, "
         "source_weight: 1.0e12, edit_probability: 0, reencode_flip_rate: 0}\n";
}

struct AudienceRun {
  std::unique_ptr<World> world;
  ScriptedAudience* audience;
};

AudienceRun RunWith(const WorldConfig& cfg, int64_t seats, int64_t steps, int64_t news_seats = 0) {
  auto audience = std::make_unique<ScriptedAudience>(seats, news_seats);
  ScriptedAudience* raw = audience.get();
  std::vector<std::unique_ptr<Audience>> audiences(cfg.platforms.size());
  audiences[1] = std::move(audience);
  auto world = std::make_unique<World>(cfg, 7, std::move(audiences));
  for (int64_t t = 0; t < steps; ++t) world->Step(t);
  return {std::move(world), raw};
}

TEST(WorldAudienceTest, ACopysViewsAreItsSeatsClicksTimesTheViewersEachUserStandsFor) {
  const WorldConfig cfg = WorldFrom(TwoPlatforms("0"));  // nobody reports: every copy stays up
  const int64_t steps = 30;
  const AudienceRun run = RunWith(cfg, 100000, steps);
  const auto& up = run.world->log().uploads;
  // the audience steps once a world step, in order
  ASSERT_EQ(run.audience->steps.size(), static_cast<size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) EXPECT_EQ(run.audience->steps[t], t);
  // seats in the order copies went live (upload order: all go live at upload), each shown at
  // its upload's step; a copy live for the k steps from its upload to the end was clicked 3
  // times a step, each click standing for 2.5 views
  int64_t next = 0;
  double total = 0;
  for (size_t i = 1; i < up.size(); ++i) {
    ASSERT_EQ(up[i].platform, 1);
    ASSERT_EQ(up[i].outcome, UploadOutcome::kLive);
    ASSERT_EQ(run.audience->shown.at(next), up[i].minute);
    EXPECT_EQ(up[i].views, 3 * 2.5 * static_cast<double>(steps - up[i].minute)) << "upload " << i;
    total += up[i].views;
    ++next;
  }
  EXPECT_GT(next, 60);  // about 4 a minute over 29 minutes
  EXPECT_EQ(run.audience->shown.size(), static_cast<size_t>(next));
  EXPECT_TRUE(run.audience->hidden.empty());
  // the stream keeps its parametric views (0 a minute here), and b's views add up
  const auto& cols = run.world->columns();
  std::vector<double> row(cols.size());
  run.world->WriteRow(row.data());
  const auto at = [&](const std::string& c) { return row[std::find(cols.begin(), cols.end(), c) - cols.begin()]; };
  EXPECT_EQ(at("views@b"), total);
  EXPECT_EQ(at("views@a"), 0);
  EXPECT_EQ(at("unseated_copies@b"), 0);
  double at_risk = 0;  // the copies on odd seats: seat k is upload k + 1
  for (size_t i = 1; i < up.size(); ++i) at_risk += (i - 1) % 2 * 2.5 * static_cast<double>(steps - up[i].minute);
  EXPECT_EQ(at("views_at_risk@b"), at_risk);
  // only the platform with an audience has the column
  EXPECT_EQ(std::count(cols.begin(), cols.end(), "unseated_copies@a"), 0);
  // without any audience, no people columns
  const World plain(cfg, 7);
  EXPECT_EQ(std::count(plain.columns().begin(), plain.columns().end(), "people_reached"), 0);
}

TEST(WorldAudienceTest, PeopleReachedCountEachPersonOnceTimesTheViewersEachStandsFor) {
  // the scripted audience's five people: person s % 5 clicks seat s while it is up, and
  // persons 1 and 3 are at risk; nobody reports, so every seat stays up once shown
  const WorldConfig cfg = WorldFrom(TwoPlatforms("0"));
  auto audience = std::make_unique<ScriptedAudience>(100000);
  std::vector<std::unique_ptr<Audience>> audiences(2);
  audiences[1] = std::move(audience);
  World world(cfg, 7, std::move(audiences));
  const auto& cols = world.columns();
  ASSERT_EQ(cols[cols.size() - 2], "people_reached");
  ASSERT_EQ(cols.back(), "people_reached_at_risk");
  std::vector<double> row(cols.size());
  for (int64_t t = 0; t < 12; ++t) {
    world.Step(t);
    world.WriteRow(row.data());
    // the seats shown so far: one per copy uploaded so far (all go live at upload)
    int64_t shown = 0;
    for (size_t i = 1; i < world.log().uploads.size(); ++i) shown += world.log().uploads[i].minute <= t;
    const int64_t people = std::min<int64_t>(shown, 5);
    const int64_t at_risk = (people > 1) + (people > 3);
    EXPECT_EQ(row[cols.size() - 2], 2.5 * static_cast<double>(people)) << "step " << t;
    EXPECT_EQ(row.back(), 2.5 * static_cast<double>(at_risk)) << "step " << t;
  }
  EXPECT_EQ(row[cols.size() - 2], 12.5);  // more than five copies by then
}

TEST(WorldAudienceTest, ARemovedCopysSeatIsTakenDownAtTheNextStepAndNeverShownAgain) {
  // every view reported: b's one reviewer a minute removes a copy a minute, first come first
  // served; 2-minute steps, so a removal during step t is in force from step t + 1
  const WorldConfig cfg = WorldFrom(TwoPlatforms("1", 2));
  const AudienceRun run = RunWith(cfg, 100000, 40);
  const auto& up = run.world->log().uploads;
  int removed = 0;
  int64_t seat = 0;
  for (size_t i = 1; i < up.size(); ++i, ++seat) {
    const int64_t shown = up[i].minute / 2;
    ASSERT_EQ(run.audience->shown.at(seat), shown);
    if (up[i].outcome != UploadOutcome::kRemoved) {
      EXPECT_EQ(run.audience->hidden.count(seat), 0u);
      continue;
    }
    ++removed;
    const int64_t removed_step = up[i].outcome_minute / 2;
    if (removed_step + 1 < 40)
      EXPECT_EQ(run.audience->hidden.at(seat), removed_step + 1) << "upload " << i;
    else
      EXPECT_EQ(run.audience->hidden.count(seat), 0u) << "upload " << i;
    // shown (and clicked 3 times a step) from its upload's step through its removal's
    EXPECT_EQ(up[i].views, 3 * 2.5 * static_cast<double>(removed_step - shown + 1)) << "upload " << i;
  }
  EXPECT_GT(removed, 20);
}

TEST(WorldAudienceTest, CopiesBeyondTheSeatsAreCountedAndSeenByNobody) {
  const WorldConfig cfg = WorldFrom(TwoPlatforms("0"));
  const AudienceRun run = RunWith(cfg, 10, 20);
  const auto& up = run.world->log().uploads;
  ASSERT_GT(up.size(), 30u);
  for (size_t i = 1; i < up.size(); ++i)
    EXPECT_EQ(up[i].views > 0, i <= 10) << "upload " << i;  // the first ten went live first
  const auto& cols = run.world->columns();
  std::vector<double> row(cols.size());
  run.world->WriteRow(row.data());
  EXPECT_EQ(row[std::find(cols.begin(), cols.end(), "unseated_copies@b") - cols.begin()],
            static_cast<double>(up.size() - 1 - 10));
}

// b's news reports (one a minute on average, all of them excerpts) draw trusted flaggers'
// notices (in error, at rate 1 a minute); b's reviewers remove every report they review,
// in the step of its notice; every removal is restored on appeal 5 minutes later, and
// nothing notices a report twice. So a report uploaded at minute u and removed at minute r
// is shown at step u, taken down from r + 1, shown again from r + 6 (after the appeal at
// r + 5) and stays up: 3 clicks a step while up, 2.5 views each.
TEST(WorldAudienceTest, NewsReportsTakeNewsSeatsLoseTheirViewsWhileRemovedAndRegainThemWhenRestored) {
  const std::string news =
      "news: {uploads_per_minute: 1, decay_hours: 1000, excerpt_share: 1, verified_share: 0, appeal_probability: 1, "
      "appeal_minutes: 5}\ntrusted_flaggers: {news_rate_per_minute: 1}\n";
  std::string text = TwoPlatforms("0") + news;
  text.replace(text.find("review_capacity: 1, "), 20,
               "review_capacity: 100, news_share: 1, reviewer_false_removal: 1, ");
  const WorldConfig cfg = WorldFrom(text);
  const int64_t steps = 40, attack_seats = 100000, news_seats = 25;
  const AudienceRun run = RunWith(cfg, attack_seats, steps, news_seats);
  const auto& up = run.world->log().uploads;
  int64_t next = attack_seats, reports = 0, restored = 0, unseated = 0;
  double news_views = 0, copy_views = 0;
  for (size_t i = 1; i < up.size(); ++i) {
    if (up[i].kind != UploadKind::kNews) {
      copy_views += up[i].views;
      continue;
    }
    ++reports;
    ASSERT_EQ(up[i].platform, 1);
    const int64_t u = up[i].minute;
    int64_t r = up[i].outcome_minute;
    if (next == attack_seats + news_seats) {  // no news seat left: nobody sees it
      EXPECT_EQ(up[i].views, 0) << "upload " << i;
      ++unseated;
      continue;
    }
    // news seats in the order reports went live (upload order here)
    const int64_t seat = next++;
    ASSERT_EQ(run.audience->shown.at(seat), u) << "upload " << i;
    if (up[i].outcome == UploadOutcome::kLive && up[i].restored_minute < 0) {  // never noticed
      EXPECT_EQ(run.audience->hidden.count(seat), 0u) << "upload " << i;
      EXPECT_EQ(up[i].views, 7.5 * static_cast<double>(steps - u)) << "upload " << i;
      news_views += up[i].views;
      continue;
    }
    if (up[i].restored_minute >= 0) r = up[i].restored_minute - 5;  // live again: the removal's minute
    ASSERT_GE(r, u);
    if (r + 1 < steps) {
      EXPECT_EQ(run.audience->hidden.at(seat), r + 1) << "upload " << i;
    }
    double expect = 7.5 * static_cast<double>(std::min(r + 1, steps) - u);
    if (r + 6 < steps) {
      EXPECT_EQ(up[i].restored_minute, r + 5) << "upload " << i;
      EXPECT_EQ(run.audience->restored[seat], std::vector<int64_t>{r + 6}) << "upload " << i;
      expect += 7.5 * static_cast<double>(steps - (r + 6));
      ++restored;
    } else {
      EXPECT_EQ(run.audience->restored.count(seat), 0u) << "upload " << i;
    }
    EXPECT_EQ(up[i].views, expect) << "upload " << i;
    news_views += up[i].views;
  }
  EXPECT_GT(reports, news_seats);  // about 39: the seats run out
  EXPECT_GT(restored, 10);
  EXPECT_GT(unseated, 0);
  const auto& cols = run.world->columns();
  std::vector<double> row(cols.size());
  run.world->WriteRow(row.data());
  const auto at = [&](const std::string& c) { return row[std::find(cols.begin(), cols.end(), c) - cols.begin()]; };
  EXPECT_EQ(at("news_views@b"), news_views);
  EXPECT_EQ(at("unseated_news@b"), static_cast<double>(unseated));
  EXPECT_EQ(at("views@b"), copy_views);  // the attack's views leave the news out
  // news seats are not attack copies: the people reached are the copies' five
  EXPECT_EQ(at("people_reached"), 12.5);
}

TEST(WorldAudienceTest, WithoutAnAudienceViewsStayParametricAndNothingElseChanges) {
  const WorldConfig cfg = WorldFrom(TwoPlatforms("0.001"));
  World plain(cfg, 7);
  World none(cfg, 7, std::vector<std::unique_ptr<Audience>>(2));
  ASSERT_EQ(plain.columns(), none.columns());
  std::vector<double> a(plain.columns().size()), b(a.size());
  for (int64_t t = 0; t < 30; ++t) {
    plain.Step(t), none.Step(t);
    plain.WriteRow(a.data()), none.WriteRow(b.data());
    ASSERT_EQ(a, b) << "step " << t;
  }
  EXPECT_GT(a[std::find(plain.columns().begin(), plain.columns().end(), "views@b") - plain.columns().begin()], 0);
}

}  // namespace
}  // namespace counterpoint
