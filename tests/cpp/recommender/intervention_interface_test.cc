// The intervention interface: hook order, scores changed before the cut survive it,
// injected slots are marked and do not teach the ranker, removals are in force from
// the next step, blocked uploads are never shown, metric columns reach metrics.csv.
// The plug-ins below are test doubles registered in this test binary only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "experiment/runner.h"

namespace counterpoint {
namespace {

// the hooks each instance saw, per step, in order
std::map<std::string, std::vector<std::string>>& Calls() {
  static std::map<std::string, std::vector<std::string>> calls;
  return calls;
}

// records its hooks; with `bury` >= 0 gives that item the lowest score in OnScores; with
// `inject` >= 0 puts that item into slot 0 of every slate; with `remove_at` >= 0 removes
// item `remove_item` at the end of that step; blocks every upload of item `block`
class Probe : public Intervention {
 public:
  explicit Probe(const Params& p)
      : tag_(p.String("tag")),
        bury_(p.Int("bury")),
        inject_(p.Int("inject")),
        remove_item_(p.Int("remove_item")),
        remove_at_(p.Int("remove_at")),
        block_(p.Int("block")) {}
  void Init(const InterventionContext& ctx) override {
    purpose_ = ctx.purpose;
    Log("init:" + ctx.arm + ":" + std::to_string(ctx.instance));
  }
  std::vector<std::string> Columns() const override { return {tag_ + "_slots", tag_ + "_draw"}; }
  void BeginStep(const RecContext& ctx) override {
    Log("begin");
    slots_ = 0;
    draw_ = CounterRng(ctx.seed, 0, ctx.step, purpose_).Uniform(0);
  }
  void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) override {
    Log("uploads");
    for (int64_t item : arriving)
      if (item == block_) actions.Block(item, ModerationChannel::kHashMatch);
  }
  void OnCandidates(const RecContext&, SlateBatch&) override { Log("candidates"); }
  void OnScores(const RecContext&, SlateBatch& b) override {
    Log("scores");
    if (bury_ < 0) return;
    for (int64_t i = 0; i < b.n * b.k; ++i)
      if (b.cand_ids[i] == bury_) b.cand_score[i] = -1e30f;
  }
  void OnSlate(const RecContext&, SlateBatch& b) override {
    Log("slate");
    for (int64_t u = 0; u < b.n; ++u) {
      slots_ += b.slate_size;
      if (inject_ < 0) continue;
      b.Slate(u)[0] = inject_;
      b.SlateProvenance(u)[0] = static_cast<uint8_t>(Provenance::kInjected);
    }
  }
  void OnResponse(const RecContext&, const SlateBatch&, ChoiceBuffer&) override { Log("response"); }
  void OnFeedback(const RecContext&, const SlateBatch&, const ChoiceBuffer&) override { Log("feedback"); }
  void EndStep(const RecContext& ctx, ItemActions& actions) override {
    Log("end");
    if (ctx.step == remove_at_) actions.Remove(remove_item_, ModerationChannel::kClassifier, ctx.step);
  }
  void WriteMetrics(const RecContext&, const Catalog&, double* row) override {
    Log("metrics");
    row[0] = static_cast<double>(slots_);
    row[1] = draw_;
  }

 private:
  void Log(const std::string& what) {
    auto& v = Calls()[tag_];
    if (v.empty() || v.back() != what) v.push_back(what);  // one entry per run of the same hook
  }
  std::string tag_;
  int64_t bury_, inject_, remove_item_, remove_at_, block_;
  Purpose purpose_ = Purpose::kIntervention;
  int64_t slots_ = 0;
  double draw_ = 0;
};

const bool kProbe = InterventionRegistry::Get().Add(
    "test_probe",
    {"test double",
     {StringParam("tag", "probe", "column prefix"), IntParam("bury", -1, "item to score lowest"),
      IntParam("inject", -1, "item injected into slot 0"), IntParam("remove_item", -1, "item to remove"),
      IntParam("remove_at", -1, "step at whose end it is removed"), IntParam("block", -1, "upload to block")}},
    [](const Params& p) { return std::make_unique<Probe>(p); });
// the same double under a second type name
const bool kProbeB =
    InterventionRegistry::Get().Add("test_probe_b", InterventionRegistry::Get().Find("test_probe")->spec,
                                    [](const Params& p) { return std::make_unique<Probe>(p); });

const char* kBase = R"(
name: probe
seed: 5
steps: 6
catalog: {type: synthetic, n_items: 400, dim: 8, n_topics: 4}
index: {factory: Flat}
population: {n_users: 60}
recommender: {candidates: 40, slate_size: 5}
)";

Scenario WithArms(const std::string& arms, const std::vector<std::string>& sets = {}) {
  return ParseScenario(std::string(kBase) + arms, "probe.yaml", sets);
}

