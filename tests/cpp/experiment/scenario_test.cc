// Scenario validation: one fixture per error kind, each error as file:line:col.
#include "experiment/scenario.h"

#include <gtest/gtest.h>

#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::DataPath;

// loads a fixture and returns its diagnostics (fails the test if it loads)
std::vector<Diagnostic> ErrorsOf(const std::string& name) {
  try {
    LoadScenario(DataPath("scenarios/" + name));
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << name << " loaded without error";
  return {};
}

std::string Where(const Diagnostic& d) {
  return d.file.substr(d.file.rfind('/') + 1) + ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
}

TEST(ScenarioValidationTest, SyntaxErrorNamesTheLine) {
  const auto d = ErrorsOf("bad_syntax.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].file, DataPath("scenarios/bad_syntax.yaml"));
  EXPECT_GE(d[0].line, 3);
  EXPECT_NE(d[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(ScenarioValidationTest, UnknownKeyListsValidKeys) {
  const auto d = ErrorsOf("unknown_key.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "unknown_key.yaml:4:3");
  EXPECT_NE(d[0].message.find("unknown key 'n_userz'"), std::string::npos);
  EXPECT_NE(d[0].message.find("n_users"), std::string::npos);
  EXPECT_NE(d[0].Format().find("unknown_key.yaml:4:3: error: population: unknown key"), std::string::npos);
}

TEST(ScenarioValidationTest, WrongTypeNamesTheValue) {
  const auto d = ErrorsOf("wrong_type.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "wrong_type.yaml:2:8");
  EXPECT_NE(d[0].message.find("expected an integer, got 'ten'"), std::string::npos);
}

TEST(ScenarioValidationTest, OutOfRangeGivesTheBounds) {
  const auto d = ErrorsOf("out_of_range.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "out_of_range.yaml:4:12");
  EXPECT_NE(d[0].message.find("out of range [1, 1e+09]"), std::string::npos);
}

// User ids are int32 in batches (SlateBatch::users): a population of 2^31 users
// or more must be refused at validation, naming the key.
TEST(ScenarioValidationTest, PopulationBeyondInt32IsRefused) {
  const std::string text = "name: t\ncatalog: {type: synthetic, n_items: 100, dim: 8}\n";
  const InputError e =
      testing::CatchInputError([&] { ParseScenario(text, "big.yaml", {"population.n_users=2147483648"}); });
  ASSERT_FALSE(e.diagnostics().empty());
  EXPECT_NE(e.diagnostics()[0].message.find("n_users"), std::string::npos) << e.what();
  EXPECT_NE(e.diagnostics()[0].message.find("out of range"), std::string::npos) << e.what();
}

TEST(ScenarioValidationTest, UnknownPluginListsRegisteredOnes) {
  const auto d = ErrorsOf("unknown_plugin.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "unknown_plugin.yaml:4:18");
  EXPECT_NE(d[0].message.find("unknown ranker 'engagment'"), std::string::npos);
  EXPECT_NE(d[0].message.find("chronological, engagement, oracle, popularity, random"), std::string::npos);
}

TEST(ScenarioValidationTest, MissingRequiredKey) {
  const auto d = ErrorsOf("missing_required.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("missing required key 'embeddings'"), std::string::npos);
  EXPECT_EQ(d[0].line, 3);
}

TEST(ScenarioValidationTest, InvalidChoiceListsChoices) {
  const auto d = ErrorsOf("bad_choice.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "bad_choice.yaml:4:12");
  EXPECT_NE(d[0].message.find("valid choices: choice_gradient, click_average"), std::string::npos);
}

TEST(ScenarioValidationTest, AllErrorsAreCollected) {
  const auto d = ErrorsOf("many_errors.yaml");
  ASSERT_EQ(d.size(), 4u);
  std::vector<std::string> where;
  for (const auto& x : d) where.push_back(Where(x));
  EXPECT_EQ(where, (std::vector<std::string>{"many_errors.yaml:2:1", "many_errors.yaml:3:37", "many_errors.yaml:4:27",
                                             "many_errors.yaml:5:23"}));
}

TEST(ScenarioValidationTest, DuplicateArmNames) {
  const auto d = ErrorsOf("duplicate_arm.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(Where(d[0]), "duplicate_arm.yaml:5:11");
}

TEST(ScenarioValidationTest, MissingCatalogBlock) {
  const auto d = ErrorsOf("missing_catalog.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("missing required block 'catalog'"), std::string::npos);
}

TEST(ScenarioValidationTest, MissingDataFileNamesThePath) {
  const Scenario sc = LoadScenario(DataPath("scenarios/missing_file.yaml"));
  try {
    BuildIndexedCatalog(sc, 1);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    // at the scenario key that names the file, with the resolved path and the reason
    EXPECT_NE(std::string(e.what()).find("missing_file.yaml:4:15: error: catalog.embeddings: '"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("does_not_exist.npy' no such file"), std::string::npos) << e.what();
  }
}

TEST(ScenarioOverrideTest, SetsPathsArmsByNameAndIndex) {
  const std::string text =
      "name: o\ncatalog: {type: synthetic}\narms:\n  - name: a\n  - name: b\n    ranker: {type: random}\n";
  const Scenario sc = ParseScenario(text, "o.yaml",
                                    {"population.n_users=77", "arms.b.ranker.type=popularity", "arms.0.slate_size=3",
                                     "user_model.drift_rate=0.5", "catalog.dim=8"});
  EXPECT_EQ(sc.population.n_users, 77);
  EXPECT_EQ(sc.arms[1].ranker.type, "popularity");
  EXPECT_EQ(sc.arms[0].options.slate_size, 3);
  EXPECT_EQ(sc.arms[1].options.slate_size, 10);
  EXPECT_DOUBLE_EQ(sc.user_model.params.Double("drift_rate"), 0.5);
  EXPECT_EQ(sc.catalog.params.Int("dim"), 8);
}

TEST(ScenarioOverrideTest, AnIndexOnePastTheEndAppendsAWholeElement) {
  const std::string text = "name: o\ncatalog: {type: synthetic}\narms:\n  - name: a\n  - name: b\n";
  const Scenario sc = ParseScenario(
      text, "o.yaml", {"arms.2={name: c, interventions: [{type: demote_harmful, weight: 2}]}", "arms.c.slate_size=4"});
  ASSERT_EQ(sc.arms.size(), 3u);
  EXPECT_EQ(sc.arms[2].name, "c");
  EXPECT_EQ(sc.arms[2].interventions.at(0).type, "demote_harmful");
  EXPECT_EQ(sc.arms[2].options.slate_size, 4);
  // past the end, or a key below a new element, is still an error naming the valid indexes
  for (const char* bad : {"arms.3={name: d}", "arms.2.slate_size=4"}) {
    try {
      ParseScenario(text, "o.yaml", {bad});
      FAIL() << bad;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("give an index below 2, 2 to append a whole element, or an arm name"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(ScenarioArmTest, PartialBlockKeepsTheBaseSettingsOfTheSameType) {
  const std::string text = R"(name: m
catalog: {type: synthetic}
recommender:
  ranker: {type: engagement, ctr_weight: 8, popularity_weight: 0.5, ctr_debias: examination}
arms:
  - name: base
  - name: less_ctr
    ranker: {ctr_weight: 4}
  - name: same_type_named
    ranker: {type: engagement, popularity_weight: 0}
  - name: by_name
    ranker: engagement
  - name: other_type
    ranker: {type: relevance}
)";
  const Scenario sc = ParseScenario(text, "m.yaml");
  ASSERT_EQ(sc.arms.size(), 5u);
  const Params& less = sc.arms[1].ranker.params;
  EXPECT_EQ(sc.arms[1].ranker.type, "engagement");
  EXPECT_DOUBLE_EQ(less.Double("ctr_weight"), 4);
  EXPECT_DOUBLE_EQ(less.Double("popularity_weight"), 0.5);  // kept from the base block
  EXPECT_EQ(less.String("ctr_debias"), "examination");
  EXPECT_DOUBLE_EQ(sc.arms[2].ranker.params.Double("ctr_weight"), 8);
  EXPECT_DOUBLE_EQ(sc.arms[2].ranker.params.Double("popularity_weight"), 0);
  EXPECT_DOUBLE_EQ(sc.arms[3].ranker.params.Double("popularity_weight"), 0.5);
  EXPECT_EQ(sc.arms[4].ranker.type, "relevance");
  // the resolved arms in the manifest show the merged settings
  const auto j = sc.Resolved();
  EXPECT_EQ(j["arms"][1]["ranker"]["popularity_weight"], 0.5);
  EXPECT_EQ(j["arms"][1]["ranker"]["ctr_weight"], 4);
}

TEST(ScenarioArmTest, ChangedTypeStartsFromThatPluginsDefaults) {
  const std::string text = R"(name: m
catalog: {type: synthetic}
recommender:
  ranker: {type: engagement, ctr_weight: 8}
arms:
  - name: base
  - name: pop
    ranker: {type: popularity}
  - name: back
    ranker: {type: engagement}
)";
  const Scenario sc = ParseScenario(text, "m.yaml");
  EXPECT_EQ(sc.arms[1].ranker.type, "popularity");
  EXPECT_TRUE(sc.arms[1].ranker.params.values().empty());
  // same type again keeps the base block's ctr_weight
  EXPECT_DOUBLE_EQ(sc.arms[2].ranker.params.Double("ctr_weight"), 8);
  // a key the changed type does not have is an error at its line
  const auto d = testing::CatchInputError([&] {
                   ParseScenario(text + "  - name: bad\n    ranker: {type: random, ctr_weight: 2}\n", "m.yaml");
                 }).diagnostics();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].line, 12);
}

TEST(ScenarioOverrideTest, BadOverridesAreErrors) {
  const std::string text = "name: o\ncatalog: {type: synthetic}\n";
  EXPECT_THROW(ParseScenario(text, "o.yaml", {"population.n_users"}), InputError);
  EXPECT_THROW(ParseScenario(text, "o.yaml", {"name.x=1"}), InputError);
  EXPECT_THROW(ParseScenario(text, "o.yaml", {"arms.zzz.ranker=random"}), InputError);
  try {
    ParseScenario(text, "o.yaml", {"population.n_userz=5"});
    FAIL();
  } catch (const InputError& e) {
    // located at the assignment, not at a line of o.yaml
    EXPECT_NE(std::string(e.what()).find("--set population.n_userz=5: error: population: unknown key 'n_userz'"),
              std::string::npos)
        << e.what();
  }
}

TEST(ScenarioTest, ShippedScenariosLoad) {
  for (const char* name : {"rabbit_hole.yaml", "ranker_ablation.yaml", "negative_control.yaml"}) {
    const Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + name);
    EXPECT_GE(sc.arms.size(), 2u) << name;
  }
}

TEST(ScenarioTest, ResolvedScenarioHasEveryDefault) {
  const Scenario sc = ParseScenario("name: r\ncatalog: {type: synthetic}\n", "r.yaml");
  const auto j = sc.Resolved();
  EXPECT_EQ(j["catalog"]["n_items"], 20000);
  EXPECT_EQ(j["arms"][0]["ranker"]["type"], "engagement");
  EXPECT_EQ(j["observers"].size(), DefaultObservers().size());
}

// population.history_length 0 (the default) sizes the ring to the longest window an
// observer reads; a set length is kept; no reader, no ring.
TEST(ScenarioTest, HistoryRingKeepsWhatTheObserversRead) {
  const std::string text = "name: t\nsteps: 4\ncatalog: {type: synthetic, n_items: 300, dim: 8}\n";
  EXPECT_EQ(ParseScenario(text, "t.yaml").population.history_length, 10);  // rabbit_hole's default window
  EXPECT_EQ(ParseScenario(text, "t.yaml", {"observers=[{type: rabbit_hole, window: 25}, exposure]"})
                .population.history_length,
            25);
  EXPECT_EQ(ParseScenario(text, "t.yaml", {"observers=[exposure, engagement]"}).population.history_length, 0);
  EXPECT_EQ(ParseScenario(text, "t.yaml", {"population.history_length=40"}).population.history_length, 40);
}

// The shorter ring changes no metric: rabbit_hole reads min(window, history_length)
// consumptions either way (with and without a recency bound), and a run without any
// ring (no observer reads it) steps the same users through the same slates.
TEST(ScenarioTest, TheHistoryRingsLengthChangesNoMetric) {
  const std::string base =
      "name: t\nsteps: 12\nseed: 5\ncatalog: {type: synthetic, n_items: 2000, dim: 8}\n"
      "population: {n_users: 300}\nrecommender: {candidates: 50, slate_size: 5}\n";
  for (const char* observers : {"observers=[exposure, {type: rabbit_hole, window: 4, min_consumed: 2}]",
                                "observers=[exposure, {type: rabbit_hole, window: 6, min_consumed: 2, max_age: 3}]",
                                "observers=[exposure, engagement]"}) {
    const Scenario automatic = ParseScenario(base, "t.yaml", {observers});
    const Scenario longer = ParseScenario(base, "t.yaml", {observers, "population.history_length=20"});
    ASSERT_LT(automatic.population.history_length, 20);
    const RunResult a = RunScenario(automatic), b = RunScenario(longer);
    ASSERT_EQ(a.runs.size(), b.runs.size());
    for (size_t r = 0; r < a.runs.size(); ++r) {
      ASSERT_FALSE(a.runs[r].rows.empty());
      EXPECT_EQ(a.runs[r].rows, b.runs[r].rows) << observers;
    }
  }
}

// The per-user counters are 32-bit: a run that could show one user 2^31 items is refused.
TEST(ScenarioValidationTest, ImpressionsPastThirtyTwoBitCountersAreRefused) {
  const std::string text =
      "name: t\ncatalog: {type: synthetic, n_items: 1000, dim: 8}\nrecommender: {candidates: 256, slate_size: 256}\n";
  const InputError e = testing::CatchInputError([&] { ParseScenario(text, "t.yaml", {"steps=9000000"}); });
  ASSERT_FALSE(e.diagnostics().empty());
  EXPECT_NE(e.diagnostics()[0].message.find("32-bit counters"), std::string::npos) << e.what();
  EXPECT_NE(e.diagnostics()[0].message.find("lower steps or slate_size"), std::string::npos) << e.what();
  EXPECT_NO_THROW(ParseScenario(text, "t.yaml", {"steps=8000000"}));  // 2.05e9 < 2^31
}

}  // namespace
}  // namespace counterpoint
