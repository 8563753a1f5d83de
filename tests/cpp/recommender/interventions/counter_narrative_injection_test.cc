// counter_narrative_injection: exact slates on a hand-built catalog (which counter-narrative
// goes into which slot, caps, budgets, triggers on the harm score and never the label),
// caps and budgets never exceeded in randomised runs, determinism across batch sizes and
// threads, and the main effect on a smaller redirect_method (paired over replicates).
#include "recommender/interventions/counter_narrative_injection.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

// items (3-d, normalised by Catalog):
//   0 mainstream (1,0,0)         h 0      4 CN org 200 (0,1,1)        h 0
//   1 EXTREMIST label (0,0,1)    h 0      5 CN org 100 (0,0.2,1)      h 0
//   2 borderline (0,1,0)         h 0.9    6 mainstream (1,0.1,0)      h 0
//   3 CN org 100 (0,1,0.2)       h 0      7 mainstream (1,0,0.1)      h 0
// from the query (0,1,0) the counter-narratives rank 3 (0.981), 4 (0.707), 5 (0.196)
std::shared_ptr<const Catalog> HandCatalog() {
  CatalogData d;
  d.dim = 3;
  d.embeddings = {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0.2f, 0, 1, 1, 0, 0.2f, 1, 1, 0.1f, 0, 1, 0, 0.1f};
  d.labels = {Label::kMainstream,       Label::kExtremist,        Label::kBorderline, Label::kCounterNarrative,
              Label::kCounterNarrative, Label::kCounterNarrative, Label::kMainstream, Label::kMainstream};
  d.extremity = {0, 0.9f, 0.5f, 0, 0, 0, 0, 0};
  d.harm_score = {0, 0, 0.9f, 0, 0, 0, 0, 0};
  d.creator = {1, 2, 3, 100, 200, 100, 1, 1};
  return std::make_shared<const Catalog>(std::move(d), "hand catalog");
}

Params Settings(std::map<std::string, ParamValue> set) {
  Params p = Params::Defaults(CounterNarrativeInjectionSpec());
  for (auto& [k, v] : set) p.Set(k, v);
  return p;
}

// drives one intervention over hand-made slates of 3 items
struct Harness {
  explicit Harness(Params p, int64_t n_users = 4)
      : catalog(HandCatalog()), view(*catalog), channels(*catalog), index(*catalog, {}), items(8), iv(p) {
    const InterventionContext ctx{view, index, channels, n_users, 0, n_users,
                                  8,    3,     "arm",    7,       0, InterventionPurpose(0)};
    iv.Init(ctx);
    batch.Reserve(n_users, 3, 8, 3);
  }
  // one step for the given users (a batch), slates given row by row, queries all `query`
  std::vector<int64_t> Step(int64_t step, std::vector<int32_t> users, std::vector<int64_t> slates,
                            std::vector<float> query = {0, 1, 0}, bool begin = true) {
    const RecContext ctx{view, index, items, step, 7};
    if (begin) iv.BeginStep(ctx);
    user_ids = users;
    batch.n = static_cast<int64_t>(users.size());
    batch.users = user_ids.data();
    for (int64_t u = 0; u < batch.n; ++u) {
      std::copy_n(query.begin(), 3, batch.queries.begin() + u * 3);
      std::copy_n(slates.begin() + u * 3, 3, batch.Slate(u));
      std::fill_n(batch.SlateProvenance(u), 3, static_cast<uint8_t>(Provenance::kOrganic));
    }
    iv.OnSlate(ctx, batch);
    return std::vector<int64_t>(batch.slate.begin(), batch.slate.begin() + batch.n * 3);
  }
  std::vector<double> Metrics() {
    const RecContext ctx{view, index, items, 0, 7};
    std::vector<double> row(iv.Columns().size());
    iv.WriteMetrics(ctx, *catalog, row.data());
    return row;
  }
  std::shared_ptr<const Catalog> catalog;
  PlatformView view;
  TruthChannels channels;
  VectorIndex index;
  ItemState items;
  CounterNarrativeInjection iv;
  SlateBatch batch;
  std::vector<int32_t> user_ids;
};

using V = std::vector<int64_t>;

