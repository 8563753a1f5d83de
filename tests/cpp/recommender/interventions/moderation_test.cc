// moderation: exact latencies on a hand-built catalog, the review queue and its
// capacity, trusted flags first, appeals, the flaggers' precision, nothing shown
// after its removal, determinism, and the direction of effect on the shipped scenario.
#include "recommender/interventions/moderation.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <map>
#include <set>

#include "embeddings/catalog_source.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

// a test-only plug-in: records every (step, item) shown, in any slot
std::vector<std::pair<int64_t, int64_t>>& Shown() {
  static std::vector<std::pair<int64_t, int64_t>> shown;
  return shown;
}
class ShownRecorder : public Intervention {
 public:
  void OnFeedback(const RecContext& ctx, const SlateBatch& b, const ChoiceBuffer&) override {
    for (int64_t u = 0; u < b.n; ++u)
      for (int j = 0; j < b.slate_size; ++j)
        if (b.Slate(u)[j] >= 0) Shown().push_back({ctx.step, b.Slate(u)[j]});
  }
};
const bool kRecorder = InterventionRegistry::Get().Add(
    "moderation_test_shown_recorder", {"test only: records shown items", {}},
    [](const Params&) -> std::unique_ptr<Intervention> { return std::make_unique<ShownRecorder>(); });

struct HandItem {
  Label label;
  float harm;
  int32_t upload_step;
};

// items close together in one small cluster: with candidates = slate size = n every live
// item is on every active user's slate
std::shared_ptr<const Catalog> HandCatalog(const std::vector<HandItem>& items) {
  CatalogData d;
  d.dim = 4;
  for (size_t i = 0; i < items.size(); ++i) {
    for (int j = 0; j < 4; ++j) d.embeddings.push_back(1.0f + 0.05f * static_cast<float>((i * 7 + j * 3) % 5));
    d.labels.push_back(items[i].label);
    d.extremity.push_back(IsHarmful(items[i].label) ? 0.8f : 0.1f);
    d.harm_score.push_back(items[i].harm);
    d.upload_step.push_back(items[i].upload_step);
  }
  return std::make_shared<const Catalog>(std::move(d), "hand catalog");
}

// a run of one arm with `moderation` (params inline) on a hand-built catalog; the
// recorder lists what was shown
struct HandRun {
  std::vector<ModerationRecord> log;
  std::vector<std::vector<double>> rows;  ///< per step: the moderation columns
  std::set<std::pair<int64_t, int64_t>> shown;
};

// the hand tests check the pipeline's timing: their reviews confirm every flag unless a
// test gives the reviewers' error rates itself
HandRun RunHand(const std::shared_ptr<const Catalog>& cat, std::string moderation, int steps) {
  if (moderation.find("review_false") == std::string::npos)
    moderation += ", review_false_positive: 1, review_false_negative: 0";
  const int n = static_cast<int>(cat->size());
  const std::string yaml =
      "name: hand\nseed: 3\nsteps: " + std::to_string(steps) +
      "\ncatalog: {type: synthetic, n_items: 100}\npopulation: {n_users: 60, session_alpha: 50, session_beta: 1}\n"
      "recommender:\n  candidates: " +
      std::to_string(n) + "\n  slate_size: " + std::to_string(n) + "\n  interventions:\n    - {type: moderation, " +
      moderation + "}\n    - {type: moderation_test_shown_recorder}\n";
  const Scenario sc = ParseScenario(yaml, "hand.yaml");
  IndexedCatalog world{cat, std::make_shared<const VectorIndex>(*cat, IndexOptions{})};
  Population pop = GeneratePopulation(sc.population, *cat, 3);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, std::move(pop), 3);
  Shown().clear();
  std::vector<double> row(sim.columns().size());
  size_t first = 0;
  while (sim.columns()[first] != "mod_removed") ++first;
  HandRun r;
  for (int t = 0; t < steps; ++t) {
    sim.Step(t, row.data());
    r.rows.emplace_back(row.begin() + first, row.begin() + first + 16);
  }
  r.log = sim.moderation_log();
  r.shown.insert(Shown().begin(), Shown().end());
  return r;
}

