// impressions.csv and moderation.csv: every figure in metrics.csv that counts
// impressions, clicks or uploads agrees exactly with a recount from the event logs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "core/io.h"
#include "simulator/runner.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

TEST(EventLogTest, MetricsAgreeWithARecountFromTheLogs) {
  const Scenario sc = ParseScenario(R"(
name: events
seed: 9
steps: 6
replicates: 2
catalog: {type: synthetic, n_items: 1500, dim: 8, n_topics: 4, new_item_share: 0.3, upload_horizon: 4}
index: {factory: Flat}
population: {n_users: 200}
recommender: {candidates: 40, slate_size: 6}
arms:
  - name: engagement
  - name: relevance
    ranker: relevance
output: {events: true}
)",
                                    "events.yaml");
  const RunResult res = RunScenario(sc);
  const fs::path dir = fs::temp_directory_path() / ("counterpoint_events_" + std::to_string(getpid()));
  WriteOutputs(dir.string(), sc, res, 1);
  const CsvTable impr = ReadCsv((dir / "impressions.csv").string());
  const CsvTable mod = ReadCsv((dir / "moderation.csv").string());
  const CsvTable metrics = ReadCsv((dir / "metrics.csv").string());
  // labels and upload steps of each replicate's catalog, rebuilt independently of the run
  std::map<int, std::shared_ptr<const Catalog>> catalogs;
  for (int r = 0; r < sc.replicates; ++r) catalogs[r] = BuildWorld(sc, res.runs[2 * r].seed).catalog;

  // recount per (arm, replicate, step): impressions, harmful impressions, news, clicks, users with a session
  using Key = std::tuple<std::string, int, int64_t>;
  std::map<Key, double> shown, harmful, news, clicks, uploads;
  std::map<Key, std::set<int64_t>> users;
  const int i_step = impr.RequireColumn("step"), i_arm = impr.RequireColumn("arm"),
            i_rep = impr.RequireColumn("replicate"), i_user = impr.RequireColumn("user"),
            i_item = impr.RequireColumn("item"), i_src = impr.RequireColumn("source"),
            i_click = impr.RequireColumn("clicked");
  for (size_t i = 0; i < impr.rows.size(); ++i) {
    const int rep = static_cast<int>(CsvInt(impr, i, i_rep));
    const Key k{impr.rows[i][i_arm], rep, CsvInt(impr, i, i_step)};
    const Label l = catalogs[rep]->label(CsvInt(impr, i, i_item));
    EXPECT_EQ(impr.rows[i][i_src], "organic");  // no intervention injects here
    shown[k] += 1;
    harmful[k] += IsHarmful(l);
    news[k] += l == Label::kNewsReporting;
    clicks[k] += CsvInt(impr, i, i_click);
    users[k].insert(CsvInt(impr, i, i_user));
  }
  const int m_step = mod.RequireColumn("step"), m_arm = mod.RequireColumn("arm"),
            m_rep = mod.RequireColumn("replicate"), m_item = mod.RequireColumn("item"),
            m_event = mod.RequireColumn("event");
  for (size_t i = 0; i < mod.rows.size(); ++i) {
    const int rep = static_cast<int>(CsvInt(mod, i, m_rep));
    ASSERT_EQ(mod.rows[i][m_event], "uploaded");
    EXPECT_EQ(catalogs[rep]->upload_step(CsvInt(mod, i, m_item)), CsvInt(mod, i, m_step));
    uploads[{mod.rows[i][m_arm], rep, CsvInt(mod, i, m_step)}] += 1;
  }
  const int c_step = metrics.RequireColumn("step"), c_arm = metrics.RequireColumn("arm"),
            c_rep = metrics.RequireColumn("replicate"), c_harm = metrics.RequireColumn("harmful_exposure_share"),
            c_news = metrics.RequireColumn("news_exposure_share"), c_cps = metrics.RequireColumn("clicks_per_session"),
            c_active = metrics.RequireColumn("active_share");
  for (size_t i = 0; i < metrics.rows.size(); ++i) {
    const int rep = static_cast<int>(CsvInt(metrics, i, c_rep));
    const int64_t step = CsvInt(metrics, i, c_step);
    const Key k{metrics.rows[i][c_arm], rep, step};
    ASSERT_GT(shown[k], 0);
    // metrics.csv holds 9 significant digits
    EXPECT_NEAR(CsvDouble(metrics, i, c_harm), harmful[k] / shown[k], 1e-8);
    EXPECT_NEAR(CsvDouble(metrics, i, c_news), news[k] / shown[k], 1e-8);
    EXPECT_NEAR(CsvDouble(metrics, i, c_active), users[k].size() / 200.0, 1e-8);
    EXPECT_NEAR(CsvDouble(metrics, i, c_cps), clicks[k] / users[k].size(), 1e-8);
    // uploads: every item due at this step (1..horizon) is logged once
    int64_t due = 0;
    for (int64_t it = 0; it < catalogs[rep]->size(); ++it) due += step > 0 && catalogs[rep]->upload_step(it) == step;
    EXPECT_EQ(uploads[k], due) << "step " << step;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace counterpoint
