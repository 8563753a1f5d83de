// Retrieval shared out over ranks (SimOptions::collective, docs/cluster.md "MPI"): ranks
// played by threads, each with its own world built from the same seed, must produce
// metric rows, event logs and final states bit-identical to one process, for any number
// of ranks, with interventions that keep shared state. Runs without MPI (and under ASan).
#include <gtest/gtest.h>

#include "core/collective.h"
#include "experiment/runner.h"
#include "rank_runs.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

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
      const testing::Outcome serial = testing::RunArm(sc, arm, nullptr, false);
      ASSERT_FALSE(serial.impressions.empty());
      for (int ranks : {2, 3}) {
        std::vector<testing::Outcome> got(ranks);
        testing::RunRanks(ranks,
                          [&](int r, const Collective& comm) { got[r] = testing::RunArm(sc, arm, &comm, false); });
        for (int r = 0; r < ranks; ++r) {
          const std::string what =
              name + "/" + arm.name + ", rank " + std::to_string(r) + " of " + std::to_string(ranks);
          EXPECT_FALSE(got[r].sharded) << what;
          testing::ExpectSameShared(serial, got[r], what);
          // replicated: every rank holds every user, in the state one process ends with
          EXPECT_EQ(got[r].estimates, serial.estimates) << what << ": the system's estimates";
          EXPECT_EQ(got[r].interests, serial.interests) << what << ": the users' interests";
        }
      }
    }
  }
}

}  // namespace
}  // namespace counterpoint