bool WasShown(const HandRun& r, int64_t step, int64_t item) { return r.shown.count({step, item}) > 0; }

const ModerationRecord* Find(const HandRun& r, int64_t item, ModerationEvent e) {
  for (const auto& rec : r.log)
    if (rec.item == item && rec.event == e) return &rec;
  return nullptr;
}

// moderation alone, stepped `steps` times over the default synthetic catalog (20,000
// items) with every item live from the start: the log and where each step's records end
struct DirectRun {
  std::shared_ptr<const Catalog> cat;
  std::vector<ModerationRecord> log;
  std::vector<size_t> step_end;
};

DirectRun StepModeration(const ModerationParams& m, int steps) {
  SyntheticCatalogParams p;
  p.new_item_share = 0;
  DirectRun run;
  run.cat = GenerateSyntheticCatalog(p, 8);
  const VectorIndex index(*run.cat, IndexOptions{});
  Moderation mod(m);
  const PlatformView view(*run.cat);
  const TruthChannels channels(*run.cat);
  mod.Init({view, index, channels, 10, 0, 10, 10, 10, "a", 99, 0, InterventionPurpose(0)});
  ItemState items(run.cat->size());
  for (int t = 0; t < steps; ++t) {
    const RecContext ctx{view, index, items, t, 99};
    ItemActions actions(items, run.log, t);
    mod.EndStep(ctx, actions);
    run.step_end.push_back(run.log.size());
  }
  return run;
}

TEST(ModerationTest, FalseFlagRateGivesTheConfiguredPrecision) {
  // f = r H (1 - P) / (P N) = 0.5 * 100 * 0.1 / (0.9 * 900) = 5 / 810
  EXPECT_NEAR(FalseFlagRate(0.5, 0.9, 100, 900), 5.0 / 810.0, 1e-15);
  // precision of the expected flags: r H / (r H + f N) = 50 / (50 + 50 / 9) = 0.9
  const double f = FalseFlagRate(0.5, 0.9, 100, 900);
  EXPECT_NEAR(50.0 / (50.0 + f * 900), 0.9, 1e-12);
  EXPECT_EQ(FalseFlagRate(0.5, 1.0, 100, 900), 0.0);
  EXPECT_EQ(FalseFlagRate(1.0, 0.01, 900, 100), 1.0);  // clamped
}

