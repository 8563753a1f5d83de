// Users sharded over ranks (SimOptions::shard_users, docs/cluster.md "MPI"): each rank,
// played by a thread, holds only its contiguous block of users and runs it end to end;
// the shared state (popularity, observers' and interventions' counts, per-user values
// summed in user order, moderation impressions, the event log) is combined at the end of
// each step. Metric rows, logs and every user's final state must be bit-identical to one
// process's. Runs without MPI (and under ASan).
#include <gtest/gtest.h>

#include <cstring>

#include "core/collective.h"
#include "core/io.h"
#include "experiment/runner.h"
#include "rank_runs.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

TEST(ShardedUsersTest, BlocksOfUsersAreContiguousAndCoverEveryUserOnce) {
  // 10 users over 4 ranks: first = 10 r / 4 = 0, 2, 5, 7
  const int64_t first[] = {0, 2, 5, 7}, rows[] = {2, 3, 2, 3};
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(BlockOfUsers(10, r, 4).first, first[r]) << r;
    EXPECT_EQ(BlockOfUsers(10, r, 4).rows, rows[r]) << r;
  }
  // fewer users than ranks: some ranks hold none, the blocks still cover 0..2 once
  int64_t next = 0;
  for (int r = 0; r < 4; ++r) {
    const UserBlock b = BlockOfUsers(3, r, 4);
    EXPECT_EQ(b.first, next);
    next += b.rows;
  }
  EXPECT_EQ(next, 3);
}

TEST(ShardedUsersTest, GatherAndSumCombineEveryRanksValuesInRankOrder) {
  std::vector<std::vector<double>> gathered(3);
  std::vector<std::array<int64_t, 2>> sums(3);
  testing::RunRanks(3, [&](int r, const Collective& comm) {
    std::vector<double> mine;
    for (int i = 0; i <= r; ++i) mine.push_back(10.0 * r + i);  // rank r holds r + 1 values
    gathered[r] = GatherInRankOrder(comm, mine);
    sums[r] = {r + 1, 100 * r};
    comm.AllReduceSum(sums[r].data(), 2);
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(gathered[r], (std::vector<double>{0, 10, 11, 20, 21, 22})) << r;
    EXPECT_EQ(sums[r][0], 1 + 2 + 3) << r;
    EXPECT_EQ(sums[r][1], 0 + 100 + 200) << r;
  }
}

TEST(ShardedUsersTest, AGeneratedBlockHoldsTheWholePopulationsRows) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/rabbit_hole.yaml",
                             {"population.n_users=37", "catalog.n_items=500", "index.factory=Flat"});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 3);
  const Population all = GeneratePopulation(sc.population, *world.catalog, 3);
  for (int r = 0; r < 3; ++r) {
    const UserBlock b = BlockOfUsers(37, r, 3);
    const Population part = GeneratePopulation(sc.population, *world.catalog, 3, b);
    ASSERT_EQ(part.n, 37);
    ASSERT_EQ(part.first, b.first);
    ASSERT_EQ(part.rows, b.rows);
    for (int64_t u = b.first; u < b.first + b.rows; ++u) {
      EXPECT_EQ(0, std::memcmp(part.Interest(u), all.Interest(u), all.dim * sizeof(float))) << u;
      EXPECT_EQ(0, std::memcmp(part.Estimate(u), all.Estimate(u), all.dim * sizeof(float))) << u;
      EXPECT_EQ(part.appetite[part.Row(u)], all.appetite[u]) << u;
      EXPECT_EQ(part.session_prob[part.Row(u)], all.session_prob[u]) << u;
    }
  }
}

// every arm of the scenario, one process against 2 and 3 ranks each holding a block
void ExpectShardedRunsMatch(Scenario sc, const std::string& name) {
  for (const ArmSpec& arm : sc.arms) {
    const testing::Outcome serial = testing::RunArm(sc, arm, nullptr, false);
    ASSERT_FALSE(serial.impressions.empty()) << name;
    for (int ranks : {2, 3}) {
      std::vector<testing::Outcome> got(ranks);
      testing::RunRanks(ranks, [&](int r, const Collective& comm) { got[r] = testing::RunArm(sc, arm, &comm, true); });
      std::vector<float> estimates, interests;
      for (int r = 0; r < ranks; ++r) {
        const std::string what = name + "/" + arm.name + ", rank " + std::to_string(r) + " of " + std::to_string(ranks);
        EXPECT_TRUE(got[r].sharded) << what;
        EXPECT_LT(got[r].held, sc.population.n_users) << what << ": the rank holds every user";
        testing::ExpectSameShared(serial, got[r], what);
        estimates.insert(estimates.end(), got[r].estimates.begin(), got[r].estimates.end());
        interests.insert(interests.end(), got[r].interests.begin(), got[r].interests.end());
      }
      // each user's final state, held by one rank only, is the one process's
      EXPECT_EQ(estimates, serial.estimates) << name << "/" << arm.name << ": the system's estimates";
      EXPECT_EQ(interests, serial.interests) << name << "/" << arm.name << ": the users' interests";
    }
  }
}

