// impressions.csv and moderation.csv: every figure in metrics.csv and summary.json that
// counts impressions, clicks, dismissals, uploads, removals or blocks agrees exactly with
// a recount from the event logs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/io.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"

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
output: {events: true, compress_events: false}
)",
                                    "events.yaml");
  const RunResult res = RunScenario(sc);
  const fs::path dir = fs::temp_directory_path() / ("counterpoint_events_" + std::to_string(getpid()));
  WriteOutputs(dir.string(), sc, res, 1);
  // compress_events: false writes plain CSV (the other test reads the default, gzip)
  EXPECT_FALSE(fs::exists(dir / "impressions.csv.gz"));
  const CsvTable impr = ReadCsv((dir / "impressions.csv").string());
  const CsvTable mod = ReadCsv((dir / "moderation.csv").string());
  const CsvTable metrics = ReadCsv((dir / "metrics.csv").string());
  // labels and upload steps of each replicate's catalog, rebuilt independently of the run
  std::map<int, std::shared_ptr<const Catalog>> catalogs;
  for (int r = 0; r < sc.replicates; ++r) catalogs[r] = BuildIndexedCatalog(sc, res.runs[2 * r].seed).catalog;

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

// a recount of one (arm, replicate, step) cell from the logs: impressions.csv per slot,
// moderation.csv per event
struct Recount {
  double injected = 0, injected_clicks = 0, dismissed = 0;
  std::map<int64_t, double> org_injected;
  double removed = 0, removed_harmful = 0, restored = 0, within_hour = 0, impressions_before_removal = 0;
  double cleared = 0, cleared_harmful = 0;
  double organic = 0, organic_harmful = 0, shown = 0, shown_harmful = 0, news_clicks = 0;
  double hash_blocked = 0, hash_blocked_legitimate = 0, reuploaded = 0;
};