TEST(ModerationTest, ClassifierRemovesExactlyLatencyStepsAfterUpload) {
  // item 6 (h 0.9) arrives at step 3 and item 7 (h 0.6) is live from the start: with
  // L = 2 they are removed at steps 5 and 2, shown up to then and never after; item 5
  // (h 0.4 < tau) stays
  std::vector<HandItem> items(6, {Label::kMainstream, 0.1f, 0});
  items[5] = {Label::kBorderline, 0.4f, 0};
  items.push_back({Label::kExtremist, 0.9f, 3});
  items.push_back({Label::kBorderline, 0.6f, 0});
  const HandRun r = RunHand(HandCatalog(items), "threshold: 0.5, latency_steps: 2, steps_per_hour: 2", 9);
  const ModerationRecord* a = Find(r, 6, ModerationEvent::kRemoved);
  const ModerationRecord* b = Find(r, 7, ModerationEvent::kRemoved);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->step, 5);
  EXPECT_EQ(a->latency_steps, 2);
  EXPECT_EQ(a->channel, ModerationChannel::kClassifier);
  EXPECT_EQ(b->step, 2);
  EXPECT_EQ(b->latency_steps, 2);
  EXPECT_EQ(Find(r, 5, ModerationEvent::kRemoved), nullptr);
  for (int t = 0; t < 9; ++t) {
    EXPECT_EQ(WasShown(r, t, 6), t >= 3 && t <= 5) << "step " << t;
    EXPECT_EQ(WasShown(r, t, 7), t <= 2) << "step " << t;
    EXPECT_TRUE(WasShown(r, t, 5)) << "step " << t;
  }
  // columns: one removal at steps 2 and 5; each item was live for 3 steps (s..s+2) of
  // half an hour: not within the hour; NaN where nothing was removed
  EXPECT_EQ(r.rows[2][0], 1);
  EXPECT_EQ(r.rows[2][1], 1);  // borderline: harmful
  EXPECT_EQ(r.rows[5][0], 1);
  EXPECT_EQ(r.rows[5][5], 0.0);
  EXPECT_TRUE(std::isnan(r.rows[4][5]));
  // cumulative columns: removals so far, harmful and legitimate, within the hour
  EXPECT_EQ(r.rows[1][10], 0);
  EXPECT_EQ(r.rows[2][10], 1);
  EXPECT_EQ(r.rows[4][10], 1);
  EXPECT_EQ(r.rows[8][10], 2);
  EXPECT_EQ(r.rows[8][11], 2);
  EXPECT_EQ(r.rows[8][12], 0);
  EXPECT_EQ(r.rows[8][13], 0);
  // impressions before removal: every step item 6 was live, each active user saw it once
  int64_t seen = 0;
  for (const auto& [step, item] : Shown()) seen += item == 6;
  EXPECT_EQ(r.rows[5][6], static_cast<double>(seen));
}

TEST(ModerationTest, WithinTheHourCountsTheStepsAnItemWasLive) {
  // removed at the end of step t, live from step s: visible t - s + 1 steps
  EXPECT_TRUE(RemovedWithinHour(4, 4, 1));    // one step of an hour
  EXPECT_FALSE(RemovedWithinHour(4, 5, 1));   // two hours
  EXPECT_TRUE(RemovedWithinHour(4, 5, 2));    // two half-hours
  EXPECT_FALSE(RemovedWithinHour(4, 6, 2));   // 90 minutes
  EXPECT_TRUE(RemovedWithinHour(0, 11, 12));  // twelve 5-minute steps
  EXPECT_FALSE(RemovedWithinHour(0, 12, 12));
  // through the pipeline: L = 1 at half-hour steps is within the hour, L = 2 is not
  std::vector<HandItem> items(5, {Label::kMainstream, 0.1f, 0});
  items.push_back({Label::kExtremist, 0.9f, 0});
  EXPECT_EQ(RunHand(HandCatalog(items), "latency_steps: 1, steps_per_hour: 2", 3).rows[1][5], 1.0);
  EXPECT_EQ(RunHand(HandCatalog(items), "latency_steps: 2, steps_per_hour: 2", 3).rows[2][5], 0.0);
  EXPECT_EQ(RunHand(HandCatalog(items), "latency_steps: 2, steps_per_hour: 2", 3).rows[2][13], 0.0);
  EXPECT_EQ(RunHand(HandCatalog(items), "latency_steps: 1, steps_per_hour: 2", 3).rows[2][13], 1.0);
}

TEST(ModerationTest, ReviewErrorsFallWithTheTimeSpentPerReview) {
  EXPECT_DOUBLE_EQ(ReviewErrorRate(0.2, 1), 0.2);
  EXPECT_DOUBLE_EQ(ReviewErrorRate(0.2, 4), 0.05);
  // a reviewer who keeps every harmful item and removes no legitimate one: flags are cleared
  std::vector<HandItem> items(5, {Label::kMainstream, 0.1f, 0});
  items.push_back({Label::kNewsReporting, 0.9f, 0});
  items.push_back({Label::kExtremist, 0.9f, 0});
  const HandRun r =
      RunHand(HandCatalog(items), "latency_steps: 0, review_false_positive: 0, review_false_negative: 1", 4);
  EXPECT_EQ(Find(r, 5, ModerationEvent::kRemoved), nullptr);
  EXPECT_EQ(Find(r, 6, ModerationEvent::kRemoved), nullptr);
  ASSERT_TRUE(Find(r, 5, ModerationEvent::kCleared) && Find(r, 6, ModerationEvent::kCleared));
  int flags = 0;
  for (const auto& rec : r.log) flags += rec.event == ModerationEvent::kFlagged;
  EXPECT_EQ(flags, 2);          // a cleared item is not flagged again
  EXPECT_EQ(r.rows[0][7], 2);   // reviews
  EXPECT_EQ(r.rows[0][8], 2);   // cleared
  EXPECT_EQ(r.rows[0][9], 1);   // of which harmful
  EXPECT_EQ(r.rows[3][14], 1);  // harmful cleared so far
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(WasShown(r, t, 6)) << "step " << t;
}

