// A world platform whose audience is a simulation (experiment/world_audiences.h): loading
// errors at the platform's key, and a run in which nothing is shown after its removal, each
// copy's views are its seat's clicks, the negative control (demotion of weight 0) changes
// nothing, and the thread count changes nothing.
#include "experiment/world_audiences.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "experiment/world_runner.h"
#include "simulator/observers/counter_narrative_reach.h"
#include "test_util.h"
#include "world/simulated_audience.h"
#include "world/world.h"

namespace counterpoint {
namespace {

// a small site: its catalog's re-upload pool seats the copies; one session in four a step
const char* kAudience = R"(name: site
seed: 9
steps: 5
catalog: {type: synthetic, n_items: 400, dim: 16, n_topics: 4, share_extremist: 0.05, reupload_pool: 0.3,
          reupload_copies: 100}
index: {factory: Flat}
population: {n_users: 300, session_alpha: 1, session_beta: 3}
user_model: {type: logit, extremity_appeal: 6.0, drift_rate: 0.02}
recommender: {candidates: 40, slate_size: 8, retriever: {type: faiss}, ranker: {type: engagement}}
arms:
  - name: engagement
  - name: demoted
    interventions: [{type: demote_harmful, threshold: 0.5, weight: 1.0}]
  - name: demoted_zero
    interventions: [{type: demote_harmful, threshold: 0.5, weight: 0.0}]
  - name: moderated
    interventions: [{type: moderation}]
)";

std::string WorldText(const std::string& site_keys) {
  return R"(name: crisis
seed: 4
steps: 60
replicates: 2
world:
  platforms:
    - {name: big, upload_share: 0.5, database_access: member, contributes: true, review_capacity: 50,
       classifier_recall: 0.5, classifier_delay_minutes: 5, views_per_minute: 2}
    - {name: site, upload_share: 0.5, hash_screening: false, review_capacity: 1, report_probability: 0.05,
       viewers_per_user: 10, )" +
         site_keys + R"(}
  incident: {origin: big, first_report_minute: 3, reuploads_start_minute: 2, uploads_per_minute: 6,
             edit_probability: 0.1, source_weight: 20}
arms:
  - name: engagement
  - name: demoted
    world: {platforms: [{name: site, audience_arm: demoted}]}
  - name: demoted_zero
    world: {platforms: [{name: site, audience_arm: demoted_zero}]}
)";
}

// A run of a world scenario's first arm whose site audience (platform 1) keeps its
// impressions, to check the world's figures against
struct WatchedRun {
  AudienceCatalogs catalogs;
  std::unique_ptr<World> world;
  const SimulatedAudience* audience = nullptr;
  const Catalog* catalog = nullptr;
};
std::unique_ptr<WatchedRun> RunWatched(const Scenario& sc) {
  auto run = std::make_unique<WatchedRun>();
  Scenario site = *sc.arms.front().audiences[1];
  site.output_events = true;
  ArmSpec arm = sc.arms.front();
  arm.audiences[1] = std::make_shared<const Scenario>(site);
  auto audiences = BuildAudiences(arm, 77, run->catalogs);
  run->audience = dynamic_cast<const SimulatedAudience*>(audiences[1].get());
  run->world = std::make_unique<World>(*arm.world, 77, std::move(audiences));
  for (int64_t t = 0; t < sc.steps; ++t) run->world->Step(t);
  run->catalog = run->catalogs.begin()->second.catalog.get();
  return run;
}

// The catalog's items uploaded on demand (its seats) of one pool, in id order: the news
// pool's, or the re-upload pool's
std::vector<int64_t> PoolItems(const Catalog& cat, bool news) {
  std::vector<int64_t> items;
  for (int64_t i = 0; i < cat.size(); ++i)
    if (cat.upload_step(i) == kUploadOnDemand && (cat.label(i) == Label::kNewsReporting) == news) items.push_back(i);
  return items;
}

class WorldAudiencesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir("world_audiences");
    std::ofstream(dir_ / "site.yaml") << kAudience;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Scenario Parse(const std::string& text) { return ParseScenario(text, (dir_ / "crisis.yaml").string(), {}, dir_); }
  // the error a world scenario gets, with its file:line
  std::string ErrorOf(const std::string& site_keys) {
    try {
      Parse(WorldText(site_keys));
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(WorldAudiencesTest, BadAudiencesAreReportedAtThePlatformsKey) {
  // the site's platform entry is on line 10 of the world scenario
  std::string e = ErrorOf("audience_scenario: nowhere.yaml");
  EXPECT_NE(e.find("crisis.yaml:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("audience_scenario"), std::string::npos) << e;
  EXPECT_NE(e.find("nowhere.yaml"), std::string::npos) << e;
  e = ErrorOf("audience_scenario: site.yaml, audience_arm: nope");
  EXPECT_NE(e.find("no arm 'nope'"), std::string::npos) << e;
  EXPECT_NE(e.find("engagement"), std::string::npos) << e;  // the choices
  e = ErrorOf("audience_scenario: site.yaml, audience_arm: moderated");
  EXPECT_NE(e.find("'moderation'"), std::string::npos) << e;
  EXPECT_NE(e.find("crisis.yaml:10:"), std::string::npos) << e;
  // a world as an audience (itself, here): refused, and loading it does not recurse
  std::ofstream(dir_ / "crisis.yaml") << WorldText("audience_scenario: crisis.yaml");
  e = ErrorOf("audience_scenario: crisis.yaml");
  EXPECT_NE(e.find("single-platform"), std::string::npos) << e;
  // a catalog without a re-upload pool has no seats: refused when the run builds it
  std::string text = kAudience;
  text.replace(text.find("reupload_pool: 0.3"), 18, "reupload_pool: 0.0");
  std::ofstream(dir_ / "site.yaml") << text;
  const Scenario sc = Parse(WorldText("audience_scenario: site.yaml"));
  try {
    RunScenario(sc);
    ADD_FAILURE() << "a run without seats";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("re-upload pool"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("site.yaml"), std::string::npos) << err.what();
  }
}

TEST_F(WorldAudiencesTest, NothingIsShownAfterItsRemovalAndViewsAreTheSeatsClicks) {
  const Scenario sc = Parse(WorldText("audience_scenario: site.yaml"));
  const ArmSpec& arm = sc.arms.front();
  ASSERT_TRUE(arm.audiences[1]);
  EXPECT_FALSE(arm.audiences[0]);
  EXPECT_EQ(arm.audiences[1]->steps, sc.steps);
  const auto run = RunWatched(sc);
  ASSERT_NE(run->audience, nullptr);
  const Simulation& sim = run->audience->simulation();
  const World& world = *run->world;
  const auto& up = world.log().uploads;
  // each seat (catalog item) -> its copy, in the order copies went live on the site
  const Catalog& cat = *run->catalog;
  const std::vector<int64_t> seat_items = PoolItems(cat, false);
  ASSERT_TRUE(PoolItems(cat, true).empty());  // no news pool here: every pending item is a seat
  std::map<int64_t, int64_t> copy_of;         // seat item -> upload
  std::vector<int64_t> live_order;
  for (size_t i = 1; i < up.size(); ++i)
    if (up[i].platform == 1 && up[i].kind != UploadKind::kNews && up[i].outcome != UploadOutcome::kBlocked)
      live_order.push_back(static_cast<int64_t>(i));
  // on the site nothing screens uploads, so copies go live at upload, in upload order
  ASSERT_LE(live_order.size(), seat_items.size());
  for (size_t k = 0; k < live_order.size(); ++k) copy_of[seat_items[k]] = live_order[k];
  std::map<int64_t, double> clicks;  // upload -> clicks on its seat
  int64_t seat_impressions = 0;
  for (const ImpressionRecord& im : sim.impression_log()) {
    if (cat.upload_step(im.item) != kUploadOnDemand) continue;
    ++seat_impressions;
    ASSERT_TRUE(copy_of.count(im.item)) << "a seat without a copy was shown at step " << im.step;
    const UploadRecord& r = up[copy_of[im.item]];
    EXPECT_GE(im.step, r.minute) << "shown before its upload";
    if (r.outcome == UploadOutcome::kRemoved) {
      EXPECT_LE(im.step, r.outcome_minute) << "shown after its removal";
    }
    clicks[copy_of[im.item]] += im.clicked;
  }
  EXPECT_GT(seat_impressions, 100);
  int64_t removed = 0, viewed = 0;
  for (const int64_t i : live_order) {
    EXPECT_EQ(up[i].views, 10 * clicks[i]) << "upload " << i;
    removed += up[i].outcome == UploadOutcome::kRemoved;
    viewed += up[i].views > 0;
  }
  EXPECT_GT(removed, 5);
  // views by users at risk: some, fewer than all, in whole clicks
  const auto& cols = world.columns();
  std::vector<double> row(cols.size());
  world.WriteRow(row.data());
  const auto at = [&](const std::string& c) { return row[std::find(cols.begin(), cols.end(), c) - cols.begin()]; };
  EXPECT_GT(at("views_at_risk@site"), 0);
  EXPECT_LT(at("views_at_risk@site"), at("views@site"));
  EXPECT_EQ(std::fmod(at("views_at_risk@site"), 10), 0);
  EXPECT_GT(viewed, 5) << live_order.size() << " live, " << removed << " removed, " << seat_impressions << " shown";
}

// News reports on the site take seats in the audience catalog's news pool: a report's views
// are its seat's clicks, it is not shown while removed (in error: flaggers notify every
// report, its reviewer removes every report it reviews) and is shown again once restored on
// appeal (all of them, 5 minutes after the removal)
TEST_F(WorldAudiencesTest, NewsReportsAreShownInNewsSeatsAndHiddenWhileRemoved) {
  std::string audience = kAudience;
  audience.replace(audience.find("reupload_copies: 100}"), 21,
                   "reupload_copies: 100, share_news_reporting: 0.1, news_pool: 0.5, news_copies: 20}");
  std::ofstream(dir_ / "site.yaml") << audience;
  std::string text = WorldText("audience_scenario: site.yaml, news_share: 1, reviewer_false_removal: 1");
  text.replace(text.find("arms:"), 0,
               "  news: {uploads_per_minute: 1, excerpt_share: 1, appeal_probability: 1, appeal_minutes: 5}\n"
               "  trusted_flaggers: {news_rate_per_minute: 0.2}\n");
  const Scenario sc = Parse(text);
  const auto run = RunWatched(sc);
  ASSERT_NE(run->audience, nullptr);
  const Simulation& sim = run->audience->simulation();
  const World& world = *run->world;
  const auto& up = world.log().uploads;
  // the news seats: the catalog's pending news-reporting items in id order, taken by the site's
  // reports in the order they went live (at upload: the site screens nothing)
  const Catalog& cat = *run->catalog;
  const std::vector<int64_t> news_seats = PoolItems(cat, true);
  ASSERT_GT(news_seats.size(), 100u);
  EXPECT_EQ(run->audience->news_seats(), static_cast<int64_t>(news_seats.size()));
  std::map<int64_t, int64_t> report_of;  // seat item -> upload
  for (size_t i = 1; i < up.size(); ++i)
    if (up[i].platform == 1 && up[i].kind == UploadKind::kNews) {
      ASSERT_LT(report_of.size(), news_seats.size());
      report_of[news_seats[report_of.size()]] = static_cast<int64_t>(i);
    }
  ASSERT_GT(report_of.size(), 30u);
  std::map<int64_t, double> clicks;
  int64_t shown_after_restoration = 0;
  for (const ImpressionRecord& im : sim.impression_log()) {
    if (cat.upload_step(im.item) != kUploadOnDemand || cat.label(im.item) != Label::kNewsReporting) continue;
    ASSERT_TRUE(report_of.count(im.item)) << "a news seat without a report was shown at step " << im.step;
    const UploadRecord& r = up[report_of[im.item]];
    EXPECT_GE(im.step, r.minute) << "shown before its upload";
    // removed at minute m: not shown from m + 1 until its restoration at m + 5 takes effect (m + 6)
    const int64_t removed = r.restored_minute >= 0 ? r.restored_minute - 5 : r.outcome_minute;
    if (removed >= 0) {
      EXPECT_FALSE(im.step > removed && im.step <= removed + 5) << "shown while removed, step " << im.step;
    }
    shown_after_restoration += r.restored_minute >= 0 && im.step > r.restored_minute;
    clicks[report_of[im.item]] += im.clicked;
  }
  double views = 0;
  int64_t restored = 0;
  for (const auto& [seat, i] : report_of) {
    EXPECT_EQ(up[i].views, 10 * clicks[i]) << "upload " << i;
    views += up[i].views;
    restored += up[i].restored_minute >= 0;
  }
  EXPECT_GT(restored, 5);
  EXPECT_GT(shown_after_restoration, 0);
  const auto& cols = world.columns();
  std::vector<double> row(cols.size());
  world.WriteRow(row.data());
  const auto at = [&](const std::string& c) { return row[std::find(cols.begin(), cols.end(), c) - cols.begin()]; };
  EXPECT_GT(views, 0);
  EXPECT_EQ(at("news_views@site"), views);
  EXPECT_EQ(at("unseated_news@site"), 0);
}

TEST_F(WorldAudiencesTest, TheNegativeControlChangesNothingAndNeitherDoThreads) {
  const Scenario sc = Parse(WorldText("audience_scenario: site.yaml"));
  RunResult one, two;
  {
    const testing::ScopedThreads threads(1);
    one = RunScenario(sc);
  }
  {
    const testing::ScopedThreads threads(2);
    two = RunScenario(sc);
  }
  ASSERT_EQ(one.runs.size(), 6u);
  const size_t views = std::find(one.columns.begin(), one.columns.end(), "views@site") - one.columns.begin();
  ASSERT_LT(views, one.columns.size());
  for (size_t k = 0; k < one.runs.size(); ++k) EXPECT_EQ(one.runs[k].rows, two.runs[k].rows) << one.runs[k].arm;
  // runs: replicate-major, arms engagement, demoted, demoted_zero
  const size_t last = (sc.steps - 1) * one.columns.size();
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(one.runs[3 * r].rows, one.runs[3 * r + 2].rows) << "replicate " << r;
    EXPECT_GT(one.runs[3 * r].rows[last + views], 0) << "replicate " << r;
  }
  // demotion does change the site's views in some replicate (it ranks the copies lower)
  EXPECT_TRUE(one.runs[0].rows[last + views] != one.runs[1].rows[last + views] ||
              one.runs[3].rows[last + views] != one.runs[4].rows[last + views]);
}

// two sites running the same audience scenario; half of the second's users are the first's
std::string SharedText(const std::string& second_keys) {
  return R"(name: crisis
seed: 4
steps: 60
world:
  platforms:
    - {name: big, upload_share: 0.4, database_access: member, contributes: true, review_capacity: 50,
       classifier_recall: 0.5, classifier_delay_minutes: 5, views_per_minute: 2}
    - {name: site, upload_share: 0.3, hash_screening: false, review_capacity: 1, report_probability: 0.05,
       viewers_per_user: 10, audience_scenario: site.yaml}
    - {name: site2, upload_share: 0.3, hash_screening: false, review_capacity: 1, report_probability: 0.05,
       )" +
         second_keys +
         R"(}
  incident: {origin: big, first_report_minute: 3, reuploads_start_minute: 2, uploads_per_minute: 6,
             edit_probability: 0.1, source_weight: 20}
arms:
  - name: engagement
)";
}

TEST_F(WorldAudiencesTest, PeopleOnTwoPlatformsShareOneInterestAndAreCountedOnce) {
  const Scenario sc =
      Parse(SharedText("viewers_per_user: 10, audience_scenario: site.yaml, people_from: site, people_overlap: 0.5"));
  ArmSpec arm = sc.arms.front();
  // both audiences keep their impressions, to recount the people from
  for (const size_t p : {1, 2}) {
    Scenario a = *arm.audiences[p];
    a.output_events = true;
    arm.audiences[p] = std::make_shared<const Scenario>(a);
  }
  AudienceCatalogs catalogs;
  auto audiences = BuildAudiences(arm, 77, catalogs);
  EXPECT_EQ(catalogs.size(), 1u);  // one catalog: the shared people's interests mean the same on both
  const auto* a = dynamic_cast<const SimulatedAudience*>(audiences[1].get());
  const auto* b = dynamic_cast<const SimulatedAudience*>(audiences[2].get());
  ASSERT_TRUE(a && b);
  const Population& pa = a->simulation().population();
  const Population& pb = b->simulation().population();
  ASSERT_EQ(pa.n, 300);
  ASSERT_EQ(pb.n, 300);
  const int64_t d = pa.dim, shared = 150;
  const Population start_a = pa, start_b = pb;
  const auto same = [&](const Population& x, const Population& y, int64_t u) {
    return std::equal(x.Interest(u), x.Interest(u) + d, y.Interest(u));
  };
  for (int64_t u = 0; u < pa.n; ++u) ASSERT_EQ(same(pa, pb, u), u < shared) << "user " << u;
  World world(*arm.world, 77, std::move(audiences));
  for (int64_t t = 0; t < sc.steps; ++t) {
    world.Step(t);
    for (int64_t u = 0; u < shared; ++u) ASSERT_TRUE(same(pa, pb, u)) << "user " << u << " at step " << t;
  }
  // the shared people drifted, with what they clicked on either site
  int64_t moved = 0;
  for (int64_t u = 0; u < shared; ++u) moved += !same(pa, start_a, u);
  EXPECT_GT(moved, 10);
  // people reached, recounted from both audiences' impression logs: a's user u is person u,
  // b's user u is person u when shared and 300 + u otherwise; each stands for 10 people
  const Catalog& cat = *catalogs.begin()->second.catalog;
  const std::vector<uint8_t> risk_a = AtRiskUsers(start_a, cat, AtRiskOptions{});
  const std::vector<uint8_t> risk_b = AtRiskUsers(start_b, cat, AtRiskOptions{});
  std::map<int64_t, bool> people;  // person -> at risk
  int64_t clicks_a = 0, clicks_b = 0;
  for (const ImpressionRecord& im : a->simulation().impression_log())
    if (im.clicked && cat.upload_step(im.item) == kUploadOnDemand) people[im.user] = risk_a[im.user], ++clicks_a;
  for (const ImpressionRecord& im : b->simulation().impression_log())
    if (im.clicked && cat.upload_step(im.item) == kUploadOnDemand) {
      ++clicks_b;
      if (im.user < shared)
        people[im.user] = risk_a[im.user];
      else
        people[300 + im.user] = risk_b[im.user];
    }
  ASSERT_GT(clicks_a, 0);
  ASSERT_GT(clicks_b, 0);
  double at_risk = 0;
  for (const auto& [person, risk] : people) at_risk += risk;
  const auto& cols = world.columns();
  std::vector<double> row(cols.size());
  world.WriteRow(row.data());
  const auto at = [&](const std::string& c) { return row[std::find(cols.begin(), cols.end(), c) - cols.begin()]; };
  EXPECT_EQ(at("people_reached"), 10.0 * static_cast<double>(people.size()));
  EXPECT_EQ(at("people_reached_at_risk"), 10 * at_risk);
  EXPECT_GT(at("people_reached"), 0);
}

TEST_F(WorldAudiencesTest, BadSharedPeopleAreReportedAtThePlatformsKey) {
  // site2's entry is on line 11
  const auto error = [&](const std::string& keys) {
    try {
      Parse(SharedText(keys));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string e = error("viewers_per_user: 10, audience_scenario: site.yaml, people_from: nowhere, people_overlap: 1");
  EXPECT_NE(e.find("crisis.yaml:11:"), std::string::npos) << e;
  EXPECT_NE(e.find("'nowhere' is not a platform listed before this one"), std::string::npos) << e;
  e = error("viewers_per_user: 10, audience_scenario: site.yaml, people_from: big, people_overlap: 1");
  EXPECT_NE(e.find("'big' has no simulated audience"), std::string::npos) << e;
  e = error("viewers_per_user: 5, audience_scenario: site.yaml, people_from: site, people_overlap: 1");
  EXPECT_NE(e.find("viewers_per_user"), std::string::npos) << e;
  std::ofstream(dir_ / "other.yaml") << kAudience;
  e = error("viewers_per_user: 10, audience_scenario: other.yaml, people_from: site, people_overlap: 1");
  EXPECT_NE(e.find("the same audience_scenario"), std::string::npos) << e;
  e = error("viewers_per_user: 10, audience_scenario: site.yaml, people_overlap: 0.5");
  EXPECT_NE(e.find("give people_from too"), std::string::npos) << e;
  e = error("people_from: site");
  EXPECT_NE(e.find("give audience_scenario too"), std::string::npos) << e;
}

}  // namespace
}  // namespace counterpoint
