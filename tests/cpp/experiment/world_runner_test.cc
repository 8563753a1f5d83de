#include "experiment/world_runner.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "experiment/summary.h"
#include "experiment/world_tables.h"
#include "test_util.h"
#include "world/world_log.h"

namespace counterpoint {
namespace {

const char* kScenario = R"(name: crisis_small
seed: 3
steps: 90
replicates: 2
world:
  platforms:
    - {name: big, upload_share: 0.8, database_access: member, contributes: true, review_capacity: 50,
       classifier_recall: 0.5, classifier_delay_minutes: 10, views_per_minute: 2}
    - {name: small, upload_share: 0.2, hash_screening: false, review_capacity: 1, views_per_minute: 10}
  incident: {origin: big, first_report_minute: 5, reuploads_start_minute: 5, uploads_per_minute: 30,
             edit_probability: 0.1, source_weight: 20}
arms:
  - name: no_access
  - name: access
    world:
      platforms: [{name: small, hash_screening: true, database_access: member}]
)";

TEST(WorldRunnerTest, ArmsAndReplicatesRunWithSharesCheckedAndEveryUploadListed) {
  const Scenario sc = ParseScenario(kScenario, "crisis_small.yaml");
  ASSERT_TRUE(HasWorld(sc));
  const RunResult res = RunScenario(sc);
  ASSERT_EQ(res.runs.size(), 4u);
  const auto col = [&](const std::string& name) {
    return std::find(res.columns.begin(), res.columns.end(), name) - res.columns.begin();
  };
  ASSERT_LT(static_cast<size_t>(col("blocked_share@small")), res.columns.size());
  EXPECT_EQ(res.metric_kinds.at("blocked_share@small"), MetricKind::kShare);
  EXPECT_EQ(res.metric_kinds.at("views@big"), MetricKind::kLevel);
  // the final metrics recounted from each run's uploads
  size_t rows = 0;
  for (const ArmRun& run : res.runs) {
    ASSERT_TRUE(run.world);
    rows += run.world->uploads.size();
    double attack = 0, blocked = 0, small_blocked = 0;
    for (const UploadRecord& u : run.world->uploads) {
      if (u.kind == UploadKind::kNews) continue;
      ++attack;
      blocked += u.outcome == UploadOutcome::kBlocked;
      small_blocked += u.outcome == UploadOutcome::kBlocked && u.platform == 1;
    }
    const double* last = run.rows.data() + (sc.steps - 1) * res.columns.size();
    EXPECT_EQ(last[col("attack_uploads")], attack);
    EXPECT_DOUBLE_EQ(last[col("blocked_share")], blocked / attack);
    // small blocks nothing without access (it holds no hashes), and something with it
    if (run.arm == "no_access") {
      EXPECT_EQ(small_blocked, 0);
    } else {
      EXPECT_GT(small_blocked, 0);
    }
  }
  // uploads.csv: a header and a row per upload of every run
  const std::string csv = UploadsCsv(res);
  std::istringstream in(csv);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("arm,replicate,upload,platform,minute,kind,", 0), 0u) << header;
  size_t n = 0;
  while (std::getline(in, line)) ++n;
  EXPECT_EQ(n, rows);
  // the summary compares the arms on the world's columns
  const nlohmann::json summary = Summarize(sc, res);
  EXPECT_TRUE(summary["arms"]["access"]["difference_vs_baseline"].contains("blocked_share@small"));
}

TEST(WorldRunnerTest, CheckpointsAreRefusedWithTheReason) {
  const Scenario sc = ParseScenario(kScenario, "crisis_small.yaml");
  RunControl control;
  control.checkpoint_every = 10;
  control.checkpoint_path = "/tmp/never_written.bin";
  const InputError e = testing::CatchInputError([&] { RunScenario(sc, {}, control); });
  EXPECT_TRUE(testing::Contains(e.what(), "keeps no checkpoints yet")) << e.what();
}

}  // namespace
}  // namespace counterpoint