TEST(ModerationTest, ReviewersHaveTheConfiguredErrorRatesAndCostCapacity) {
  // 20,000 items live from the start, every one flagged (threshold 0): the share of the
  // harmful kept and of the legitimate removed, at rates 0.2 / 0.1 halved by a cost of 2
  ModerationParams m;
  m.threshold = 0;
  m.latency_steps = 0;
  m.review_false_positive = 0.1;
  m.review_false_negative = 0.2;
  m.review_cost = 2;
  m.review_capacity = 20001;  // 10,000 reviews per step
  const DirectRun run = StepModeration(m, 3);
  const auto& cat = run.cat;
  const auto& log = run.log;
  std::vector<int64_t> reviews_per_step;
  for (int t = 0; t < 3; ++t) {
    int64_t reviews = 0;
    for (size_t k = t ? run.step_end[t - 1] : 0; k < run.step_end[t]; ++k)
      reviews += log[k].event == ModerationEvent::kRemoved || log[k].event == ModerationEvent::kCleared;
    reviews_per_step.push_back(reviews);
  }
  EXPECT_EQ(reviews_per_step, (std::vector<int64_t>{10000, 10000, 0}));
  int64_t harmful = 0, kept_harmful = 0, legitimate = 0, removed_legitimate = 0;
  for (const auto& rec : log) {
    if (rec.event != ModerationEvent::kRemoved && rec.event != ModerationEvent::kCleared) continue;
    const bool h = IsHarmful(cat->label(rec.item));
    harmful += h, legitimate += !h;
    kept_harmful += h && rec.event == ModerationEvent::kCleared;
    removed_legitimate += !h && rec.event == ModerationEvent::kRemoved;
  }
  ASSERT_EQ(harmful + legitimate, cat->size());
  EXPECT_NEAR(static_cast<double>(kept_harmful) / harmful, 0.1, 4 * std::sqrt(0.1 * 0.9 / harmful));
  EXPECT_NEAR(static_cast<double>(removed_legitimate) / legitimate, 0.05, 4 * std::sqrt(0.05 * 0.95 / legitimate));
}

TEST(ModerationTest, CapacityQueuesFlagsFifo) {
  // five flagged items live from the start, L = 0, two reviews per step
  std::vector<HandItem> items(5, {Label::kMainstream, 0.1f, 0});
  for (int i = 0; i < 5; ++i) items.push_back({Label::kExtremist, 0.9f, 0});
  const HandRun r = RunHand(HandCatalog(items), "latency_steps: 0, review_capacity: 2", 4);
  std::vector<int64_t> step_of(10, -1);
  for (const auto& rec : r.log)
    if (rec.event == ModerationEvent::kRemoved) step_of[rec.item] = rec.step;
  EXPECT_EQ(step_of, (std::vector<int64_t>{-1, -1, -1, -1, -1, 0, 0, 1, 1, 2}));
  EXPECT_EQ(r.rows[0][3], 3);  // queue after the reviews
  EXPECT_EQ(r.rows[1][3], 1);
  EXPECT_EQ(r.rows[2][3], 0);
  EXPECT_EQ(r.rows[0][0], 2);
  EXPECT_EQ(r.rows[2][0], 1);
  EXPECT_TRUE(WasShown(r, 2, 9));
  EXPECT_FALSE(WasShown(r, 3, 9));
}