TEST(CounterNarrativeInjectionTest, NearestCounterNarrativeGoesIntoTheSlotAndIsMarkedInjected) {
  Harness h(Settings({{"trigger", std::string("always")}, {"slots", V{1}}}));
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 7}), (V{0, 3, 6}));
  EXPECT_TRUE(h.batch.Injected(0, 1));
  EXPECT_FALSE(h.batch.Injected(0, 0));
  EXPECT_FALSE(h.batch.Injected(0, 2));
  // columns: impressions, clicks, ctr (NaN before feedback is 0/1), reached, triggered, org 100, org 200,
  // then impressions and clicks since the start
  EXPECT_EQ(h.iv.Columns(), (std::vector<std::string>{"cn_injected_impressions", "cn_injected_clicks",
                                                      "cn_injected_ctr", "cn_users_reached", "cn_triggered_users",
                                                      "cn_org100_impressions", "cn_org200_impressions",
                                                      "cn_injected_impressions_total", "cn_injected_clicks_total"}));
  const auto m = h.Metrics();
  EXPECT_EQ(m[0], 1);
  EXPECT_EQ(m[3], 1);
  EXPECT_EQ(m[5], 1);
  EXPECT_EQ(m[6], 0);
  EXPECT_EQ(m[7], 1);  // since the start
  EXPECT_EQ(m[8], 0);
}

TEST(CounterNarrativeInjectionTest, TwoSlotsTakeTheTwoNearestAndSkipWhatIsOnTheSlate) {
  Harness h(Settings({{"trigger", std::string("always")}, {"slots", V{2, 0}}}));
  // insert 3 at 0: (3,0,6); then the next nearest, 4, at 2: (3,0,4)
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 7}), (V{3, 0, 4}));
  // 3 already shown organically: the slot gets 4
  Harness g(Settings({{"trigger", std::string("always")}, {"slots", V{1}}}));
  EXPECT_EQ(g.Step(0, {0}, {3, 0, 6}), (V{3, 4, 0}));
}

TEST(CounterNarrativeInjectionTest, EachSlotTakesTheNearestNotOnTheSlateAsItIsThen) {
  // (0,6,3), slots 0 and 1: 3 is on the slate, so 4 goes to slot 0 and pushes 3 off the
  // end; slot 1 then takes 3, the nearest not on the slate any more (not 5, the next in the list)
  Harness h(Settings({{"trigger", std::string("always")}, {"slots", V{0, 1}}}));
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 3}), (V{4, 3, 0}));
}

TEST(CounterNarrativeInjectionTest, OnlyLiveItemsAndOnlyTheChosenOrganisations) {
  Harness h(Settings({{"trigger", std::string("always")}}));
  h.items.SetStatus(3, ItemStatus::kRemoved);
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 7}), (V{0, 4, 6}));
  Harness g(Settings({{"trigger", std::string("always")}, {"organisations", V{100}}}));
  EXPECT_EQ(g.iv.Columns()[g.iv.Columns().size() - 3], "cn_org100_impressions");
  g.items.SetStatus(3, ItemStatus::kRemoved);
  EXPECT_EQ(g.Step(0, {0}, {0, 6, 7}), (V{0, 5, 6}));  // org 200's item 4 is never used
}

TEST(CounterNarrativeInjectionTest, FrequencyCapCountsInjectionsPerWindowOfSteps) {
  // at most 1 injection per 3 steps: injected at steps 0, 3, 6 only
  Harness h(Settings({{"trigger", std::string("always")}, {"cap_impressions", int64_t{1}}, {"cap_steps", int64_t{3}}}));
  for (int64_t t = 0; t < 7; ++t) {
    const bool expect = t % 3 == 0;
    EXPECT_EQ(h.Step(t, {0}, {0, 6, 7}), (expect ? V{0, 3, 6} : V{0, 6, 7})) << "step " << t;
  }
  // 2 slots, cap 3 per 10 steps: 2 at step 0, 1 at step 1, none at step 2
  Harness g(Settings({{"trigger", std::string("always")},
                      {"slots", V{0, 1}},
                      {"cap_impressions", int64_t{3}},
                      {"cap_steps", int64_t{10}}}));
  EXPECT_EQ(g.Step(0, {0}, {0, 6, 7}), (V{3, 4, 0}));
  EXPECT_EQ(g.Step(1, {0}, {0, 6, 7}), (V{3, 0, 6}));
  EXPECT_EQ(g.Step(2, {0}, {0, 6, 7}), (V{0, 6, 7}));
}