TEST(InterventionInterfaceTest, HooksRunInTheDocumentedOrder) {
  Calls().clear();
  const Scenario sc = WithArms("arms:\n  - name: a\n    interventions: [{type: test_probe, tag: order}]\n",
                               {"steps=1", "batch_size=1000"});
  RunScenario(sc);
  EXPECT_EQ(Calls()["order"], (std::vector<std::string>{"init:a:0", "uploads", "begin", "candidates", "scores", "slate",
                                                        "response", "feedback", "end", "metrics"}));
}

TEST(InterventionInterfaceTest, ScoresChangedBeforeTheCutSurviveIt) {
  // find the item the plain ranker shows most, then bury it: it must vanish from every slate
  const Scenario plain = WithArms("arms:\n  - name: a\n");
  const IndexedCatalog world = BuildIndexedCatalog(plain, 3);
  const Population pop = GeneratePopulation(plain.population, *world.catalog, 3);
  Simulation sim0 = BuildSimulation(plain, plain.arms[0], world, pop, 3);
  std::vector<double> rows;
  sim0.Run(rows);
  const auto& impr = sim0.items().impressions;
  const int64_t shown = std::max_element(impr.begin(), impr.end()) - impr.begin();
  ASSERT_GT(impr[shown], 0);
  const Scenario buried =
      WithArms("arms:\n  - name: a\n    interventions: [{type: test_probe, bury: " + std::to_string(shown) + "}]\n");
  Simulation sim1 = BuildSimulation(buried, buried.arms[0], world, pop, 3);
  sim1.Run(rows);
  EXPECT_EQ(sim1.items().impressions[shown], 0);
}

TEST(InterventionInterfaceTest, InjectedSlotsAreShownButDoNotTeachTheRanker) {
  const int64_t item = 7;
  // buried in the ranking (never an organic slot: 40 candidates, 5 slots) and injected
  const Scenario sc = WithArms("arms:\n  - name: a\n    interventions: [{type: test_probe, inject: 7, bury: 7}]\n");
  const IndexedCatalog world = BuildIndexedCatalog(sc, 3);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 3);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 3);
  std::vector<double> rows;
  sim.Run(rows);
  // shown in slot 0 of every slate, clicked sometimes, but no organic count learned it
  int64_t consumed = 0;
  for (int64_t u = 0; u < pop.n; ++u)
    for (int t = 0; t < sim.population().history_count[u]; ++t)
      consumed += sim.population().history[u * sim.population().history_length + t] == item;
  EXPECT_GT(consumed, 0) << "users never clicked the injected item";
  EXPECT_EQ(sim.items().impressions[item], 0);
  EXPECT_EQ(sim.items().clicks[item], 0);
  // with learn_from_injected the counts include it
  const Scenario learn = WithArms(
      "arms:\n  - name: a\n    learn_from_injected: true\n    interventions: [{type: test_probe, inject: 7}]\n");
  Simulation sim2 = BuildSimulation(learn, learn.arms[0], world, pop, 3);
  sim2.Run(rows);
  int64_t sessions = 0;
  for (int64_t u = 0; u < pop.n; ++u) sessions += sim2.population().sessions[u];
  EXPECT_GE(sim2.items().impressions[item], sessions);  // slot 0 of every session, and organically too
  EXPECT_GT(sim2.items().clicks[item], 0);
}

TEST(InterventionInterfaceTest, RemovalIsInForceFromTheNextStepAndLogged) {
  // remove the most-shown item at the end of step 2: shown at step 2, never from step 3 on
  const Scenario plain = WithArms("arms:\n  - name: a\n");
  const IndexedCatalog world = BuildIndexedCatalog(plain, 3);
  const Population pop = GeneratePopulation(plain.population, *world.catalog, 3);
  Simulation probe_sim = BuildSimulation(plain, plain.arms[0], world, pop, 3);
  std::vector<double> row(probe_sim.columns().size());
  for (int t = 0; t < 3; ++t) probe_sim.Step(t, row.data());
  int64_t item = 0;
  for (int64_t i = 0; i < world.catalog->size(); ++i)
    if (probe_sim.items().impressions[i] > probe_sim.items().impressions[item]) item = i;
  const Scenario sc =
      WithArms("arms:\n  - name: a\n    interventions: [{type: test_probe, remove_item: " + std::to_string(item) +
               ", remove_at: 2}]\n");
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 3);
  row.assign(sim.columns().size(), 0);
  for (int t = 0; t < 3; ++t) sim.Step(t, row.data());
  const int64_t before = sim.items().impressions[item];
  EXPECT_EQ(before, probe_sim.items().impressions[item]);  // same as without the probe up to step 2
  EXPECT_EQ(sim.items().status[item], ItemStatus::kRemoved);
  EXPECT_FALSE(sim.items().available.IsAvailable(item));
  for (int t = 3; t < 6; ++t) sim.Step(t, row.data());
  EXPECT_EQ(sim.items().impressions[item], before);
  std::vector<ModerationRecord> removals;
  for (const auto& r : sim.moderation_log())
    if (r.event != ModerationEvent::kUploaded) removals.push_back(r);
  ASSERT_EQ(removals.size(), 1u);
  const ModerationRecord& rec = removals[0];
  EXPECT_EQ(rec.step, 2);
  EXPECT_EQ(rec.item, item);
  EXPECT_EQ(rec.event, ModerationEvent::kRemoved);
  EXPECT_EQ(rec.channel, ModerationChannel::kClassifier);
}