TEST(ModerationTest, TrustedFlagsAreReviewedFirst) {
  // item 5: news reporting the classifier flags (h 0.9) and a perfect flagger does not;
  // item 6: extremist that the classifier misses (h 0.1), flagged by the flagger at the
  // same step, later in the item order; one review per step
  std::vector<HandItem> items(5, {Label::kMainstream, 0.1f, 0});
  items.push_back({Label::kNewsReporting, 0.9f, 0});
  items.push_back({Label::kExtremist, 0.1f, 0});
  const HandRun r = RunHand(HandCatalog(items),
                            "latency_steps: 0, review_capacity: 1, flagger_recall: 1, flagger_precision: 1, "
                            "flagger_latency_steps: 0",
                            3);
  const ModerationRecord* trusted = Find(r, 6, ModerationEvent::kRemoved);
  const ModerationRecord* classified = Find(r, 5, ModerationEvent::kRemoved);
  ASSERT_TRUE(trusted && classified);
  EXPECT_EQ(trusted->step, 0);
  EXPECT_EQ(trusted->channel, ModerationChannel::kTrustedFlagger);
  EXPECT_EQ(classified->step, 1);
  EXPECT_EQ(classified->channel, ModerationChannel::kClassifier);
  // precision 1: the flaggers flag no legitimate item
  for (const auto& rec : r.log) {
    if (rec.event == ModerationEvent::kFlagged && rec.channel == ModerationChannel::kTrustedFlagger) {
      EXPECT_EQ(rec.item, 6);
    }
  }
}

TEST(ModerationTest, AppealRestoresWronglyRemovedLegitimateItemsAfterTheDelay) {
  // item 5: news reporting the classifier wrongly scores 0.8; item 6: extremist, 0.8
  std::vector<HandItem> items(5, {Label::kMainstream, 0.1f, 0});
  items.push_back({Label::kNewsReporting, 0.8f, 0});
  items.push_back({Label::kExtremist, 0.8f, 0});
  const HandRun r = RunHand(HandCatalog(items), "latency_steps: 1, appeal_success: 1, appeal_delay_steps: 3", 8);
  const ModerationRecord* removed = Find(r, 5, ModerationEvent::kRemoved);
  const ModerationRecord* restored = Find(r, 5, ModerationEvent::kRestored);
  ASSERT_TRUE(removed && restored);
  EXPECT_EQ(removed->step, 1);
  EXPECT_EQ(restored->step, 4);
  EXPECT_EQ(restored->channel, ModerationChannel::kAppeal);
  EXPECT_EQ(restored->latency_steps, 3);
  EXPECT_EQ(Find(r, 6, ModerationEvent::kRestored), nullptr);  // harmful: the appeal fails
  // shown while live: steps 0-1, then from the step after the restoration on; never removed again
  for (int t = 0; t < 8; ++t) EXPECT_EQ(WasShown(r, t, 5), t <= 1 || t >= 5) << "step " << t;
  int removals = 0;
  for (const auto& rec : r.log) removals += rec.item == 5 && rec.event == ModerationEvent::kRemoved;
  EXPECT_EQ(removals, 1);
  EXPECT_EQ(r.rows[1][2], 1);  // removed legitimate
  EXPECT_EQ(r.rows[4][4], 1);  // restored
}

TEST(ModerationTest, AReviewThatCannotFitInAStepIsRefused) {
  ModerationParams m;
  m.review_capacity = 3;
  m.review_cost = 4;
  const InputError e = testing::CatchInputError([&] { StepModeration(m, 1); });
  EXPECT_TRUE(testing::Contains(e.what(), "review_cost 4 exceeds review_capacity 3")) << e.what();
}

