// Homogenisation under collaborative filtering (Chaney, Stewart & Engelhardt, RecSys
// 2018): on the same users, catalog and FAISS candidates, users' consumed item sets
// overlap more under cf_als than under the content-based relevance ranker; cf_als whose
// factors never learn (retrain_every beyond the run) is the negative control and shows
// exactly the relevance arm's impressions. When the content candidates are a small part
// of the catalog, cf_als that retrieves its candidates from the item factors (`retrieve`)
// homogenises more than cf_als ranking the content candidates; without factors it
// retrieves nothing and shows exactly their impressions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "experiment/runner.h"

namespace counterpoint {
namespace {

// mean over all pairs of users with a click of |A ∩ B| / |A ∪ B| of their clicked item sets
double MeanJaccard(const ArmRun& run) {
  std::map<int32_t, std::set<int64_t>> consumed;
  for (const ImpressionRecord& r : run.impressions)
    if (r.clicked) consumed[r.user].insert(r.item);
  std::vector<std::vector<int64_t>> sets;
  for (const auto& [user, items] : consumed) sets.emplace_back(items.begin(), items.end());
  double sum = 0;
  int64_t pairs = 0;
  for (size_t a = 0; a < sets.size(); ++a) {
    for (size_t b = a + 1; b < sets.size(); ++b) {
      std::vector<int64_t> common;
      std::set_intersection(sets[a].begin(), sets[a].end(), sets[b].begin(), sets[b].end(), std::back_inserter(common));
      sum += static_cast<double>(common.size()) / static_cast<double>(sets[a].size() + sets[b].size() - common.size());
      ++pairs;
    }
  }
  return sum / static_cast<double>(pairs);
}

// the same impressions (user, item, clicked) in the same order
void ExpectSameImpressions(const ArmRun& a, const ArmRun& b, int replicate) {
  ASSERT_EQ(a.impressions.size(), b.impressions.size()) << "replicate " << replicate;
  for (size_t i = 0; i < a.impressions.size(); ++i) {
    ASSERT_EQ(a.impressions[i].user, b.impressions[i].user) << "replicate " << replicate << " impression " << i;
    ASSERT_EQ(a.impressions[i].item, b.impressions[i].item) << "replicate " << replicate << " impression " << i;
    ASSERT_EQ(a.impressions[i].clicked, b.impressions[i].clicked) << "replicate " << replicate << " impression " << i;
  }
}

// the paired differences' mean over replicates above 4 standard errors
void ExpectAboveFourStandardErrors(const std::vector<double>& diff, const std::string& trace) {
  const double n = static_cast<double>(diff.size());
  double mean = 0, var = 0;
  for (double d : diff) mean += d / n;
  for (double d : diff) var += (d - mean) * (d - mean) / (n - 1);
  const double se = std::sqrt(var / n);
  EXPECT_GT(mean, 4 * se) << "mean difference " << mean << ", standard error " << se << ";" << trace;
}

TEST(CfHomogenisationTest, ConsumedItemsOverlapMoreUnderCollaborativeFiltering) {
  const int replicates = 5;
  const Scenario sc = ParseScenario(R"(
name: cf_homogenisation
seed: 31
steps: 30
replicates: 5
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 8}
index: {factory: Flat}
population: {n_users: 300}
recommender: {candidates: 100, slate_size: 10, ranker: relevance}
arms:
  - name: relevance
  - name: cf
    ranker: {type: cf_als, retrain_every: 3}
  - name: cf_never_trained
    ranker: {type: cf_als, retrain_every: 1000}
output: {events: true}
)",
                                    "cf_homogenisation.yaml");
  const RunResult res = RunScenario(sc);
  ASSERT_EQ(res.runs.size(), 3u * replicates);
  std::vector<double> diff;
  std::string trace;  // the mean Jaccard index of each arm, for a failure message
  for (int r = 0; r < replicates; ++r) {
    const ArmRun& rel = res.runs[3 * r];
    const ArmRun& cf = res.runs[3 * r + 1];
    const ArmRun& never = res.runs[3 * r + 2];
    ASSERT_EQ(rel.arm, "relevance");
    ASSERT_EQ(cf.arm, "cf");
    // the negative control: zero factors leave the similarity order, the same slates as relevance
    ExpectSameImpressions(never, rel, r);
    const double j_rel = MeanJaccard(rel), j_cf = MeanJaccard(cf);
    diff.push_back(j_cf - j_rel);
    trace += " replicate " + std::to_string(r) + ": relevance " + std::to_string(j_rel) + ", cf " +
             std::to_string(j_cf) + ";";
  }
  ExpectAboveFourStandardErrors(diff, trace);
}

TEST(CfHomogenisationTest, RetrievingFromTheItemFactorsHomogenisesMoreThanRankingContentCandidates) {
  const int replicates = 5;
  const Scenario sc = ParseScenario(R"(
name: cf_retrieval_homogenisation
seed: 32
steps: 30
replicates: 5
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 8}
index: {factory: Flat}
population: {n_users: 300}
recommender: {candidates: 20, slate_size: 10, ranker: {type: cf_als, retrain_every: 3}}
arms:
  - name: cf
  - name: cf_retrieval
    ranker: {type: cf_als, retrain_every: 3, retrieve: 20}
  - name: cf_never_trained
    ranker: {type: cf_als, retrain_every: 1000}
  - name: cf_retrieval_never_trained
    ranker: {type: cf_als, retrain_every: 1000, retrieve: 20}
output: {events: true}
)",
                                    "cf_retrieval_homogenisation.yaml");
  const RunResult res = RunScenario(sc);
  ASSERT_EQ(res.runs.size(), 4u * replicates);
  std::vector<double> diff;
  std::string trace;
  for (int r = 0; r < replicates; ++r) {
    const ArmRun& cf = res.runs[4 * r];
    const ArmRun& retrieval = res.runs[4 * r + 1];
    ASSERT_EQ(retrieval.arm, "cf_retrieval");
    // the negative control: without factors nothing is retrieved, the same slates
    const ArmRun& never = res.runs[4 * r + 2];
    const ArmRun& never_retrieval = res.runs[4 * r + 3];
    ExpectSameImpressions(never_retrieval, never, r);
    const double j_cf = MeanJaccard(cf), j_retrieval = MeanJaccard(retrieval);
    diff.push_back(j_retrieval - j_cf);
    trace += " replicate " + std::to_string(r) + ": cf " + std::to_string(j_cf) + ", cf_retrieval " +
             std::to_string(j_retrieval) + ";";
  }
  ExpectAboveFourStandardErrors(diff, trace);
}

}  // namespace
}  // namespace counterpoint