TEST(CounterNarrativeInjectionTest, BudgetPerOrganisationIsConsumedInUserOrderAcrossBatches) {
  const Params p = Settings({{"trigger", std::string("always")}, {"budget_per_step", int64_t{1}}});
  // one batch of three users: org 100 (item 3) to user 0, org 200 (item 4) to user 1, none left for user 2
  Harness h(p);
  EXPECT_EQ(h.Step(0, {0, 1, 2}, {0, 6, 7, 0, 6, 7, 0, 6, 7}), (V{0, 3, 6, 0, 4, 6, 0, 6, 7}));
  auto m = h.Metrics();
  EXPECT_EQ(m[0], 2);
  EXPECT_EQ(m[5], 1);
  EXPECT_EQ(m[6], 1);
  // the same users in two batches give the same slates
  Harness g(p);
  EXPECT_EQ(g.Step(0, {0}, {0, 6, 7}), (V{0, 3, 6}));
  EXPECT_EQ(g.Step(0, {1, 2}, {0, 6, 7, 0, 6, 7}, {0, 1, 0}, false), (V{0, 4, 6, 0, 6, 7}));
  // budgets refill at the next step
  EXPECT_EQ(g.Step(1, {3}, {0, 6, 7}), (V{0, 3, 6}));
}

TEST(CounterNarrativeInjectionTest, RanksTakeTurnsWithTheBudgetsInUserOrder) {
  // budget 1 per organisation (100: items 3 and 5; 200: item 4), slot 1, 4 users on 2 ranks:
  // rank 0 holds users 0-2 in two batches, rank 1 user 3. User 0's slate holds every
  // counter-narrative: nothing to inject, nothing spent. User 1 takes 3 (org 100), user 2
  // then 4 (org 200; 3's organisation is spent), and nothing is left for user 3 on rank 1.
  // OnSlate searched ahead for 2 targets only (2 organisations x 1): user 2's list is
  // searched in rank 0's turn
  const Params p = Settings({{"trigger", std::string("always")}, {"budget_per_step", int64_t{1}}});
  const std::vector<V> want = {{3, 4, 5}, {0, 3, 6}, {0, 4, 6}, {0, 6, 7}};
  std::vector<V> got(4);
  std::vector<std::vector<double>> metrics(2);
  testing::RunRanks(2, [&](int r, const Collective& comm) {
    const auto catalog = HandCatalog();
    const VectorIndex index(*catalog, {});
    const ItemState items(8);
    const int64_t first = r == 0 ? 0 : 3, held = r == 0 ? 3 : 1;
    CounterNarrativeInjection iv(p);
    const PlatformView ctx_view(*catalog);
    const TruthChannels channels(*catalog);
    iv.Init({ctx_view, index, channels, 4, first, held, 8, 3, "arm", 7, 0, InterventionPurpose(0)});
    const RecContext ctx{ctx_view, index, items, 0, 7, comm};
    iv.BeginStep(ctx);
    // the rank's batches: {0, 1} and {2} on rank 0, {3} on rank 1; held until FinishSlates
    std::vector<std::vector<int32_t>> ids =
        r == 0 ? std::vector<std::vector<int32_t>>{{0, 1}, {2}} : std::vector<std::vector<int32_t>>{{3}};
    std::vector<SlateBatch> batches(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      SlateBatch& b = batches[i];
      b.Reserve(2, 3, 8, 3);
      b.n = static_cast<int64_t>(ids[i].size());
      b.users = ids[i].data();
      for (int64_t u = 0; u < b.n; ++u) {
        const float q[3] = {0, 1, 0};
        std::copy_n(q, 3, b.queries.begin() + u * 3);
        const V& slate = ids[i][u] == 0 ? want[0] : V{0, 6, 7};
        std::copy_n(slate.begin(), 3, b.Slate(u));
        std::fill_n(b.SlateProvenance(u), 3, static_cast<uint8_t>(Provenance::kOrganic));
      }
      iv.OnSlate(ctx, b);
      // nothing is injected before the rank's turn
      for (int64_t u = 0; u < b.n; ++u) EXPECT_FALSE(b.Injected(u, 1)) << "user " << ids[i][u];
    }
    iv.FinishSlates(ctx);
    for (size_t i = 0; i < ids.size(); ++i)
      for (int64_t u = 0; u < batches[i].n; ++u) got[ids[i][u]] = V(batches[i].Slate(u), batches[i].Slate(u) + 3);
    metrics[r].resize(iv.Columns().size());
    iv.WriteMetrics(ctx, *catalog, metrics[r].data());
  });
  EXPECT_EQ(got, want);
  // every rank reports the run's totals: 2 impressions, one per organisation, 4 triggered
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(metrics[r][0], 2) << r;
    EXPECT_EQ(metrics[r][4], 4) << r;
    EXPECT_EQ(metrics[r][5], 1) << r;
    EXPECT_EQ(metrics[r][6], 1) << r;
  }
  // one process, one batch: the same slates
  Harness h(p);
  EXPECT_EQ(h.Step(0, {0, 1, 2, 3}, {3, 4, 5, 0, 6, 7, 0, 6, 7, 0, 6, 7}), (V{3, 4, 5, 0, 3, 6, 0, 4, 6, 0, 6, 7}));
}