Scenario Small(const std::string& name, std::vector<std::string> sets = {}) {
  for (const char* s :
       {"population.n_users=400", "steps=6", "batch_size=53", "output.events=true", "index.factory=IVF16,Flat"})
    sets.push_back(s);
  if (name != "hash_sharing") sets.push_back("catalog.n_items=2500");
  return LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + name + ".yaml", sets);
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessWithTheRankingTeamsInterventions) {
  // the four re-rankers (MMR, calibration, demotion, not interested) and slate diversity
  Scenario sc = Small("ranking_team_ab");
  SelectArms(sc, {"engagement", "all"});
  ExpectShardedRunsMatch(sc, "ranking_team_ab");
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessWithExaminationDebiasedClickRates) {
  // the ranker's expected examinations: a floating-point sum per item over every rank's
  // slates, added in user order at the next step
  Scenario sc = Small("ranking_team_ab", {"recommender.ranker.ctr_debias=examination"});
  SelectArms(sc, {"engagement"});
  ASSERT_EQ(ShardingObstacle(sc), "");
  ExpectShardedRunsMatch(sc, "ranking_team_ab, ctr_debias examination");
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessWithModerationAndHashSharing) {
  // impressions before removal are summed over the ranks; uploads, queues and the hash
  // database are per item, the same on every rank
  Scenario mod = Small("moderation_one_hour");
  SelectArms(mod, {"small_platform"});
  ExpectShardedRunsMatch(mod, "moderation_one_hour");
  Scenario hash = Small("hash_sharing");
  SelectArms(hash, {"hash_sharing"});
  ExpectShardedRunsMatch(hash, "hash_sharing");
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessesInducedGraph) {
  // each rank counts the edges its users induce; the graph sums them (an edge many users
  // on different ranks induced is counted once per user)
  Scenario sc = Small("rabbit_hole", {"output.graph=true"});
  SelectArms(sc, {"engagement"});
  const testing::Outcome serial = testing::RunArm(sc, sc.arms[0], nullptr, false);
  ASSERT_GT(serial.edges.size(), 100u);
  int64_t total = 0;
  for (const InducedEdge& e : serial.edges) total += e.count;
  EXPECT_GT(total, static_cast<int64_t>(serial.edges.size()));  // some edges were induced more than once
  ExpectShardedRunsMatch(sc, "rabbit_hole, output.graph");
}