TEST(ModerationTest, TrustedFlaggersHaveTheConfiguredRecallAndPrecision) {
  // 20,000 items live from the start, classifier off: the flags' precision and recall
  ModerationParams m;
  m.classifier = false;
  m.flagger_recall = 0.5;
  m.flagger_precision = 0.8;
  m.flagger_latency_steps = 1;
  const DirectRun run = StepModeration(m, 3);
  const auto& cat = run.cat;
  const auto& log = run.log;
  int64_t flags = 0, true_flags = 0, harmful = 0;
  for (int64_t i = 0; i < cat->size(); ++i) harmful += IsHarmful(cat->label(i));
  for (const auto& rec : log) {
    if (rec.event != ModerationEvent::kFlagged) continue;
    EXPECT_EQ(rec.step, 1);
    ++flags;
    true_flags += IsHarmful(cat->label(rec.item));
  }
  const double precision = static_cast<double>(true_flags) / flags, recall = static_cast<double>(true_flags) / harmful;
  EXPECT_NEAR(precision, 0.8, 4 * std::sqrt(0.8 * 0.2 / flags));
  EXPECT_NEAR(recall, 0.5, 4 * std::sqrt(0.25 / harmful));
}

// a small run with uploads, re-uploads, moderation with flaggers and appeals, and hash sharing
const char* kPipeline = R"(
name: pipeline
seed: 29
steps: 14
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6, share_extremist: 0.05, new_item_share: 0.3,
          upload_horizon: 10, reupload_pool: 0.8, reupload_copies: 3}
index: {factory: Flat}
population: {n_users: 300}
recommender:
  candidates: 40
  slate_size: 8
  interventions:
    - {type: moderation, latency_steps: 2, review_capacity: 15, flagger_recall: 0.5, appeal_success: 0.7,
       appeal_delay_steps: 2, review_false_positive: 0.3}
    - {type: reuploads, delay: 1, probability: 0.9}
    - {type: hash_sharing, overlay_share: 0.3}
    - {type: moderation_test_shown_recorder}
)";