TEST(CounterNarrativeInjectionTest, ABudgetOfZeroInjectsNothing) {
  Harness h(Settings({{"trigger", std::string("always")}, {"budget_per_step", int64_t{0}}}));
  EXPECT_EQ(h.Step(0, {0, 1}, {0, 6, 7, 0, 6, 7}), (V{0, 6, 7, 0, 6, 7}));
  EXPECT_EQ(h.Metrics()[0], 0);
}

TEST(CounterNarrativeInjectionTest, HarmShareTriggerReadsTheHarmScoreNotTheLabel) {
  const Params p = Settings({{"trigger", std::string("harm_share")},
                             {"share_threshold", 0.2},
                             {"window", int64_t{2}},
                             {"cap_impressions", int64_t{100}}});
  Harness h(p);
  // user 0 is shown the truly extremist item 1 (harm score 0): not triggered;
  // user 1 is shown the borderline item 2 (harm score 0.9): 1/3 > 0.2, triggered
  EXPECT_EQ(h.Step(0, {0, 1}, {1, 0, 6, 2, 0, 6}), (V{1, 0, 6, 2, 3, 0}));
  EXPECT_FALSE(h.iv.triggered(0));
  EXPECT_TRUE(h.iv.triggered(1));
  EXPECT_EQ(h.Metrics()[4], 1);
  // the window remembers step 0 at step 1: 1 harmful of 6 over steps 0..1 (<= 0.2), not triggered
  EXPECT_EQ(h.Step(1, {1}, {0, 6, 7}), (V{0, 6, 7}));
  // 2 harmful at step 2: 2 of 6 over steps 1..2, triggered
  EXPECT_EQ(h.Step(2, {1}, {2, 2, 7}), (V{2, 3, 2}));
  // after the window passes, old impressions no longer count
  EXPECT_EQ(h.Step(5, {1}, {0, 6, 7}), (V{0, 6, 7}));
}

TEST(CounterNarrativeInjectionTest, ProximityTriggerUsesHarmScoredItemsOnly) {
  Harness h(Settings({{"trigger", std::string("proximity")}, {"radius", 0.3}}));
  // estimate at the extremist item 1 (harm score 0): the nearest harm-scored item (2) is at distance 1
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 7}, {0, 0, 1}), (V{0, 6, 7}));
  EXPECT_FALSE(h.iv.triggered(0));
  // estimate at the borderline item 2 (harm score 0.9): distance 0, triggered
  EXPECT_EQ(h.Step(1, {0}, {0, 6, 7}, {0, 1, 0}), (V{0, 3, 6}));
  EXPECT_TRUE(h.iv.triggered(0));
  // once item 2 is taken down it no longer triggers
  Harness g(Settings({{"trigger", std::string("proximity")}, {"radius", 0.3}}));
  g.items.SetStatus(2, ItemStatus::kRemoved);
  EXPECT_EQ(g.Step(0, {0}, {0, 6, 7}, {0, 1, 0}), (V{0, 6, 7}));
}

TEST(CounterNarrativeInjectionTest, EveryoneTargetingIgnoresTheTrigger) {
  Harness h(Settings({{"trigger", std::string("harm_share")}, {"targeting", std::string("everyone")}}));
  EXPECT_EQ(h.Step(0, {0}, {0, 6, 7}), (V{0, 3, 6}));
  EXPECT_FALSE(h.iv.triggered(0));
  EXPECT_EQ(h.Metrics()[4], 0);
}

