// The cost of a world of platforms before it runs (experiment/world_cost.h): the uploads a
// scenario expects, summed by hand, and the prediction's parts adding up.
#include "experiment/world_cost.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "experiment/scenario.h"
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

}  // namespace
}  // namespace counterpoint