TEST(InterventionInterfaceTest, BlockedUploadIsNeverLiveNorShown) {
  // half the items arrive during the run; block one of them
  const std::vector<std::string> sets = {"catalog.new_item_share=0.5", "catalog.upload_horizon=3"};
  const Scenario plain = WithArms("arms:\n  - name: a\n", sets);
  const IndexedCatalog world = BuildIndexedCatalog(plain, 4);
  int64_t late = -1;
  for (int64_t i = 0; i < world.catalog->size() && late < 0; ++i)
    if (world.catalog->upload_step(i) == 2) late = i;
  ASSERT_GE(late, 0);
  const Scenario sc = WithArms(
      "arms:\n  - name: a\n    interventions: [{type: test_probe, block: " + std::to_string(late) + "}]\n", sets);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 4);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 4);
  std::vector<double> rows;
  sim.Run(rows);
  EXPECT_EQ(sim.items().status[late], ItemStatus::kBlocked);
  EXPECT_EQ(sim.items().impressions[late], 0);
  // every other in-run upload is logged as uploaded at its step; the blocked one as blocked
  int64_t uploads = 0, blocked = 0;
  for (const auto& r : sim.moderation_log()) {
    EXPECT_EQ(r.step, world.catalog->upload_step(r.item));
    uploads += r.event == ModerationEvent::kUploaded;
    blocked += r.event == ModerationEvent::kBlocked && r.item == late;
  }
  int64_t due = 0;
  for (int64_t i = 0; i < world.catalog->size(); ++i)
    due += world.catalog->upload_step(i) > 0 && world.catalog->upload_step(i) < sc.steps;
  EXPECT_EQ(blocked, 1);
  EXPECT_EQ(uploads, due - 1);
}

TEST(InterventionInterfaceTest, ColumnsAreTheUnionOverArmsAndInstancesDrawApart) {
  const Scenario sc = WithArms(R"(arms:
  - name: control
  - name: two
    interventions: [{type: test_probe, tag: x}, {type: test_probe, tag: y}]
)");
  const RunResult r = RunScenario(sc);
  auto col = [&](const std::string& name) {
    return std::find(r.columns.begin(), r.columns.end(), name) - r.columns.begin();
  };
  const size_t cols = r.columns.size();
  ASSERT_LT(col("x_slots"), cols);
  ASSERT_LT(col("y_draw"), cols);
  for (int64_t t = 0; t < r.steps; ++t) {
    // the control has no such column: NaN (empty in metrics.csv)
    EXPECT_TRUE(std::isnan(r.runs[0].rows[t * cols + col("x_slots")]));
    EXPECT_GT(r.runs[1].rows[t * cols + col("x_slots")], 0);
    // two instances of one type draw from different sub-streams
    EXPECT_NE(r.runs[1].rows[t * cols + col("x_draw")], r.runs[1].rows[t * cols + col("y_draw")]);
  }
  // the observers' columns agree between arms where nothing acts (probes only count)
  EXPECT_EQ(r.runs[0].rows[col("harmful_exposure_share")], r.runs[1].rows[col("harmful_exposure_share")]);
}

TEST(InterventionInterfaceTest, AnInterventionDrawsTheSameNumbersAloneAndCombined) {
  // keyed by its type and occurrence, not its position in the list: y is second in one arm
  // and first in the other, and draws the same numbers in both
  const Scenario sc = WithArms(R"(arms:
  - name: alone
    interventions: [{type: test_probe_b, tag: y}]
  - name: combined
    interventions: [{type: test_probe, tag: x}, {type: test_probe_b, tag: y}]
)");
  const RunResult r = RunScenario(sc);
  const size_t cols = r.columns.size();
  const size_t y = std::find(r.columns.begin(), r.columns.end(), "y_draw") - r.columns.begin();
  const size_t x = std::find(r.columns.begin(), r.columns.end(), "x_draw") - r.columns.begin();
  ASSERT_LT(y, cols);
  ASSERT_LT(x, cols);
  for (int64_t t = 0; t < r.steps; ++t) {
    EXPECT_EQ(r.runs[0].rows[t * cols + y], r.runs[1].rows[t * cols + y]) << "step " << t;
    EXPECT_NE(r.runs[1].rows[t * cols + x], r.runs[1].rows[t * cols + y]) << "step " << t;
  }
  // and the purposes are what the rule says: type and occurrence, never the position
  EXPECT_EQ(InterventionPurpose("not_interested", 0), InterventionPurpose("not_interested", 0));
  EXPECT_NE(InterventionPurpose("not_interested", 0), InterventionPurpose("not_interested", 1));
  EXPECT_NE(InterventionPurpose("not_interested", 0), InterventionPurpose("demote_harmful", 0));
  EXPECT_GE(static_cast<uint64_t>(InterventionPurpose("demote_harmful", 0)), uint64_t{1} << 63);
}

}  // namespace
}  // namespace counterpoint