TEST(CounterNarrativeInjectionTest, BadSettingsAreInputErrors) {
  auto slot = testing::CatchInputError([] { Harness h(Settings({{"slots", V{3}}})); });
  EXPECT_TRUE(testing::Contains(slot.what(), "slot 3 lies beyond the slate")) << slot.what();
  auto org = testing::CatchInputError([] { Harness h(Settings({{"organisations", V{999}}})); });
  EXPECT_TRUE(testing::Contains(org.what(), "organisation 999 publishes no counter-narrative")) << org.what();
  EXPECT_TRUE(testing::Contains(org.what(), "100, 200")) << org.what();
}

TEST(CounterNarrativeInjectionTest, ScenarioListsParseAndAreValidated) {
  const std::string base = R"(
name: t
catalog: {type: synthetic, n_items: 500, dim: 8, n_topics: 3}
population: {n_users: 50}
arms:
  - name: a
    interventions:
      - {type: counter_narrative_injection, slots: SLOTS}
)";
  auto with = [&](const std::string& slots) {
    std::string s = base;
    s.replace(s.find("SLOTS"), 5, slots);
    return s;
  };
  const Scenario sc = ParseScenario(with("[0, 4]"), "t.yaml", {});
  EXPECT_EQ(sc.arms[0].interventions[0].params.IntList("slots"), (V{0, 4}));
  EXPECT_EQ(ParamValueToString(ParamValue(V{0, 4})), "[0, 4]");
  EXPECT_EQ(sc.Resolved()["arms"][0]["interventions"][0]["slots"], nlohmann::json::array({0, 4}));
  // a single integer is a list of one
  EXPECT_EQ(ParseScenario(with("2"), "t.yaml", {}).arms[0].interventions[0].params.IntList("slots"), (V{2}));
  const auto bad = testing::CatchInputError([&] { ParseScenario(with("[0, x]"), "t.yaml", {}); });
  EXPECT_TRUE(testing::Contains(bad.what(), "t.yaml:8:")) << bad.what();
  EXPECT_TRUE(testing::Contains(bad.what(), "element 1: expected an integer")) << bad.what();
  const auto neg = testing::CatchInputError([&] { ParseScenario(with("[-1]"), "t.yaml", {}); });
  EXPECT_TRUE(testing::Contains(neg.what(), "out of range")) << neg.what();
}

// ---- whole runs ----

// records every injected slot: (arm instance, step, user, item)
struct InjectionLog {
  static std::vector<std::tuple<int64_t, int64_t, int64_t>>& Get() {
    static std::vector<std::tuple<int64_t, int64_t, int64_t>> log;
    return log;
  }
};

class InjectionLogObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return {}; }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
    for (int64_t u = 0; u < b.n; ++u)
      for (int j = 0; j < b.slate_size; ++j)
        if (b.Injected(u, j)) InjectionLog::Get().push_back({v.step, b.users[u], b.Slate(u)[j]});
  }
  void EndStep(const StepView&, double*) override {}
};
const bool kLogRegistered = ObserverRegistry::Get().Add(
    "test_injection_log", {"test only: records injected slots", {}},
    [](const Params&) -> std::unique_ptr<Observer> { return std::make_unique<InjectionLogObserver>(); });

const char* kRun = R"(
name: inject_small
seed: 5
steps: 20
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6, n_organisations: 3}
index: {factory: Flat}
population: {n_users: 500}
recommender: {candidates: 50, slate_size: 8}
observers: [exposure, extremity, counter_narrative_reach, test_injection_log]
arms:
  - name: inject
    interventions:
      - {type: counter_narrative_injection, trigger: harm_share, share_threshold: 0.1, slots: [0, 3],
         cap_impressions: 3, cap_steps: 4, budget_per_step: 40}
)";

