// Retrieval shared out over ranks (SimOptions::collective, docs/cluster.md "MPI"): ranks
// played by threads, each with its own world built from the same seed, must produce
// metric rows, event logs and final states bit-identical to one process, for any number
// of ranks, with interventions that keep shared state. Runs without MPI (and under ASan).
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>

#include "core/collective.h"
#include "simulator/runner.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

struct Outcome {
  std::vector<double> rows;
  std::vector<ImpressionRecord> impressions;
  std::vector<ModerationRecord> moderation;
  std::vector<float> estimates;
  std::vector<int64_t> item_clicks;
};

Outcome RunArm(const Scenario& sc, const ArmSpec& arm, const Collective* collective) {
  omp_set_num_threads(1);
  const World world = BuildWorld(sc, 11);
  Population pop = GeneratePopulation(sc.population, *world.catalog, 11);
  Simulation sim = BuildSimulation(sc, arm, world, std::move(pop), 11, collective);
  Outcome o;
  sim.Run(o.rows);
  o.impressions = sim.impression_log();
  o.moderation = sim.moderation_log();
  o.estimates = sim.population().estimate;
  o.item_clicks = sim.items().clicks;
  return o;
}

void ExpectSame(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.rows.size(), b.rows.size()) << what;
  EXPECT_EQ(0, std::memcmp(a.rows.data(), b.rows.data(), a.rows.size() * sizeof(double))) << what << ": metric rows";
  ASSERT_EQ(a.impressions.size(), b.impressions.size()) << what;
  for (size_t i = 0; i < a.impressions.size(); ++i) {
    ASSERT_EQ(a.impressions[i].user, b.impressions[i].user) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].item, b.impressions[i].item) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].clicked, b.impressions[i].clicked) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].provenance, b.impressions[i].provenance) << what << ": impression " << i;
  }
  ASSERT_EQ(a.moderation.size(), b.moderation.size()) << what;
  for (size_t i = 0; i < a.moderation.size(); ++i) {
    ASSERT_EQ(a.moderation[i].item, b.moderation[i].item) << what << ": moderation " << i;
    ASSERT_EQ(a.moderation[i].step, b.moderation[i].step) << what << ": moderation " << i;
  }
  EXPECT_EQ(a.estimates, b.estimates) << what << ": the system's estimates";
  EXPECT_EQ(a.item_clicks, b.item_clicks) << what << ": item clicks";
}

TEST(ShardedRetrievalTest, SliceOfCutsConsecutiveBlocks) {
  // 10 users in blocks of 4: ranks 0, 1, 2 take 4, 4, 2; rank 3 none
  EXPECT_EQ(SliceOf(10, 4, 0).begin, 0);
  EXPECT_EQ(SliceOf(10, 4, 0).end, 4);
  EXPECT_EQ(SliceOf(10, 4, 1).begin, 4);
  EXPECT_EQ(SliceOf(10, 4, 2).begin, 8);
  EXPECT_EQ(SliceOf(10, 4, 2).end, 10);
  EXPECT_EQ(SliceOf(10, 4, 3).begin, 10);
  EXPECT_EQ(SliceOf(10, 4, 3).end, 10);
}

TEST(ShardedRetrievalTest, RanksReproduceOneProcessBitForBit) {
  // budgets and caps (injection), the four re-rankers together, moderation with a review
  // queue and appeals, re-uploads against the hash database; batches of 53, so a step has
  // several chunks of unequal blocks
  const std::vector<std::pair<std::string, std::string>> cases = {{"redirect_method", "inject_at_risk"},
                                                                  {"ranking_team_ab", "all"},
                                                                  {"moderation_one_hour", "small_platform"},
                                                                  {"hash_sharing", "hash_sharing"}};
  for (const auto& [name, arm_name] : cases) {
    std::vector<std::string> sets = {"population.n_users=400", "steps=6", "batch_size=53", "output.events=true",
                                     "index.factory=IVF16,Flat"};
    if (name != "hash_sharing") sets.push_back("catalog.n_items=2500");
    Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + name + ".yaml", sets);
    SelectArms(sc, {arm_name});
    for (const ArmSpec& arm : sc.arms) {
      const Outcome serial = RunArm(sc, arm, nullptr);
      ASSERT_FALSE(serial.impressions.empty());
      for (int ranks : {2, 3}) {
        std::vector<Outcome> got(ranks);
        testing::RunRanks(ranks, [&](int r, const Collective& comm) { got[r] = RunArm(sc, arm, &comm); });
        for (int r = 0; r < ranks; ++r)
          ExpectSame(serial, got[r],
                     name + "/" + arm.name + ", rank " + std::to_string(r) + " of " + std::to_string(ranks));
      }
    }
  }
}

}  // namespace
}  // namespace counterpoint