TEST(EventLogTest, InterventionMetricsAgreeWithARecountFromTheLogs) {
  // every intervention that counts impressions or moderation events, together in one arm
  const Scenario sc = ParseScenario(R"(
name: events_interventions
seed: 17
steps: 10
replicates: 2
catalog: {type: synthetic, n_items: 3000, dim: 8, n_topics: 4, share_borderline: 0.08, share_extremist: 0.05,
          share_counter_narrative: 0.05, share_news_reporting: 0.05, n_organisations: 2, new_item_share: 0.3,
          upload_horizon: 6, reupload_pool: 0.5, reupload_copies: 3}
index: {factory: Flat}
population: {n_users: 300}
user_model: {type: logit, extremity_appeal: 6.0, dismiss_utility: 3.0}
recommender: {candidates: 40, slate_size: 6}
arms:
  - name: control
  - name: all
    interventions:
      - {type: counter_narrative_injection, targeting: everyone, slots: [1], cap_impressions: 2, cap_steps: 4,
         budget_per_step: 120}
      - {type: not_interested, probability: 0.5}
      - {type: moderation, latency_steps: 1, steps_per_hour: 2, flagger_recall: 0.5, flagger_precision: 0.9,
         flagger_latency_steps: 2, appeal_success: 0.7, appeal_delay_steps: 2, review_false_positive: 0.5,
         review_false_negative: 0.2}
      - {type: reuploads, delay: 1, probability: 0.9}
      - {type: hash_sharing, match_threshold: 31, seed_share: 0.3}
output: {events: true}
)",
                                    "events_interventions.yaml");
  const int64_t kStepsPerHour = 2;
  const RunResult res = RunScenario(sc);
  const fs::path dir = fs::temp_directory_path() / ("counterpoint_events_iv_" + std::to_string(getpid()));
  WriteOutputs(dir.string(), sc, res, 1);
  const CsvTable impr = ReadCsv((dir / "impressions.csv.gz").string());
  const CsvTable mod = ReadCsv((dir / "moderation.csv.gz").string());
  const CsvTable metrics = ReadCsv((dir / "metrics.csv").string());
  std::ifstream summary_file(dir / "summary.json");
  const nlohmann::json summary = nlohmann::json::parse(summary_file);
  std::map<int, std::shared_ptr<const Catalog>> catalogs;
  for (int r = 0; r < sc.replicates; ++r) catalogs[r] = BuildIndexedCatalog(sc, res.runs[2 * r].seed).catalog;

  using Key = std::tuple<std::string, int, int64_t>;
  std::map<Key, Recount> cells;
  // impressions: injected slots, their clicks and organisations, dismissals, users reached so far
  std::map<std::tuple<std::string, int, int64_t>, std::vector<int64_t>> item_steps;  // (arm, rep, item) -> steps shown
  const int i_step = impr.RequireColumn("step"), i_arm = impr.RequireColumn("arm"),
            i_rep = impr.RequireColumn("replicate"), i_user = impr.RequireColumn("user"),
            i_item = impr.RequireColumn("item"), i_src = impr.RequireColumn("source"),
            i_org = impr.RequireColumn("organisation"), i_click = impr.RequireColumn("clicked"),
            i_dis = impr.RequireColumn("dismissed");
  for (size_t i = 0; i < impr.rows.size(); ++i) {
    const std::string& arm = impr.rows[i][i_arm];
    const int rep = static_cast<int>(CsvInt(impr, i, i_rep));
    const int64_t step = CsvInt(impr, i, i_step), item = CsvInt(impr, i, i_item);
    Recount& c = cells[{arm, rep, step}];
    item_steps[{arm, rep, item}].push_back(step);
    c.dismissed += CsvInt(impr, i, i_dis);
    const bool harmful = IsHarmful(catalogs[rep]->label(item)), injected = impr.rows[i][i_src] == "injected";
    c.shown += 1, c.shown_harmful += harmful;
    c.organic += !injected, c.organic_harmful += harmful && !injected;
    c.news_clicks += CsvInt(impr, i, i_click) && catalogs[rep]->label(item) == Label::kNewsReporting;
    if (!injected) continue;
    ASSERT_EQ(catalogs[rep]->label(item), Label::kCounterNarrative);
    c.injected += 1;
    c.injected_clicks += CsvInt(impr, i, i_click);
    c.org_injected[CsvInt(impr, i, i_org)] += 1;
  }
  // users reached so far: cumulative over steps (the log is in step order within a run)
  std::map<std::pair<std::string, int>, std::set<int64_t>> so_far;
  std::map<std::pair<std::string, int>, std::map<int64_t, double>> reached_by;  // step -> reached by its end
  for (size_t i = 0; i < impr.rows.size(); ++i) {
    if (impr.rows[i][i_src] != "injected") continue;
    const std::pair<std::string, int> run{impr.rows[i][i_arm], static_cast<int>(CsvInt(impr, i, i_rep))};
    so_far[run].insert(CsvInt(impr, i, i_user));
    reached_by[run][CsvInt(impr, i, i_step)] = static_cast<double>(so_far[run].size());
  }
  auto reached_until = [&](const std::string& arm, int rep, int64_t step) {
    const auto& by = reached_by[{arm, rep}];
    auto it = by.upper_bound(step);
    return it == by.begin() ? 0.0 : std::prev(it)->second;
  };
  // moderation events
  const int m_step = mod.RequireColumn("step"), m_arm = mod.RequireColumn("arm"),
            m_rep = mod.RequireColumn("replicate"), m_item = mod.RequireColumn("item"),
            m_event = mod.RequireColumn("event"), m_channel = mod.RequireColumn("channel"),
            m_latency = mod.RequireColumn("latency_steps");
  for (size_t i = 0; i < mod.rows.size(); ++i) {
    const std::string& arm = mod.rows[i][m_arm];
    const int rep = static_cast<int>(CsvInt(mod, i, m_rep));
    const int64_t step = CsvInt(mod, i, m_step), item = CsvInt(mod, i, m_item);
    const std::string& event = mod.rows[i][m_event];
    const bool harmful = IsHarmful(catalogs[rep]->label(item));
    const bool copy = catalogs[rep]->parent(item) >= 0;
    Recount& c = cells[{arm, rep, step}];
    if (event == "removed") {
      c.removed += 1;
      c.removed_harmful += harmful;
      // visible from its step s to the removal step t: t - s + 1 = latency + 1 steps
      c.within_hour += CsvInt(mod, i, m_latency) + 1 <= kStepsPerHour;
      // its impressions in any slot up to the removal step (removals act from step + 1)
      for (int64_t s : item_steps[{arm, rep, item}]) c.impressions_before_removal += s <= step;
    } else if (event == "cleared") {
      c.cleared += 1;
      c.cleared_harmful += harmful;
    } else if (event == "restored") {
      c.restored += 1;
    } else if (event == "blocked") {
      EXPECT_EQ(mod.rows[i][m_channel], "hash_match");
      c.hash_blocked += 1;
      c.hash_blocked_legitimate += !harmful;
      c.reuploaded += copy;  // a copy counts as re-uploaded on arrival, before screening
    } else if (event == "reuploaded") {
      EXPECT_TRUE(copy);
      c.reuploaded += 1;
    }
  }
  // the logs hold each kind of event at least once, so every comparison below can fail
  double total_injected = 0, total_dismissed = 0, total_removed = 0, total_restored = 0, total_blocked = 0,
         total_reuploaded = 0, total_cleared = 0;
  for (const auto& [k, c] : cells) {
    total_injected += c.injected;
    total_dismissed += c.dismissed;
    total_removed += c.removed;
    total_restored += c.restored;
    total_cleared += c.cleared;
    total_blocked += c.hash_blocked;
    total_reuploaded += c.reuploaded;
  }
  EXPECT_GT(total_injected, 0);
  EXPECT_GT(total_dismissed, 0);
  EXPECT_GT(total_removed, 0);
  EXPECT_GT(total_restored, 0);
  EXPECT_GT(total_cleared, 0);
  EXPECT_GT(total_blocked, 0);
  EXPECT_GT(total_reuploaded, 0);

  const int c_step = metrics.RequireColumn("step"), c_arm = metrics.RequireColumn("arm"),
            c_rep = metrics.RequireColumn("replicate");
  std::vector<int> org_cols;
  std::vector<int64_t> org_ids;
  for (size_t c = 0; c < metrics.header.size(); ++c) {
    const std::string& h = metrics.header[c];
    if (h.rfind("cn_org", 0) == 0 && h.size() > 18 && h.substr(h.size() - 12) == "_impressions") {
      org_cols.push_back(static_cast<int>(c));
      org_ids.push_back(std::stoll(h.substr(6, h.size() - 18)));
    }
  }
  ASSERT_EQ(org_cols.size(), 2u);
  const std::vector<std::string> counted = {"cn_injected_impressions",
                                            "cn_injected_clicks",
                                            "cn_users_reached",
                                            "nim_dismissals",
                                            "mod_removed",
                                            "mod_removed_harmful",
                                            "mod_removed_legitimate",
                                            "mod_restored",
                                            "mod_impressions_before_removal",
                                            "mod_cleared",
                                            "mod_cleared_harmful",
                                            "mod_removed_total",
                                            "mod_removed_harmful_total",
                                            "mod_within_hour_total",
                                            "mod_restored_total",
                                            "hash_blocked_total",
                                            "ru_reuploaded_total",
                                            "cn_injected_impressions_total",
                                            "cn_injected_clicks_total",
                                            "nim_dismissals_total",
                                            "hash_blocked",
                                            "hash_blocked_legitimate",
                                            "ru_reuploaded"};
  // the final step's recounts per arm, to check summary.json's means
  std::map<std::string, std::map<std::string, std::vector<double>>> final_recount;
  for (size_t i = 0; i < metrics.rows.size(); ++i) {
    const std::string& arm = metrics.rows[i][c_arm];
    const int rep = static_cast<int>(CsvInt(metrics, i, c_rep));
    const int64_t step = CsvInt(metrics, i, c_step);
    const Recount& c = cells[{arm, rep, step}];
    // since the start: the cells of steps 0..step
    Recount total;
    for (int64_t s0 = 0; s0 <= step; ++s0) {
      const Recount& e = cells[{arm, rep, s0}];
      total.removed += e.removed, total.removed_harmful += e.removed_harmful, total.within_hour += e.within_hour;
      total.restored += e.restored, total.hash_blocked += e.hash_blocked, total.reuploaded += e.reuploaded;
      total.injected += e.injected, total.injected_clicks += e.injected_clicks, total.dismissed += e.dismissed;
      total.news_clicks += e.news_clicks, total.shown_harmful += e.shown_harmful;
    }
    const std::map<std::string, double> expected = {{"mod_cleared", c.cleared},
                                                    {"mod_cleared_harmful", c.cleared_harmful},
                                                    {"mod_removed_total", total.removed},
                                                    {"mod_removed_harmful_total", total.removed_harmful},
                                                    {"mod_within_hour_total", total.within_hour},
                                                    {"mod_restored_total", total.restored},
                                                    {"hash_blocked_total", total.hash_blocked},
                                                    {"ru_reuploaded_total", total.reuploaded},
                                                    {"cn_injected_impressions_total", total.injected},
                                                    {"cn_injected_clicks_total", total.injected_clicks},
                                                    {"nim_dismissals_total", total.dismissed},
                                                    {"cn_injected_impressions", c.injected},
                                                    {"cn_injected_clicks", c.injected_clicks},
                                                    {"cn_users_reached", reached_until(arm, rep, step)},
                                                    {"nim_dismissals", c.dismissed},
                                                    {"mod_removed", c.removed},
                                                    {"mod_removed_harmful", c.removed_harmful},
                                                    {"mod_removed_legitimate", c.removed - c.removed_harmful},
                                                    {"mod_restored", c.restored},
                                                    {"mod_impressions_before_removal", c.impressions_before_removal},
                                                    {"hash_blocked", c.hash_blocked},
                                                    {"hash_blocked_legitimate", c.hash_blocked_legitimate},
                                                    {"ru_reuploaded", c.reuploaded}};
    for (const std::string& name : counted) {
      const int col = metrics.RequireColumn(name);
      if (arm == "control") {
        // the control arm has no interventions: it counted nothing, 0 (not an empty cell)
        EXPECT_EQ(metrics.rows[i][col], "0") << name;
        continue;
      }
      EXPECT_EQ(CsvDouble(metrics, i, col), expected.at(name)) << name << " step " << step << " rep " << rep;
      if (step == sc.steps - 1) final_recount[arm][name].push_back(expected.at(name));
    }
    // harmful exposure over all slots and over the ranker's (organic) slots only
    EXPECT_NEAR(CsvDouble(metrics, i, metrics.RequireColumn("harmful_exposure_share")), c.shown_harmful / c.shown,
                1e-8);
    EXPECT_NEAR(CsvDouble(metrics, i, metrics.RequireColumn("harmful_exposure_share_organic")),
                c.organic_harmful / c.organic, 1e-8);
    // news read since the start, per user (300 users)
    EXPECT_NEAR(CsvDouble(metrics, i, metrics.RequireColumn("news_clicks_per_user_cumulative")),
                total.news_clicks / 300.0, 1e-8);
    EXPECT_NEAR(CsvDouble(metrics, i, metrics.RequireColumn("harmful_impressions_per_user_cumulative")),
                total.shown_harmful / 300.0, 1e-8);
    if (arm == "control") {
      // shares of what an absent intervention did: not applicable, an empty cell
      for (const char* na : {"cn_injected_ctr", "mod_removed_within_hour_share"})
        EXPECT_EQ(metrics.rows[i][metrics.RequireColumn(na)], "") << na;
      continue;
    }
    // shares: the ratio of two counts; empty when the denominator is 0
    const int ctr = metrics.RequireColumn("cn_injected_ctr"),
              hour = metrics.RequireColumn("mod_removed_within_hour_share");
    if (c.injected > 0)
      EXPECT_NEAR(CsvDouble(metrics, i, ctr), c.injected_clicks / c.injected, 1e-8);
    else
      EXPECT_EQ(metrics.rows[i][ctr], "");
    if (c.removed > 0)
      EXPECT_NEAR(CsvDouble(metrics, i, hour), c.within_hour / c.removed, 1e-8);
    else
      EXPECT_EQ(metrics.rows[i][hour], "");
    for (size_t o = 0; o < org_cols.size(); ++o) {
      const auto it = c.org_injected.find(org_ids[o]);
      EXPECT_EQ(CsvDouble(metrics, i, org_cols[o]), it == c.org_injected.end() ? 0.0 : it->second);
    }
  }
  // summary.json: the final-step mean over replicates of each counted figure
  for (const auto& [name, values] : final_recount["all"]) {
    ASSERT_EQ(values.size(), 2u);
    EXPECT_DOUBLE_EQ(summary["arms"]["all"]["final"][name]["mean"].get<double>(), (values[0] + values[1]) / 2) << name;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace counterpoint
