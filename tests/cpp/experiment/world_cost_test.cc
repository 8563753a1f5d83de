// The cost of a world of platforms before it runs (experiment/world_cost.h): the uploads a
// scenario expects, summed by hand, and the prediction's parts adding up.
#include "experiment/world_cost.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "experiment/memory_estimate.h"
#include "experiment/scenario.h"
#include "test_util.h"
#include "world/world_config.h"

namespace counterpoint {
namespace {

std::string WorldScenario(const std::string& incident, const std::string& more = "") {
  return "name: w\nseed: 3\nsteps: 5\nreplicates: 2\nworld:\n  minutes_per_step: 1\n  platforms:\n"
         "    - {name: big, upload_share: 1, news_share: 1, database_access: member, contributes: true, "
         "review_capacity: 50}\n"
         "  incident: {origin: big, " +
         incident + "}\n" + more + "arms:\n  - name: a\n  - name: b\n";
}

TEST(WorldCostTest, ExpectedUploadsAreTheRatesSummedStepByStep) {
  // no decay to speak of (a million hours): 10 copies a minute from minute 0, plus the stream
  Scenario sc = ParseScenario(
      WorldScenario("reuploads_start_minute: 0, uploads_per_minute: 10, ramp_minutes: 0, decay_hours: 1.0e6"),
      "w.yaml");
  EXPECT_NEAR(ExpectedFreshUploads(*sc.arms.front().world, 5), 1 + 50, 1e-3);
  // a ramp over 4 minutes: 10 x (1/4, 2/4, 3/4, 1, 1) = 35
  sc = ParseScenario(
      WorldScenario("reuploads_start_minute: 0, uploads_per_minute: 10, ramp_minutes: 4, decay_hours: 1.0e6"),
      "w.yaml");
  EXPECT_NEAR(ExpectedFreshUploads(*sc.arms.front().world, 5), 1 + 35, 1e-3);
  // starting at minute 2: steps 2, 3, 4 (ramp 1/4, 2/4, 3/4 of 10: 15); news 2 a minute from
  // minute 2 with no decay: 6 more
  sc = ParseScenario(WorldScenario("reuploads_start_minute: 2, uploads_per_minute: 10, ramp_minutes: 4, "
                                   "decay_hours: 1.0e6",
                                   "  news: {uploads_per_minute: 2, decay_hours: 1.0e6}\n"),
                     "w.yaml");
  EXPECT_NEAR(ExpectedFreshUploads(*sc.arms.front().world, 5), 1 + 15 + 6, 1e-3);
  // decay: 10 exp(-t / 60) for t = 0..4 minutes (decay_hours 1)
  sc = ParseScenario(
      WorldScenario("reuploads_start_minute: 0, uploads_per_minute: 10, ramp_minutes: 0, decay_hours: 1"), "w.yaml");
  double sum = 1;
  for (int t = 0; t < 5; ++t) sum += 10 * std::exp(-t / 60.0);
  EXPECT_NEAR(ExpectedFreshUploads(*sc.arms.front().world, 5), sum, 1e-9);
}

TEST(WorldCostTest, APredictionCalibratesEachArmAndItsPartsAddUp) {
  const std::string text = WorldScenario(
      "reuploads_start_minute: 0, uploads_per_minute: 8000, ramp_minutes: 0, decay_hours: 1.0e6, "
      "edit_probability: 0.01");
  const Scenario sc = ParseScenario(text, "w.yaml");
  const ScenarioLoader load = [&](const std::vector<std::string>& more) { return ParseScenario(text, "w.yaml", more); };
  const WorldCostPrediction p = PredictWorldCost(sc, load, {});
  ASSERT_EQ(p.arms.size(), 2u);
  const double fresh = ExpectedFreshUploads(*sc.arms.front().world, sc.steps);  // 1 + 40,000
  for (const WorldArmCost& a : p.arms) {
    // the larger calibration, a quarter, expects 10,000 uploads (Poisson: sd 100, 1%);
    // nobody retries, so the prediction is the expected count up to that noise: within 4 sd
    const double cal = fresh / 4;
    EXPECT_NEAR(a.calibration_uploads, cal, 4 * std::sqrt(cal)) << a.arm;
    EXPECT_NEAR(a.uploads, fresh, 4 * std::sqrt(cal) * fresh / cal) << a.arm;
    EXPECT_GE(a.exponent, 1) << a.arm;
    EXPECT_LE(a.exponent, 2) << a.arm;
    EXPECT_GE(a.fixed_seconds, 0) << a.arm;
    EXPECT_GE(a.seconds, a.fixed_seconds) << a.arm;
    EXPECT_GT(a.seconds, 0) << a.arm;
  }
  EXPECT_EQ(p.scale, 0.25);  // at most a quarter, fewer than 50,000 uploads
  EXPECT_NEAR(p.run_seconds, p.seconds_per_step * sc.steps * 2 * sc.replicates, 1e-12 * p.run_seconds);
  EXPECT_DOUBLE_EQ(p.peak_bytes,
                   p.program_bytes + p.log_bytes + std::max(p.world_bytes + p.background_bytes, p.output_bytes));
  EXPECT_EQ(p.background_bytes, 0);  // no unrelated hashes held
  EXPECT_GT(p.log_bytes, 0);
}

TEST(WorldCostTest, AWorldWithoutReuploadsAndAnUnknownArmAreHandled) {
  // the stream alone: nothing grows with the rate, so nothing is extrapolated
  const std::string text = WorldScenario("reuploads_start_minute: 0, uploads_per_minute: 0");
  const Scenario sc = ParseScenario(text, "w.yaml");
  const ScenarioLoader load = [&](const std::vector<std::string>& more) { return ParseScenario(text, "w.yaml", more); };
  const WorldCostPrediction p = PredictWorldCost(sc, load, {"a"});
  ASSERT_EQ(p.arms.size(), 1u);
  EXPECT_EQ(p.arms[0].exponent, 1);
  EXPECT_EQ(p.arms[0].uploads, 1);  // the stream
  EXPECT_TRUE(std::isfinite(p.arms[0].seconds));
  EXPECT_TRUE(std::isfinite(p.peak_bytes));
  EXPECT_THROW(PredictWorldCost(sc, load, {"nope"}), InputError);
}

TEST(WorldCostTest, SimulatedAudiencesCountTheirCatalogsOnceAndTheLargestArmsSimulations) {
  const std::filesystem::path dir = testing::FreshTempDir("world_cost_audience");
  // 400 items + ceil(400 x 0.05 x 0.3) = 6 pooled x 100 copies: 1,000 items of d = 16
  std::ofstream(dir / "site.yaml") << "name: site\nseed: 9\nsteps: 5\n"
                                      "catalog: {type: synthetic, n_items: 400, dim: 16, n_topics: 4, "
                                      "share_extremist: 0.05, reupload_pool: 0.3, reupload_copies: 100}\n"
                                      "index: {factory: Flat}\npopulation: {n_users: 300}\n"
                                      "arms:\n  - name: a\n  - name: b\n    candidates: 400\n";
  const std::string platforms =
      "  platforms:\n"
      "    - {name: big, upload_share: 0.4, database_access: member, contributes: true, review_capacity: 50}\n"
      "    - {name: s1, upload_share: 0.3, audience_scenario: site.yaml}\n"
      "    - {name: s2, upload_share: 0.3, audience_scenario: site.yaml}\n";
  const auto parse = [&](const std::string& arms, const std::string& world_platforms) {
    return ParseScenario("name: w\nseed: 3\nsteps: 5\nworld:\n  minutes_per_step: 1\n" + world_platforms +
                             "  incident: {origin: big}\narms:\n" + arms,
                         (dir / "w.yaml").string(), {}, dir);
  };
  // an audience's catalog by hand: embeddings 1,000 x 16 x 4, attributes 33 an item, a Flat
  // index 16 x 4 an item
  const double catalog = 1000 * 16 * 4 + 1000 * 33 + 1000 * 16 * 4;
  const Scenario one = parse("  - name: x\n", platforms);
  ASSERT_EQ(one.arms[0].audiences.size(), 3u);
  ASSERT_TRUE(one.arms[0].audiences[1]);
  const MemoryEstimate small = EstimateMemory(*one.arms[0].audiences[1], {1000, 16});
  ASSERT_DOUBLE_EQ(small.Part("embeddings") + small.Part("item attributes") + small.Part("index"), catalog);
  // two platforms, each its own catalog (keyed by platform) and simulation
  EXPECT_DOUBLE_EQ(AudienceBytes(one), 2 * small.total);
  // three arms, one running the larger audience arm on both platforms: the catalogs once, the
  // simulations of the largest arm
  const Scenario three = parse(
      "  - name: x\n  - name: y\n    world: {platforms: [{name: s1, audience_arm: b}, {name: s2, audience_arm: b}]}\n"
      "  - name: z\n    world: {platforms: [{name: s2, audience_arm: b}]}\n",
      platforms);
  const MemoryEstimate large = EstimateMemory(*three.arms[1].audiences[1], {1000, 16});
  ASSERT_GT(large.total, small.total);  // larger buffers: 400 candidates a user
  EXPECT_DOUBLE_EQ(AudienceBytes(three), 2 * catalog + 2 * (large.total - catalog));
  // s2's people shared with s1: one catalog for both, two simulations
  const std::string shared_platforms =
      "  platforms:\n"
      "    - {name: big, upload_share: 0.4, database_access: member, contributes: true, review_capacity: 50}\n"
      "    - {name: s1, upload_share: 0.3, audience_scenario: site.yaml}\n"
      "    - {name: s2, upload_share: 0.3, audience_scenario: site.yaml, people_from: s1, people_overlap: 0.5}\n";
  EXPECT_DOUBLE_EQ(AudienceBytes(parse("  - name: x\n", shared_platforms)), catalog + 2 * (small.total - catalog));
  // no audience, nothing
  EXPECT_EQ(AudienceBytes(ParseScenario(WorldScenario("uploads_per_minute: 1"), "w.yaml")), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace counterpoint