// redirect_method with every organisation's budget_per_step at `budget` (-1: unlimited)
Scenario Budgeted(int64_t budget, std::vector<std::string> sets) {
  std::string text = ReadFile(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/redirect_method.yaml");
  for (size_t at; (at = text.find("budget_per_step: 1500")) != std::string::npos;)
    text.replace(at, 21, "budget_per_step: " + std::to_string(budget));
  for (const char* s : {"steps=6", "output.events=true", "index.factory=IVF16,Flat", "catalog.n_items=2500"})
    sets.push_back(s);
  Scenario sc = ParseScenario(text, Small("redirect_method").file, sets);
  SelectArms(sc, {"inject_at_risk", "inject_everyone"});
  return sc;
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessWithUnlimitedInjection) {
  // counter-narrative injection without budgets, and the reach observer whose at-risk
  // threshold is a quantile over every rank's users
  const Scenario sc = Budgeted(-1, {"population.n_users=400", "batch_size=53"});
  ASSERT_EQ(ShardingObstacle(sc), "");
  ExpectShardedRunsMatch(sc, "redirect_method, unlimited budgets");
}

TEST(ShardedUsersTest, RanksHoldingBlocksReproduceOneProcessWithBudgetsSpentAcrossRanks) {
  // each organisation's budget is spent in user order: a rank injects from what the ranks
  // before it left. 3 organisations x 9 impressions a step, far fewer than the targets
  Scenario sc = Budgeted(9, {"population.n_users=400", "batch_size=53"});
  ASSERT_EQ(ShardingObstacle(sc), "");
  // no organisation shows more than 9 a step; injecting for everyone, every one of them
  // shows exactly 9 in some step, so which user gets what depends on the users before
  for (const ArmSpec& arm : sc.arms) {
    const IndexedCatalog world = BuildIndexedCatalog(sc, 11);
    Simulation sim = BuildSimulation(sc, arm, world, GeneratePopulation(sc.population, *world.catalog, 11), 11);
    std::vector<double> rows;
    sim.Run(rows);
    const size_t cols = sim.columns().size();
    int bound_orgs = 0;
    for (size_t c = 0; c < cols; ++c) {
      const std::string& name = sim.columns()[c];
      if (name.rfind("cn_org", 0) != 0) continue;
      bool bound = false;
      for (int64_t t = 0; t < sc.steps; ++t) {
        EXPECT_LE(rows[t * cols + c], 9.0) << arm.name << " " << name;
        bound |= rows[t * cols + c] == 9.0;
      }
      bound_orgs += bound;
    }
    if (arm.name == "inject_everyone") {
      EXPECT_EQ(bound_orgs, 3);
    }
  }
  ExpectShardedRunsMatch(sc, "redirect_method, budgets of 9");
}

TEST(ShardedUsersTest, EveryRankTakesItsTurnWithTheBudgetsEvenWithoutUsers) {
  // 3 users on 4 ranks: rank 0 holds none, and ranks often have no active user in a step;
  // each still passes the budgets on (a rank that skipped its turn would hang the others)
  Scenario sc = Budgeted(1, {"population.n_users=3"});
  for (const ArmSpec& arm : sc.arms) {
    const testing::Outcome serial = testing::RunArm(sc, arm, nullptr, false);
    std::vector<testing::Outcome> got(4);
    testing::RunRanks(4, [&](int r, const Collective& comm) { got[r] = testing::RunArm(sc, arm, &comm, true); });
    EXPECT_EQ(got[0].held, 0);
    for (int r = 0; r < 4; ++r) testing::ExpectSameShared(serial, got[r], arm.name + ", rank " + std::to_string(r));
  }
}

// an intervention that does not say it can run on a block of users (the default)
class Unshardable : public Intervention {};
const bool kUnshardable = InterventionRegistry::Get().Add(
    "sharded_users_test_unshardable", {"test double that cannot be sharded", {}},
    [](const Params&) -> std::unique_ptr<Intervention> { return std::make_unique<Unshardable>(); });

Scenario WithUnshardable() {
  Scenario sc = Small("rabbit_hole");
  SelectArms(sc, {"engagement"});
  sc.arms[0].interventions.push_back({"sharded_users_test_unshardable", {}});
  sc.arms[0].options.intervention_types.push_back("sharded_users_test_unshardable");
  return sc;
}

TEST(ShardedUsersTest, ShardingObstacleNamesWhatKeepsEveryUserOnEveryRank) {
  EXPECT_EQ(ShardingObstacle(Small("rabbit_hole")), "");
  EXPECT_EQ(ShardingObstacle(Small("ranking_team_ab")), "");
  EXPECT_EQ(ShardingObstacle(Small("redirect_method")), "");
  EXPECT_EQ(ShardingObstacle(WithUnshardable()),
            "arm 'engagement': intervention 'sharded_users_test_unshardable' with these parameters");
  EXPECT_EQ(ShardingObstacle(Small("rabbit_hole", {"output.graph=true"})), "");
}

TEST(ShardedUsersTest, ASimulationRefusesToShardAPlugInThatCannotBe) {
  const Scenario sc = WithUnshardable();
  testing::RunRanks(2, [&](int r, const Collective& comm) {
    const IndexedCatalog world = BuildIndexedCatalog(sc, 1);
    const UserBlock block = BlockOfUsers(sc.population.n_users, r, 2);
    EXPECT_THROW(BuildSimulation(sc, sc.arms[0], world, GeneratePopulation(sc.population, *world.catalog, 1, block), 1,
                                 &comm, true),
                 std::logic_error);
  });
}

}  // namespace
}  // namespace counterpoint
