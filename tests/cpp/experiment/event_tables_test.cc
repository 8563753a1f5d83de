// items.csv and users.csv: one row per item and per user of each replicate the run holds,
// in the catalog's and the population's own values; the at-risk flag follows the
// counter_narrative_reach observer's parameters.
#include "experiment/event_tables.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/io.h"
#include "core/rng.h"
#include "experiment/runner.h"

namespace counterpoint {
namespace {

const char* kTiny = R"(
name: tables
seed: 3
steps: 1
replicates: 2
catalog: {type: synthetic, n_items: 500, dim: 8, n_topics: 4, share_extremist: 0.05, new_item_share: 0.2,
          upload_horizon: 4, reupload_pool: 0.5, reupload_copies: 2}
index: {factory: Flat}
population: {n_users: 200}
recommender: {candidates: 20, slate_size: 4}
observers: [exposure, {type: counter_narrative_reach, extremity_quantile: 0.5, appetite_threshold: 1.0}]
arms: [{name: a}]
)";

// a table's text, read back through the CSV reader
CsvTable Parse(const std::string& text, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() / (name + "." + std::to_string(getpid()));
  std::ofstream(path) << text;
  CsvTable t = ReadCsv(path.string());
  std::filesystem::remove(path);
  return t;
}

// a result naming replicates 0 and 1 (the tables read only which replicates it holds)
RunResult TwoReplicates() {
  RunResult r;
  r.runs.resize(2);
  r.runs[1].replicate = 1;
  return r;
}

TEST(EventTablesTest, ItemsCsvHoldsEveryItemOfEachReplicatesCatalog) {
  const Scenario sc = ParseScenario(kTiny, "tables.yaml");
  const CsvTable t = Parse(ItemsCsv(ReplicateCatalogs(sc, TwoReplicates())), "items.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"replicate", "item", "label", "topic", "extremity", "harm_score",
                                                "parent", "upload_step", "creator"}));
  size_t row = 0;
  for (int r = 0; r < 2; ++r) {
    const IndexedCatalog world = BuildIndexedCatalog(sc, DeriveSeed(sc.seed, r));
    const Catalog& cat = *world.catalog;
    int64_t copies = 0;
    for (int64_t i = 0; i < cat.size(); ++i, ++row) {
      ASSERT_LT(row, t.rows.size());
      const auto& cells = t.rows[row];
      EXPECT_EQ(cells[0], std::to_string(r));
      EXPECT_EQ(cells[1], std::to_string(i));
      EXPECT_EQ(cells[2], LabelName(cat.label(i)));
      EXPECT_FLOAT_EQ(std::stof(cells[4]), cat.extremity(i));
      EXPECT_FLOAT_EQ(std::stof(cells[5]), cat.harm_score(i));
      EXPECT_EQ(cells[6], cat.parent(i) >= 0 ? std::to_string(cat.parent(i)) : "");
      // a copy is uploaded on demand: no upload step
      EXPECT_EQ(cells[7].empty(), cat.upload_step(i) == kUploadOnDemand);
      copies += cat.parent(i) >= 0;
    }
    EXPECT_GT(copies, 0);
  }
  EXPECT_EQ(row, t.rows.size());
}

TEST(EventTablesTest, UsersCsvFlagsAtRiskByTheObserversRule) {
  // extremity_quantile 0.5 and an appetite threshold no Beta draw reaches: exactly the
  // users at or above the median projection, 100 of 200 (the draws are continuous)
  const Scenario sc = ParseScenario(kTiny, "tables.yaml");
  const CsvTable t = Parse(UsersCsv(sc, ReplicateCatalogs(sc, TwoReplicates())), "users.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"replicate", "user", "at_risk", "extremity_projection", "appetite",
                                                "receptivity", "susceptibility", "session_prob"}));
  ASSERT_EQ(t.rows.size(), 400u);
  int at_risk[2] = {0, 0};
  double min_in[2] = {1e9, 1e9}, max_out[2] = {-1e9, -1e9};
  for (const auto& cells : t.rows) {
    const int r = std::stoi(cells[0]);
    const double z = std::stod(cells[3]);
    if (cells[2] == "1")
      ++at_risk[r], min_in[r] = std::min(min_in[r], z);
    else
      max_out[r] = std::max(max_out[r], z);
  }
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(at_risk[r], 100) << "replicate " << r;
    EXPECT_GT(min_in[r], max_out[r]) << "replicate " << r;  // the flag splits the projections
  }
}

}  // namespace
}  // namespace counterpoint
