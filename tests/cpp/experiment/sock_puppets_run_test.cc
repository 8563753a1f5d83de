// Sock puppets in whole runs (docs/sock_puppets.md): each script's rule against the
// impression log, the switch at its step, organic users unchanged by adding puppets, and the
// errors a bad sock_puppets block gets.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

constexpr int64_t kOrganic = 60, kSteps = 8, kSlate = 5;

std::string Base(const std::string& ranker, const std::string& puppets, int64_t steps = kSteps) {
  return "name: puppets\nseed: 7\nsteps: " + std::to_string(steps) +
         "\ncatalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6, share_borderline: 0.1, "
         "share_extremist: 0.05}\nindex: {factory: Flat}\npopulation: {n_users: " +
         std::to_string(kOrganic) +
         ", history_length: 32}\nrecommender: {candidates: 40, slate_size: " + std::to_string(kSlate) +
         ", ranker: " + ranker + "}\noutput: {events: true}\n" + puppets;
}

const std::string kPuppets =
    "sock_puppets:\n"
    "  - {name: top, n: 4, script: [{from_step: 0, choose: top}]}\n"
    "  - {name: main, n: 4, script: [{from_step: 0, choose: label, label: mainstream}]}\n"
    "  - {name: border, n: 4, script: [{from_step: 0, choose: label, label: borderline}]}\n"
    "  - {name: listed, n: 3, script: [{from_step: 0, choose: list, items: [5, 17, 2999, 5, 40, 41, 42, 43]}]}\n"
    "  - {name: switch, n: 4, script: [{from_step: 0, choose: top}, {from_step: 3, choose: least_extreme}]}\n";

struct Ran {
  Scenario sc;
  IndexedCatalog world;
  std::unique_ptr<Simulation> sim;
  std::vector<double> rows;
};

Ran RunText(const std::string& text) {
  Ran r;
  r.sc = ParseScenario(text, "p.yaml");
  const uint64_t seed = DeriveSeed(r.sc.seed, 0);
  r.world = BuildIndexedCatalog(r.sc, seed);
  r.sim = std::make_unique<Simulation>(
      BuildSimulation(r.sc, r.sc.arms[0], r.world, BuildPopulation(r.sc, *r.world.catalog, seed), seed));
  r.sim->Run(r.rows);
  return r;
}

// the impressions of one user at one step, by position
std::map<std::pair<int32_t, int32_t>, std::vector<ImpressionRecord>> ByUserStep(const Simulation& sim) {
  std::map<std::pair<int32_t, int32_t>, std::vector<ImpressionRecord>> out;
  for (const auto& r : sim.impression_log()) out[{r.user, r.step}].push_back(r);
  for (auto& [key, v] : out)
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.position < b.position; });
  return out;
}

