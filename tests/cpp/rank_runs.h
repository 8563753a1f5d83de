// Runs of one arm by one process or by ranks played by threads (thread_ranks.h), and the
// comparison of what they end with, for the tests of MPI runs.
#pragma once

#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <string>
#include <vector>

#include "experiment/runner.h"

namespace counterpoint::testing {

/// What one rank (or one process) ends an arm with.
struct Outcome {
  std::vector<double> rows;
  std::vector<ImpressionRecord> impressions;
  std::vector<ModerationRecord> moderation;
  std::vector<float> estimates, interests;  ///< the users held, in user order
  std::vector<int64_t> item_clicks, item_impressions;
  std::vector<InducedEdge> edges;  ///< output.graph: every rank's, summed
  int64_t first = 0, held = 0;
  bool sharded = false;
};

/// Runs one arm on replicate seed 11, one thread: alone (comm null), or as a rank of comm
/// holding its block of users (shard) or every user (replicated).
inline Outcome RunArm(const Scenario& sc, const ArmSpec& arm, const Collective* comm, bool shard) {
  omp_set_num_threads(1);
  const IndexedCatalog world = BuildIndexedCatalog(sc, 11);
  const UserBlock block = comm && shard ? BlockOfUsers(sc.population.n_users, comm->rank(), comm->size())
                                        : UserBlock{0, sc.population.n_users};
  Simulation sim =
      BuildSimulation(sc, arm, world, GeneratePopulation(sc.population, *world.catalog, 11, block), 11, comm, shard);
  Outcome o;
  sim.Run(o.rows);
  o.impressions = sim.impression_log();
  o.moderation = sim.moderation_log();
  o.estimates = sim.population().estimate;
  o.interests = sim.population().interest;
  o.item_clicks = sim.items().clicks;
  o.item_impressions = sim.items().impressions;
  if (sim.induced_graph()) o.edges = sim.induced_graph()->Edges(sim.users());
  o.first = sim.population().first;
  o.held = sim.population().rows;
  o.sharded = sim.sharded();
  return o;
}

/// The state every rank shares with one process: metric rows, event logs, item counts.
inline void ExpectSameShared(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.rows.size(), b.rows.size()) << what;
  EXPECT_EQ(0, std::memcmp(a.rows.data(), b.rows.data(), a.rows.size() * sizeof(double))) << what << ": metric rows";
  ASSERT_EQ(a.impressions.size(), b.impressions.size()) << what;
  for (size_t i = 0; i < a.impressions.size(); ++i) {
    ASSERT_EQ(a.impressions[i].step, b.impressions[i].step) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].user, b.impressions[i].user) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].item, b.impressions[i].item) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].position, b.impressions[i].position) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].clicked, b.impressions[i].clicked) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].dismissed, b.impressions[i].dismissed) << what << ": impression " << i;
    ASSERT_EQ(a.impressions[i].provenance, b.impressions[i].provenance) << what << ": impression " << i;
  }
  ASSERT_EQ(a.moderation.size(), b.moderation.size()) << what;
  for (size_t i = 0; i < a.moderation.size(); ++i) {
    ASSERT_EQ(a.moderation[i].item, b.moderation[i].item) << what << ": moderation " << i;
    ASSERT_EQ(a.moderation[i].step, b.moderation[i].step) << what << ": moderation " << i;
  }
  EXPECT_EQ(a.item_clicks, b.item_clicks) << what << ": item clicks";
  EXPECT_EQ(a.item_impressions, b.item_impressions) << what << ": item impressions";
  EXPECT_EQ(a.edges, b.edges) << what << ": induced graph";
}

}  // namespace counterpoint::testing