TEST(ModerationTest, NothingIsShownAfterItsRemovalOrBlockUntilRestored) {
  const Scenario sc = ParseScenario(kPipeline, "pipeline.yaml");
  Shown().clear();
  const RunResult res = RunScenario(sc);
  const auto& log = res.runs[0].moderation;
  // from the log: the steps at which each item may be shown
  std::map<int64_t, std::vector<std::pair<int64_t, bool>>> changes;  // item -> (step, live from step + 1)
  int64_t removed = 0, restored = 0, blocked = 0, reuploaded = 0;
  for (const auto& r : log) {
    if (r.event == ModerationEvent::kRemoved) ++removed, changes[r.item].push_back({r.step, false});
    if (r.event == ModerationEvent::kRestored) ++restored, changes[r.item].push_back({r.step, true});
    if (r.event == ModerationEvent::kBlocked) ++blocked, changes[r.item].push_back({-1, false});
    if (r.event == ModerationEvent::kReuploaded) ++reuploaded, changes[r.item].push_back({-1000 - r.step, true});
  }
  // the run exercises every path
  EXPECT_GT(removed, 20);
  EXPECT_GT(restored, 0);
  EXPECT_GT(blocked, 0);
  EXPECT_GT(reuploaded, 0);
  const IndexedCatalog world = BuildIndexedCatalog(sc, res.runs[0].seed);
  const Catalog& cat = *world.catalog;
  int64_t checked = 0;
  for (const auto& [step, item] : Shown()) {
    // never before its upload (re-uploads: their re-upload step)
    if (cat.upload_step(item) == kUploadOnDemand) {
      const ModerationRecord* up = nullptr;
      for (const auto& r : log)
        if (r.item == item && r.event == ModerationEvent::kReuploaded) up = &r;
      ASSERT_TRUE(up) << "copy " << item << " shown without a re-upload";
      ASSERT_GE(step, up->step);
    } else {
      ASSERT_GE(step, cat.upload_step(item));
    }
    auto it = changes.find(item);
    if (it == changes.end()) continue;
    bool live = true;
    for (const auto& [at, to_live] : it->second) {
      if (at == -1) live = false;                // blocked: never
      if (at >= 0 && step > at) live = to_live;  // in force from the next step
    }
    ASSERT_TRUE(live) << "item " << item << " shown at step " << step;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

std::string PipelineMetrics(int threads, int batch) {
  const testing::ScopedThreads scope(threads);
  const Scenario sc = ParseScenario(kPipeline, "pipeline.yaml", {"batch_size=" + std::to_string(batch)});
  return MetricsCsv(RunScenario(sc));
}

TEST(ModerationTest, ThreadsAndBatchSizeGiveIdenticalMetrics) {
  const std::string reference = PipelineMetrics(1, 2048);
  EXPECT_NE(reference.find("mod_removed"), std::string::npos);
  EXPECT_EQ(reference, PipelineMetrics(2, 2048)) << "1 vs 2 threads";
  EXPECT_EQ(reference, PipelineMetrics(2, 7)) << "batch 2048 vs 7";
  EXPECT_EQ(reference, PipelineMetrics(1, 7)) << "batch 2048 vs 7, one thread";
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// per replicate of `arm`: the sum over steps of column `col` (times `weight`'s column if given)
std::vector<double> SumOverSteps(const RunResult& r, const std::string& arm, const std::string& col,
                                 const std::string& weight = "") {
  const size_t cols = r.columns.size();
  const size_t c = std::find(r.columns.begin(), r.columns.end(), col) - r.columns.begin();
  const size_t w = weight.empty() ? cols : std::find(r.columns.begin(), r.columns.end(), weight) - r.columns.begin();
  std::vector<double> out;
  for (const auto& run : r.runs) {
    if (run.arm != arm) continue;
    double s = 0;
    for (int64_t t = 0; t < r.steps; ++t) {
      const double x = run.rows[t * cols + c];
      if (std::isnan(x)) continue;
      s += w < cols ? x * run.rows[t * cols + w] : x;
    }
    out.push_back(s);
  }
  return out;
}

// the shipped scenario, smaller (fewer users, items and steps), paired over 3 replicates
TEST(SlowModerationTest, LowerLatencyRemovesMoreWithinTheHourAndCutsHarmfulExposure) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/moderation_one_hour.yaml",
                             {"replicates=3", "steps=25", "population.n_users=1500", "catalog.n_items=8000"});
  SelectArms(sc, {"no_moderation", "one_step", "six_steps_no_flaggers"});
  const RunResult r = RunScenario(sc);
  const auto within_1 = SumOverSteps(r, "one_step", "mod_removed_within_hour_share", "mod_removed");
  const auto within_6 = SumOverSteps(r, "six_steps_no_flaggers", "mod_removed_within_hour_share", "mod_removed");
  const auto exposure_0 = SumOverSteps(r, "no_moderation", "harmful_exposure_share");
  const auto exposure_1 = SumOverSteps(r, "one_step", "harmful_exposure_share");
  const auto exposure_6 = SumOverSteps(r, "six_steps_no_flaggers", "harmful_exposure_share");
  ASSERT_EQ(within_1.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    // removals within the hour (live t - s + 1 <= 2 steps): L = 6 has none, L = 1 hundreds
    EXPECT_GT(within_1[k], 100) << "replicate " << k;
    EXPECT_EQ(within_6[k], 0) << "replicate " << k;
    // mean harmful exposure over the run: each moderation arm far below the control,
    // the faster one (with flaggers) below the slower one
    EXPECT_LT(exposure_1[k] / r.steps, exposure_0[k] / r.steps - 0.02) << "replicate " << k;
    EXPECT_LT(exposure_6[k] / r.steps, exposure_0[k] / r.steps - 0.01) << "replicate " << k;
    EXPECT_LT(exposure_1[k], exposure_6[k]) << "replicate " << k;
  }
}

}  // namespace
}  // namespace counterpoint
