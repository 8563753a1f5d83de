// The cost prediction of `counterpoint run --dry-run`: the work model against values
// worked out by hand, the calibration's scenario, and the scaling from it.
#include "experiment/cost_prediction.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "test_util.h"

namespace counterpoint {
namespace {

const std::string kRabbitHole = std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/rabbit_hole.yaml";

TEST(CostPrediction, SearchWorkByHand) {
  EXPECT_DOUBLE_EQ(SearchWork("Flat", 8, 64, 10000, 32), 320000);
  // IVF100 over 10,000 vectors: 100 centroids of 32 floats, then 8 lists of 100 vectors
  EXPECT_DOUBLE_EQ(SearchWork("IVF100,Flat", 8, 64, 10000, 32), 100 * 32 + 8 * 100 * 32);
  // PQ8 codes are 8 bytes a vector
  EXPECT_DOUBLE_EQ(SearchWork("IVF100,PQ8", 8, 64, 10000, 32), 100 * 32 + 8 * 100 * 8);
  // nprobe beyond the lists visits them all
  EXPECT_DOUBLE_EQ(SearchWork("IVF4,Flat", 8, 64, 400, 2), 4 * 2 + 4 * 100 * 2);
  // HNSW32, beam 64, 1,024 vectors of 16: 64 * 32 * log2(1024) * 16
  EXPECT_DOUBLE_EQ(SearchWork("HNSW32", 8, 64, 1024, 16), 64.0 * 32 * 10 * 16);
}

TEST(CostPrediction, TheCalibrationKeepsTheListLength) {
  // rabbit_hole: 20,000 items, IVF128, nprobe 6; calibrated at 5,000 items: 32 lists
  const Scenario sc = LoadScenario(kRabbitHole);
  const auto o = CalibrationOverrides(sc, 1000, 5000, 3);
  const std::vector<std::string> expect = {"replicates=1",
                                           "steps=3",
                                           "output.events=false",
                                           "output.graph=false",
                                           "population.n_users=1000",
                                           "catalog.n_items=5000",
                                           "index.factory=IVF32,Flat",
                                           "index.nprobe=6"};
  EXPECT_EQ(o, expect);
  // a catalog already small enough is kept, and so is its index
  const auto same = CalibrationOverrides(sc, 8192, 20000, 3);
  EXPECT_EQ(same.size(), 5u);
  EXPECT_EQ(same[4], "population.n_users=4000");
}

TEST(CostPrediction, ScalesTheCalibrationByUsersAndSearchWork) {
  // 12,000 users: calibrated at 8,192 on the same 20,000 items (work ratio 1), so each arm's
  // prediction is its measured step times 12,000 / 8,192, whatever the machine's speed
  const std::vector<std::string> sets = {"population.n_users=12000", "steps=2"};
  const Scenario sc = LoadScenario(kRabbitHole, sets);
  const CostPrediction p = PredictCost(sc, kRabbitHole, sets, {"engagement", "relevance"});
  ASSERT_EQ(p.arms.size(), 2u);
  EXPECT_EQ(p.calibration_users, 8192);
  // the full catalog is the calibration's: the fitted search time is the measured one
  EXPECT_NEAR(p.search_work_ratio, 1.0, 1e-9);
  // the full run's 128 lists are the first calibration's: the second has four times as many
  EXPECT_EQ(p.calibration_factory, "IVF128,Flat and IVF512,Flat");
  for (const ArmCost& a : p.arms) {
    EXPECT_GT(a.calibration_seconds_per_step, 0);
    EXPECT_NEAR(a.seconds_per_step / a.calibration_seconds_per_step, 12000.0 / 8192, 1e-9) << a.arm;
  }
  EXPECT_NEAR(p.seconds_per_step, (p.arms[0].seconds_per_step + p.arms[1].seconds_per_step) / 2, 1e-12);
  // the peak is the memory estimate's plus what the program held before the calibration
  EXPECT_GT(p.program_bytes, 0);
  EXPECT_DOUBLE_EQ(p.peak_bytes, EstimateMemory(sc, *EstimateCatalogShape(sc)).total + p.program_bytes);
}

TEST(CostPrediction, TheCliPrintsALineScriptsCanReadAndWritesNothing) {
  const std::string out = ::testing::TempDir() + "counterpoint_dry_run_" + std::to_string(::getpid());
  const auto r = testing::RunCommand(std::string(COUNTERPOINT_CLI) + " run " + kRabbitHole +
                                     " --dry-run --threads 1 --arms engagement --out " + out +
                                     " --set population.n_users=50000 catalog.n_items=100000");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(\npredicted: ([0-9.]+) s/step, ([0-9.]+) GiB peak\n)")))
      << r.output;
  EXPECT_GT(std::stod(m[1]), 0);
  EXPECT_GT(std::stod(m[2]), 0);
  // 100,000 items calibrated at 20,000 with IVF128 -> IVF26 (lists of ~770 kept), then
  // with the full run's 128 lists
  EXPECT_NE(r.output.find("index IVF26,Flat and IVF128,Flat"), std::string::npos) << r.output;
  // a dry run cannot resume
  const auto bad = testing::RunCommand(std::string(COUNTERPOINT_CLI) + " run --dry-run --resume /tmp");
  EXPECT_NE(bad.status, 0);
}

}  // namespace
}  // namespace counterpoint