TEST(SockPuppetsRun, EachScriptClicksWhatItsRuleNamesAndPuppetsComeEveryStep) {
  const Ran r = RunText(Base("{type: engagement}", kPuppets));
  const Catalog& cat = *r.world.catalog;
  const SockPuppets& p = r.sc.puppets;
  ASSERT_EQ(p.total(), 19);
  EXPECT_EQ(r.sim->population().n, kOrganic + 19);
  const auto slates = ByUserStep(*r.sim);
  int label_misses = 0, label_hits = 0;
  for (int64_t u = kOrganic; u < kOrganic + p.total(); ++u) {
    const PuppetGroup& g = p.groups[p.GroupOf(u)];
    for (int32_t t = 0; t < kSteps; ++t) {
      const auto it = slates.find({static_cast<int32_t>(u), t});
      ASSERT_NE(it, slates.end()) << "puppet " << u << " has a session every step (" << t << ")";
      const auto& s = it->second;
      ASSERT_EQ(s.size(), static_cast<size_t>(kSlate));
      std::vector<int> clicked;
      for (const auto& x : s)
        if (x.clicked) clicked.push_back(x.position);
      if (g.name == "top" || (g.name == "switch" && t < 3)) {
        ASSERT_EQ(clicked.size(), 1u);
        EXPECT_EQ(clicked[0], 0) << g.name << " step " << t;
      } else if (g.name == "switch") {
        ASSERT_EQ(clicked.size(), 1u);
        for (const auto& x : s) EXPECT_LE(cat.extremity(s[clicked[0]].item), cat.extremity(x.item));
        // ties go to the higher slot
        for (int j = 0; j < clicked[0]; ++j) EXPECT_LT(cat.extremity(s[clicked[0]].item), cat.extremity(s[j].item));
      } else if (g.name == "main" || g.name == "border") {
        const Label want = g.name == "main" ? Label::kMainstream : Label::kBorderline;
        auto first = std::find_if(s.begin(), s.end(), [&](const auto& x) { return cat.label(x.item) == want; });
        if (first == s.end()) {
          EXPECT_TRUE(clicked.empty()) << "no " << LabelName(want) << " on the slate: nothing consumed";
          ++label_misses;
        } else {
          ASSERT_EQ(clicked.size(), 1u);
          EXPECT_EQ(clicked[0], first->position);
          ++label_hits;
        }
      }
    }
  }
  EXPECT_GT(label_hits, 0);
  EXPECT_GT(label_misses, 0);  // borderline is rare on a cold-start slate: both branches are exercised
  // the list puppets consumed their list in order, one item a step, on the slate or not
  const Population& pop = r.sim->population();
  const std::vector<int64_t> want = {5, 17, 2999, 5, 40, 41, 42, 43};
  for (int64_t u = p.groups[3].first_user; u < p.groups[3].first_user + 3; ++u) {
    ASSERT_EQ(pop.history_count[u], kSteps);
    for (int k = 0; k < kSteps; ++k) {
      EXPECT_EQ(pop.history[u * pop.history_length + k], want[k]);
      EXPECT_EQ(pop.history_step[u * pop.history_length + k], k);
    }
  }
}

TEST(SockPuppetsRun, ObserverColumnsHoldEachGroupsSlateShares) {
  const Ran r = RunText(Base("{type: engagement}", kPuppets));
  const auto& cols = r.sim->columns();
  auto col = [&](const std::string& name) {
    const auto it = std::find(cols.begin(), cols.end(), name);
    EXPECT_NE(it, cols.end()) << name;
    return static_cast<size_t>(it - cols.begin());
  };
  const Catalog& cat = *r.world.catalog;
  const SockPuppets& p = r.sc.puppets;
  // recount the top group's harmful share and consumption at each step from the impression log
  for (int32_t t = 0; t < kSteps; ++t) {
    int64_t harmful = 0, slots = 0, main = 0, clicks = 0;
    for (const auto& x : r.sim->impression_log()) {
      if (x.step != t || p.GroupOf(x.user) != 0) continue;
      ++slots, harmful += IsHarmful(cat.label(x.item)), main += cat.label(x.item) == Label::kMainstream,
          clicks += x.clicked;
    }
    const double* row = r.rows.data() + t * cols.size();
    EXPECT_DOUBLE_EQ(row[col("puppets_top_harmful_share")], static_cast<double>(harmful) / slots);
    EXPECT_DOUBLE_EQ(row[col("puppets_top_mainstream_share")], static_cast<double>(main) / slots);
    EXPECT_DOUBLE_EQ(row[col("puppets_top_consumed")], static_cast<double>(clicks) / 4);
    EXPECT_DOUBLE_EQ(row[col("puppets_listed_consumed")], 1.0);  // one list item every step
  }
}