TEST(CounterNarrativeInjectionTest, RandomisedRunsNeverExceedCapsOrBudgets) {
  for (uint64_t seed : {1, 2, 3}) {
    const int cap = 1 + static_cast<int>(seed), cap_steps = 2 + static_cast<int>(seed),
              budget = 15 * static_cast<int>(seed);
    const std::string p = "arms.inject.interventions.0.";
    const Scenario sc = ParseScenario(kRun, "inject_small.yaml",
                                      {"seed=" + std::to_string(seed), p + "cap_impressions=" + std::to_string(cap),
                                       p + "cap_steps=" + std::to_string(cap_steps),
                                       p + "budget_per_step=" + std::to_string(budget), p + "trigger=always"});
    InjectionLog::Get().clear();
    const RunResult r = RunScenario(sc);
    const auto& log = InjectionLog::Get();
    ASSERT_GT(log.size(), 100u) << "seed " << seed;
    const IndexedCatalog w = BuildIndexedCatalog(sc, DeriveSeed(sc.seed, 0));
    std::map<std::pair<int64_t, int64_t>, int> per_org_step;
    std::map<int64_t, std::vector<int64_t>> per_user;  // steps of the user's injections
    for (const auto& [step, user, item] : log) {
      ASSERT_EQ(w.catalog->label(item), Label::kCounterNarrative);
      ++per_org_step[{w.catalog->creator(item), step}];
      per_user[user].push_back(step);
    }
    for (const auto& [key, n] : per_org_step) EXPECT_LE(n, budget) << "org " << key.first << " step " << key.second;
    // some organisation's budget is actually reached (the check is not vacuous)
    int most = 0;
    for (const auto& [key, n] : per_org_step) most = std::max(most, n);
    EXPECT_EQ(most, budget);
    for (const auto& [user, steps] : per_user)
      for (size_t i = 0; i < steps.size(); ++i) {
        int in_window = 0;
        for (int64_t s : steps) in_window += s <= steps[i] && s > steps[i] - cap_steps;
        EXPECT_LE(in_window, cap) << "user " << user << " step " << steps[i];
      }
    // the per-organisation columns add up to the injected impressions
    size_t c_total = 0;
    while (r.columns[c_total] != "cn_injected_impressions") ++c_total;
    for (int64_t t = 0; t < r.steps; ++t) {
      double sum = 0;
      for (size_t c = 0; c < r.columns.size(); ++c)
        if (r.columns[c].rfind("cn_org", 0) == 0) sum += r.runs[0].rows[t * r.columns.size() + c];
      EXPECT_EQ(sum, r.runs[0].rows[t * r.columns.size() + c_total]);
    }
  }
}

std::string RunCsv(const std::vector<std::string>& sets, int threads) {
  const testing::ScopedThreads scope(threads);
  return MetricsCsv(RunScenario(ParseScenario(kRun, "inject_small.yaml", sets)));
}

TEST(CounterNarrativeInjectionTest, BatchSizeAndThreadsDoNotChangeResults) {
  for (const std::string trigger : {"harm_share", "proximity"}) {
    const std::string t = "arms.inject.interventions.0.trigger=" + trigger;
    const std::string a = RunCsv({t, "batch_size=2048"}, 2);
    EXPECT_EQ(a, RunCsv({t, "batch_size=7"}, 2)) << trigger;
    EXPECT_EQ(a, RunCsv({t, "batch_size=2048"}, 1)) << trigger;
  }
}

// final-step value of a column for each replicate of an arm
std::vector<double> Final(const RunResult& r, const std::string& arm, const std::string& col) {
  size_t c = 0;
  while (r.columns[c] != col) ++c;
  std::vector<double> out;
  for (const auto& run : r.runs)
    if (run.arm == arm) out.push_back(run.rows[(r.steps - 1) * r.columns.size() + c]);
  return out;
}

// the shipped redirect_method, smaller: injection for at-risk users reaches more of them with
// counter-narratives and slows their drift toward extremity, in every replicate (measured at
// seed 20261123: reach +0.108, +0.047, +0.087; drift -0.019, -0.012, -0.010; the arms share
// users and random numbers, so the paired differences carry little noise)
TEST(SlowCounterNarrativeInjectionTest, RedirectMethodRaisesReachAndLowersDriftOfAtRiskUsers) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/redirect_method.yaml",
                             {"population.n_users=2000", "steps=40", "replicates=3"});
  sc.arms.resize(2);  // control, inject_at_risk
  ASSERT_EQ(sc.arms[1].name, "inject_at_risk");
  const RunResult r = RunScenario(sc);
  const auto reach_c = Final(r, "control", "cn_reach_at_risk"),
             reach_i = Final(r, "inject_at_risk", "cn_reach_at_risk");
  const auto drift_c = Final(r, "control", "at_risk_extremity_drift"),
             drift_i = Final(r, "inject_at_risk", "at_risk_extremity_drift");
  ASSERT_EQ(reach_c.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    std::printf("replicate %zu: reach %.4f -> %.4f, drift %.4f -> %.4f\n", k, reach_c[k], reach_i[k], drift_c[k],
                drift_i[k]);
    EXPECT_GT(reach_i[k] - reach_c[k], 0.02) << "replicate " << k;
    EXPECT_LT(drift_i[k] - drift_c[k], -0.005) << "replicate " << k;
  }
}

}  // namespace
}  // namespace counterpoint
