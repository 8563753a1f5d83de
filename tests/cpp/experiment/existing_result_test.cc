// A directory's earlier result is found from its manifest, refused with its description,
// and stepped around with a timestamped sibling.
#include "experiment/existing_result.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

fs::path Fresh(const std::string& name) { return testing::FreshTempDir("existing_" + name); }

void Manifest(const fs::path& dir, const std::string& text) {
  fs::create_directories(dir);
  std::ofstream(dir / "manifest.json") << text;
}

TEST(ExistingResultTest, AManifestIsAResultAndSaysWhichRun) {
  const fs::path dir = Fresh("found");
  EXPECT_FALSE(FindExistingResult(dir.string()));
  EXPECT_FALSE(FindExistingResult((dir / "missing").string()));
  // other files alone are not a result
  std::ofstream(dir / "metrics.csv") << "step\n";
  EXPECT_FALSE(FindExistingResult(dir.string()));
  Manifest(dir, R"({"resolved_scenario": {"name": "rabbit_hole"}, "finished_utc": "2026-12-06T15:24:00Z",
                    "status": "complete"})");
  const auto found = FindExistingResult(dir.string());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->scenario, "rabbit_hole");
  EXPECT_EQ(found->finished, "2026-12-06T15:24:00Z");
  EXPECT_EQ(found->status, "complete");
  // a damaged manifest is still someone's result
  Manifest(dir, "{\"status\": ");
  const auto damaged = FindExistingResult(dir.string());
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->status, "unknown");
  fs::remove_all(dir);
}

TEST(ExistingResultTest, RefusalNamesTheRunAndTheWaysForward) {
  const fs::path dir = Fresh("refuse");
  EXPECT_NO_THROW(RefuseToOverwrite(dir.string(), "--out", "--overwrite"));
  Manifest(dir, R"({"resolved_scenario": {"name": "ngo_reach"}, "finished_utc": "2026-12-05T08:00:00Z",
                    "status": "partial"})");
  try {
    RefuseToOverwrite(dir.string(), "--out", "--overwrite");
    FAIL() << "a directory holding a result was not refused";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    for (const std::string& part :
         {std::string("--out"), dir.string(), std::string("ngo_reach"), std::string("2026-12-05T08:00:00Z"),
          std::string("--overwrite"), std::string("--resume")})
      EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  }
  fs::remove_all(dir);
}

TEST(ExistingResultTest, AFreshSiblingIsStampedWithTheTime) {
  const fs::path dir = Fresh("fresh");
  // 1796570640 s = 2026-12-06 15:24:00 UTC
  const long long t = 1796570640;
  EXPECT_EQ(FreshOutputDir(dir.string(), t), dir.string());
  Manifest(dir, "{}");
  const std::string stamped = dir.string() + "-20261206-152400";
  EXPECT_EQ(FreshOutputDir(dir.string(), t), stamped);
  EXPECT_EQ(FreshOutputDir(dir.string() + "/", t), stamped);
  // taken (by anything): the next number
  fs::create_directories(stamped);
  EXPECT_EQ(FreshOutputDir(dir.string(), t), stamped + "-2");
  fs::create_directories(stamped + "-2");
  EXPECT_EQ(FreshOutputDir(dir.string(), t), stamped + "-3");
  for (const std::string& d : {dir.string(), stamped, stamped + "-2"}) fs::remove_all(d);
}

}  // namespace
}  // namespace counterpoint