// adding puppets changes neither the organic users' draws nor, with a ranker that keeps no
// shared state (relevance: the learned estimate alone), anything about them
TEST(SockPuppetsRun, OrganicUsersAreUnchangedByAddingPuppets) {
  const Ran with = RunText(Base("{type: relevance}", kPuppets));
  const Ran without = RunText(Base("{type: relevance}", ""));
  const Population& a = with.sim->population();
  const Population& b = without.sim->population();
  ASSERT_EQ(b.n, kOrganic);
  for (int64_t u = 0; u < kOrganic; ++u) {
    EXPECT_EQ(a.session_prob[u], b.session_prob[u]);
    EXPECT_EQ(a.sessions[u], b.sessions[u]);
    EXPECT_EQ(a.clicks[u], b.clicks[u]);
    for (int64_t j = 0; j < a.dim; ++j) {
      ASSERT_EQ(a.Interest(u)[j], b.Interest(u)[j]) << "user " << u;
      ASSERT_EQ(a.Estimate(u)[j], b.Estimate(u)[j]) << "user " << u;
    }
    for (int k = 0; k < a.history_length; ++k)
      ASSERT_EQ(a.history[u * a.history_length + k], b.history[u * b.history_length + k]);
  }
  int64_t organic_impressions = 0;
  for (const auto& x : with.sim->impression_log()) organic_impressions += x.user < kOrganic;
  EXPECT_EQ(organic_impressions, static_cast<int64_t>(without.sim->impression_log().size()));
}

TEST(SockPuppetsRun, BadBlocksNameTheKeyAndTheFix) {
  auto error = [](const std::string& puppets, int64_t steps = kSteps) {
    return std::string(
        CatchInputError([&] { ParseScenario(Base("{type: engagement}", puppets, steps), "p.yaml"); }).what());
  };
  std::string e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, chose: top}]}\n");
  EXPECT_TRUE(Contains(e, "chose")) << e;
  EXPECT_TRUE(Contains(e, "p.yaml:")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: label, label: extremists}]}\n");
  EXPECT_TRUE(Contains(e, "extremists") && Contains(e, "extremist")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: label}]}\n");
  EXPECT_TRUE(Contains(e, "needs the label")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: top}, {from_step: 8, choose: top}]}\n");
  EXPECT_TRUE(Contains(e, "script[1].from_step") && Contains(e, "steps: 8")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 2, choose: top}]}\n");
  EXPECT_TRUE(Contains(e, "starts at step 0")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: top}, {from_step: 0, choose: top}]}\n");
  EXPECT_TRUE(Contains(e, "not after the previous")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: top, items: [1]}]}\n");
  EXPECT_TRUE(Contains(e, "items: read only with choose: list")) << e;
  e = error("sock_puppets:\n  - {name: a, n: 2, script: [{from_step: 0, choose: list}]}\n");
  EXPECT_TRUE(Contains(e, "choose: list needs items")) << e;
  e = error("sock_puppets:\n  - {name: a-b, n: 2, script: [{choose: top}]}\n  - {name: c, n: 0, script: []}\n");
  EXPECT_TRUE(Contains(e, "letters, digits and _")) << e;
  EXPECT_TRUE(Contains(e, "sock_puppets[1].n")) << e;
  EXPECT_TRUE(Contains(e, "sock_puppets[1].script")) << e;
  e = error("sock_puppets: {name: a}\n");
  EXPECT_TRUE(Contains(e, "expected a list of puppet groups")) << e;
  // an item beyond the catalog: found once the catalog is built, at the items' line
  const Scenario sc = ParseScenario(
      Base("{type: engagement}", "sock_puppets:\n  - {name: a, n: 2, script: [{choose: list, items: [1, 3000]}]}\n"),
      "p.yaml");
  e = CatchInputError([&] {
        const IndexedCatalog world = BuildIndexedCatalog(sc, 1);
        BuildPopulation(sc, *world.catalog, 1);
      }).what();
  EXPECT_TRUE(Contains(e, "items[1] is 3000") && Contains(e, "ids 0..2999") && Contains(e, "p.yaml:")) << e;
}

}  // namespace
}  // namespace counterpoint
