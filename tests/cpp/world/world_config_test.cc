#include "world/world_config.h"

#include <gtest/gtest.h>

#include <string>

#include "experiment/scenario.h"
#include "test_util.h"

namespace counterpoint {
namespace {

const char* kWorld = R"(minutes_per_step: 2
platforms:
  - {name: big, upload_share: 0.9, database_access: member, contributes: true}
  - {name: small, upload_share: 0.1, hash_screening: false}
incident: {origin: big, uploads_per_minute: 10}
hash_database: {radius: 31, contribution_delay_minutes: 60}
)";

TEST(WorldConfigTest, AnArmsKeysMergeOverTheBaseWithoutChangingIt) {
  const YAML::Node base = YAML::Load(kWorld);
  const std::string before = YAML::Dump(base);
  const YAML::Node arm = YAML::Load(
      "platforms: [{name: small, hash_screening: true, database_access: intermediary}, "
      "{name: extra, upload_share: 0}]\nhash_database: {contribution_delay_minutes: 5}\n");
  DiagnosticList diags;
  const WorldConfig w = ValidateWorld(MergeWorld(base, arm), "w.yaml", "world", diags);
  diags.ThrowIfAny();
  EXPECT_EQ(YAML::Dump(base), before);  // the scenario's block is as it was for the next arm
  ASSERT_EQ(w.platforms.size(), 3u);
  EXPECT_EQ(w.platforms[0].name, "big");
  EXPECT_EQ(w.platforms[0].access, DatabaseAccess::kMember);
  EXPECT_EQ(w.platforms[1].name, "small");
  EXPECT_TRUE(w.platforms[1].hash_screening);
  EXPECT_EQ(w.platforms[1].access, DatabaseAccess::kIntermediary);
  EXPECT_DOUBLE_EQ(w.platforms[1].upload_share, 0.1);  // kept from the base
  EXPECT_EQ(w.platforms[2].name, "extra");
  EXPECT_EQ(w.database.contribution_delay_minutes, 5);
  EXPECT_EQ(w.database.radius, 31);
  EXPECT_EQ(w.minutes_per_step, 2);
  EXPECT_EQ(w.Platform("small"), 1);
  EXPECT_EQ(w.Platform("none"), -1);
}

std::string ErrorOf(const std::string& yaml) {
  const InputError e = testing::CatchInputError([&] {
    DiagnosticList diags;
    ValidateWorld(YAML::Load(yaml), "w.yaml", "world", diags);
    diags.ThrowIfAny();
  });
  return e.what();
}

TEST(WorldConfigTest, BadWorldsAreNamedWithTheirFix) {
  std::string e = ErrorOf("platforms: [{name: a, upload_share: 1}]\nincident: {origin: b, uploads_per_minute: 1}\n");
  EXPECT_TRUE(testing::Contains(e, "w.yaml:2:")) << e;
  EXPECT_TRUE(testing::Contains(e, "no platform 'b'; name one of a")) << e;
  e = ErrorOf(
      "platforms: [{name: a, upload_share: 0.5}, {name: b, upload_share: 0.4}]\n"
      "incident: {origin: a, uploads_per_minute: 1}\n");
  EXPECT_TRUE(testing::Contains(e, "upload_share values sum to 0.9")) << e;
  e = ErrorOf("platforms: [{name: a, upload_share: 1}, {name: a}]\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "duplicate platform name 'a'")) << e;
  e = ErrorOf("platforms: [{name: 'a b', upload_share: 1}]\nincident: {origin: 'a b'}\n");
  EXPECT_TRUE(testing::Contains(e, "use letters, digits and _")) << e;
  e = ErrorOf("platforms: [{name: a}]\nincident: {origin: a, crop_share: 0.7, overlay_share: 0.5}\n");
  EXPECT_TRUE(testing::Contains(e, "crop_share + overlay_share is 1.2")) << e;
  e = ErrorOf("platforms: []\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "expected a non-empty list of platforms")) << e;
  e = ErrorOf("platforms: [{name: a, databse_access: member}]\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "unknown key 'databse_access'")) << e;
  e = ErrorOf("platforms: [{name: a, database_access: partner}]\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "member")) << e;
  e = ErrorOf("minutes_per_step: 10\nplatforms: [{name: a}]\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "minutes_per_step")) << e;
  // removal orders from several authorities: each names platforms that exist, once
  e = ErrorOf(
      "platforms: [{name: a}]\nincident: {origin: a}\n"
      "removal_orders:\n  authorities:\n    - {name: iru, platforms: [a, small]}\n");
  EXPECT_TRUE(testing::Contains(e, "w.yaml:5:")) << e;
  EXPECT_TRUE(testing::Contains(e, "removal_orders.authorities[0].platforms: no platform 'small'; name one of a")) << e;
  e = ErrorOf("platforms: [{name: a}]\nincident: {origin: a}\nremoval_orders: {authorities: [{name: authority}]}\n");
  EXPECT_TRUE(testing::Contains(e, "duplicate authority name 'authority'")) << e;
  e = ErrorOf("platforms: [{name: a}]\nincident: {origin: a}\nremoval_orders: {authorities: {name: iru}}\n");
  EXPECT_TRUE(testing::Contains(e, "expected a list of authorities")) << e;
  e = ErrorOf(
      "platforms: [{name: a}]\nincident: {origin: a}\nremoval_orders: {authorities: [{name: iru, "
      "find_rate: 1}]}\n");
  EXPECT_TRUE(testing::Contains(e, "unknown key 'find_rate'")) << e;
  // an audience's keys without an audience scenario
  e = ErrorOf("platforms:\n  - {name: a, upload_share: 1,\n     audience_arm: demoted}\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "w.yaml:3:")) << e;
  EXPECT_TRUE(testing::Contains(e, "platforms[0].audience_arm: only a platform with a simulated audience uses it"))
      << e;
  e = ErrorOf("platforms: [{name: a, upload_share: 1, viewers_per_user: 10}]\nincident: {origin: a}\n");
  EXPECT_TRUE(testing::Contains(e, "give audience_scenario too")) << e;
}

TEST(WorldConfigTest, AScenarioWithAWorldNeedsNoCatalogAndEachArmGetsItsWorld) {
  const std::string text = std::string("name: w\nsteps: 3\nworld:\n") + R"(  platforms:
    - {name: big, upload_share: 0.9, database_access: member, contributes: true}
    - {name: small, upload_share: 0.1, hash_screening: false}
  incident: {origin: big, uploads_per_minute: 10}
arms:
  - name: plain
  - name: access
    world:
      platforms: [{name: small, hash_screening: true, database_access: member}]
)";
  const Scenario sc = ParseScenario(text, "w.yaml");
  ASSERT_EQ(sc.arms.size(), 2u);
  ASSERT_TRUE(sc.arms[0].world && sc.arms[1].world);
  EXPECT_EQ(sc.arms[0].world->platforms[1].access, DatabaseAccess::kNone);
  EXPECT_EQ(sc.arms[1].world->platforms[1].access, DatabaseAccess::kMember);
  EXPECT_EQ(sc.Resolved()["arms"][1]["world"]["platforms"][1]["database_access"], "member");
  // --set reaches a platform by name
  const Scenario set = ParseScenario(text, "w.yaml", {"world.platforms.small.views_per_minute=7"});
  EXPECT_DOUBLE_EQ(set.arms[0].world->platforms[1].views_per_minute, 7);
  // an arm's world without the scenario's
  const InputError e = testing::CatchInputError([&] {
    ParseScenario("name: x\ncatalog: {type: synthetic}\narms:\n  - name: a\n    world: {minutes_per_step: 2}\n",
                  "x.yaml");
  });
  EXPECT_TRUE(testing::Contains(e.what(), "x.yaml:5:")) << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "this scenario has no world block")) << e.what();
  // a scenario without a world has none in any arm
  EXPECT_FALSE(ParseScenario("name: r\ncatalog: {type: synthetic}\n", "r.yaml").arms[0].world);
}

}  // namespace
}  // namespace counterpoint
