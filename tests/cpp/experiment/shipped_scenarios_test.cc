// Shipped scenarios by name: a path wins, a name finds the first directory's file, and a
// miss names where it looked.
#include "experiment/shipped_scenarios.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

fs::path Dir(const std::string& name) { return testing::FreshTempDir("shipped_" + name); }

TEST(ShippedScenariosTest, NamesResolveInTheFirstDirectoryThatHasThem) {
  const fs::path first = Dir("first"), second = Dir("second");
  std::ofstream(first / "alpha.yaml") << "description: Alpha from the first\n";
  std::ofstream(second / "alpha.yaml") << "description: Alpha from the second\n";
  std::ofstream(second / "beta.yaml") << "steps: 3\n";
  std::ofstream(second / "notes.txt") << "not a scenario\n";
  const std::vector<std::string> dirs = {first.string(), second.string()};
  EXPECT_EQ(ResolveScenarioPath("alpha", dirs), (first / "alpha.yaml").string());
  EXPECT_EQ(ResolveScenarioPath("alpha.yaml", dirs), (first / "alpha.yaml").string());
  EXPECT_EQ(ResolveScenarioPath("beta", dirs), (second / "beta.yaml").string());
  const auto listed = ListShippedScenarios(dirs);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "alpha");
  EXPECT_EQ(listed[0].description, "Alpha from the first");
  EXPECT_EQ(listed[1].name, "beta");
  EXPECT_EQ(listed[1].description, "");
  // a path wins over a name
  const fs::path here = Dir("here");
  std::ofstream(here / "alpha.yaml") << "steps: 1\n";
  EXPECT_EQ(ResolveScenarioPath((here / "alpha.yaml").string(), dirs), (here / "alpha.yaml").string());
  for (const auto& d : {first, second, here}) fs::remove_all(d);
}

TEST(ShippedScenariosTest, AMissNamesThePathTheDirectoryAndTheNames) {
  const fs::path dir = Dir("miss");
  std::ofstream(dir / "gamma.yaml") << "steps: 2\n";
  try {
    ResolveScenarioPath("sub/nope.yaml", {dir.string()});
    FAIL() << "a missing scenario was resolved";
  } catch (const FileNotFound& e) {
    const std::string msg = e.what();
    for (const std::string& part : {(fs::current_path() / "sub/nope.yaml").string(), fs::current_path().string(),
                                    std::string("gamma"), std::string("counterpoint list scenarios")})
      EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  }
  // a name with a directory part is a path, never a shipped name
  EXPECT_THROW(ResolveScenarioPath("x/gamma", {dir.string()}), FileNotFound);
  fs::remove_all(dir);
}

TEST(ShippedScenariosTest, TheCheckoutsScenariosAreFoundByName) {
  const std::string path = ResolveScenarioPath("rabbit_hole");
  EXPECT_EQ(fs::path(path).filename(), "rabbit_hole.yaml");
  EXPECT_TRUE(fs::is_regular_file(path));
  bool listed = false;
  for (const auto& s : ListShippedScenarios())
    if (s.name == "rabbit_hole") listed = !s.description.empty();
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace counterpoint
