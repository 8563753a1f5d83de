// One conformance test for every registered plug-in, as OpenSpiel runs every registered
// game through the same basic tests: each catalog source, user model, retriever, ranker,
// intervention and observer is built with its defaults in a short scenario and must
//   - list its parameters with a description each, and refuse an unknown key and a value
//     of the wrong type at its file:line:col;
//   - round-trip its checkpoint state: stopped and resumed, the run is bit-identical;
//   - give bit-identical results on 1 and 2 threads;
//   - keep its metric columns fixed from Init to the end of the run;
//   - declare each metric column it writes (kind, unit, definition), and document it in docs/;
//   - run sharded over ranks with one process's results, or name itself as the obstacle.
// A new plug-in gets these checks by being registered. Test doubles that the other tests
// register (their description starts with "test") are left out: several exist to fail one
// of these checks on purpose. Python-registered plug-ins: python/tests/test_conformance.py.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/io.h"
#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "experiment/runner.h"
#include "rank_runs.h"
#include "test_util.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::CatchInputError;
using testing::Contains;
using testing::ScopedThreads;
using testing::StopAfter;

struct Plugin {
  std::string kind;  ///< catalog, user_model, retriever, ranker, intervention, observer
  std::string name;
  ComponentSpec spec;
};

bool IsTestDouble(const ComponentSpec& spec) { return spec.doc.rfind("test", 0) == 0; }

template <class Reg>
void Collect(const std::string& kind, std::vector<Plugin>& out) {
  for (const std::string& name : Reg::Get().Names()) {
    const ComponentSpec& spec = Reg::Get().Find(name)->spec;
    if (!IsTestDouble(spec)) out.push_back({kind, name, spec});
  }
}

// evaluated when the tests are registered (InitGoogleTest), after every static registrar ran
std::vector<Plugin> AllPlugins() {
  std::vector<Plugin> out;
  Collect<CatalogRegistry>("catalog", out);
  Collect<UserModelRegistry>("user_model", out);
  Collect<RetrieverRegistry>("retriever", out);
  Collect<RankerRegistry>("ranker", out);
  Collect<InterventionRegistry>("intervention", out);
  Collect<ObserverRegistry>("observer", out);
  return out;
}

// the files catalog source needs its two files: 300 items of dimension 8, every label
std::string FilesCatalogDir() {
  static const std::string dir = [] {
    const fs::path d = fs::temp_directory_path() / ("counterpoint_conformance_" + std::to_string(getpid()));
    fs::create_directories(d);
    const int64_t n = 300, dim = 8;
    std::vector<float> rows(n * dim);
    const CounterRng rng(7, 0, 0, Purpose::kCatalogEmbedding);
    for (int64_t i = 0; i < n; ++i) {
      double norm = 0;
      for (int64_t k = 0; k < dim; ++k)
        norm += std::pow(rows[i * dim + k] = static_cast<float>(rng.Normal(i * dim + k)), 2);
      for (int64_t k = 0; k < dim; ++k) rows[i * dim + k] = static_cast<float>(rows[i * dim + k] / std::sqrt(norm));
    }
    WriteNpy((d / "embeddings.npy").string(), rows.data(), n, dim);
    const char* labels[] = {"mainstream", "mainstream",        "mainstream",    "borderline",
                            "extremist",  "counter_narrative", "news_reporting"};
    std::string csv = "id,label,extremity,harm_score,creator,topic,upload_step\n";
    for (int64_t i = 0; i < n; ++i)
      csv += std::to_string(i) + "," + labels[i % 7] + "," + std::to_string((i % 7) / 7.0) + "," +
             std::to_string((i % 5) / 5.0) + "," + std::to_string(i % 40) + "," + std::to_string(i % 6) + "," +
             std::to_string(i % 9 == 0 ? i % 5 : 0) + "\n";
    WriteFileAtomic((d / "items.csv").string(), csv);
    return d.string();
  }();
  return dir;
}

// a short scenario with `choice` in the plug-in's place; 1,100 users in one batch, so the
// loops that go parallel above 1,024 users do
YAML::Node ScenarioWith(const Plugin& p, const YAML::Node& choice) {
  YAML::Node root = YAML::Load(
      "name: conformance\nseed: 5\nsteps: 6\nreplicates: 1\n"
      "catalog: {type: synthetic, n_items: 600, dim: 16, n_topics: 6, new_item_share: 0.2, upload_horizon: 4}\n"
      "index: {factory: Flat}\npopulation: {n_users: 1100}\n"
      "recommender: {candidates: 40, slate_size: 6}\n");
  if (p.kind == "catalog") root["catalog"] = choice;
  if (p.kind == "user_model") root["user_model"] = choice;
  if (p.kind == "retriever") root["recommender"]["retriever"] = choice;
  if (p.kind == "ranker") root["recommender"]["ranker"] = choice;
  if (p.kind == "intervention") root["recommender"]["interventions"].push_back(choice);
  if (p.kind == "observer") root["observers"].push_back(choice);
  return root;
}

// {type: name} with the parameters a plug-in cannot do without (the files source's files)
YAML::Node DefaultChoice(const Plugin& p) {
  YAML::Node c(YAML::NodeType::Map);
  c["type"] = p.name;
  if (p.kind == "catalog" && p.name == "files") {
    c["embeddings"] = FilesCatalogDir() + "/embeddings.npy";
    c["items"] = FilesCatalogDir() + "/items.csv";
  }
  return c;
}

// gtest prints a parameter with this (not as bytes)
void PrintTo(const Plugin& p, std::ostream* os) { *os << p.kind << " '" << p.name << "'"; }

// scenarios go through YAML text, which checkpoints keep (RunControl::scenario_text)
Scenario Parse(const YAML::Node& root) { return ParseScenario(YAML::Dump(root), "conformance.yaml"); }

class PluginConformance : public ::testing::TestWithParam<Plugin> {
 protected:
  std::string DefaultText() const { return YAML::Dump(ScenarioWith(GetParam(), DefaultChoice(GetParam()))); }
  Scenario Default() const { return ParseScenario(DefaultText(), "conformance.yaml"); }
};

void ExpectSameRuns(const RunResult& a, const RunResult& b, const std::string& what) {
  EXPECT_EQ(a.columns, b.columns) << what;
  ASSERT_EQ(a.runs.size(), b.runs.size()) << what;
  for (size_t r = 0; r < a.runs.size(); ++r) {
    ASSERT_EQ(a.runs[r].rows.size(), b.runs[r].rows.size()) << what;
    EXPECT_EQ(0, std::memcmp(a.runs[r].rows.data(), b.runs[r].rows.data(), a.runs[r].rows.size() * sizeof(double)))
        << what << ": metric rows of run " << r << " differ";
  }
}

TEST_P(PluginConformance, ParametersAreListedAndValidated) {
  const Plugin& p = GetParam();
  EXPECT_FALSE(p.spec.doc.empty()) << p.name << " has no description";
  for (const ParamSpec& s : p.spec.params) {
    EXPECT_FALSE(s.name.empty()) << p.name;
    EXPECT_FALSE(s.doc.empty()) << p.name << "." << s.name << " has no description";
  }
  // its defaults make a valid scenario
  EXPECT_NO_THROW(Default()) << p.name;
  // an unknown key is refused at its line, naming the valid keys
  YAML::Node unknown = DefaultChoice(p);
  unknown["no_such_parameter"] = 1;
  const InputError e = CatchInputError([&] { Parse(ScenarioWith(p, unknown)); });
  EXPECT_TRUE(Contains(e.what(), "unknown key 'no_such_parameter'")) << e.what();
  if (!p.spec.params.empty()) {
    EXPECT_TRUE(Contains(e.what(), p.spec.params.front().name)) << e.what();
  }
  // a value of the wrong type (a map where a scalar belongs) is refused, naming the key
  for (const ParamSpec& s : p.spec.params) {
    YAML::Node wrong = DefaultChoice(p);
    wrong[s.name] = YAML::Load("{not: a value}");
    const InputError w = CatchInputError([&] { Parse(ScenarioWith(p, wrong)); });
    EXPECT_TRUE(Contains(w.what(), s.name)) << p.name << "." << s.name << ": " << w.what();
  }
}

TEST_P(PluginConformance, CheckpointStateRoundTripsToIdenticalResults) {
  const Scenario sc = Default();
  const RunResult full = RunScenario(sc);
  ASSERT_FALSE(full.partial);
  const fs::path dir =
      fs::temp_directory_path() / ("counterpoint_conformance_ckpt_" + GetParam().name + "_" + std::to_string(getpid()));
  fs::create_directories(dir);
  RunControl stop = StopAfter(3, CheckpointPath(dir.string()));
  stop.scenario_text = DefaultText();
  const RunResult part = RunScenario(sc, {}, stop);
  ASSERT_TRUE(part.partial);
  RunControl resume;
  resume.resume_path = stop.checkpoint_path;
  resume.scenario_text = stop.scenario_text;
  const RunResult resumed = RunScenario(sc, {}, resume);
  EXPECT_FALSE(resumed.partial);
  ExpectSameRuns(full, resumed, GetParam().name + " stopped after step 3 and resumed");
  fs::remove_all(dir);
}

TEST_P(PluginConformance, OneAndTwoThreadsGiveIdenticalResults) {
  const Scenario sc = Default();
  RunResult one, two;
  {
    ScopedThreads threads(1);
    one = RunScenario(sc);
  }
  {
    ScopedThreads threads(2);
    two = RunScenario(sc);
  }
  ExpectSameRuns(one, two, GetParam().name + " on 1 and 2 threads");
}

TEST_P(PluginConformance, ColumnsAreFixedAfterInit) {
  const Scenario sc = Default();
  const IndexedCatalog world = BuildIndexedCatalog(sc, 9);
  Simulation sim = BuildSimulation(sc, sc.arms.front(), world, GeneratePopulation(sc.population, *world.catalog, 9), 9);
  const std::vector<std::string> columns = sim.columns(), added = sim.recommender().InterventionColumns();
  std::vector<std::vector<std::string>> observed;
  for (const auto& o : sim.observers()) observed.push_back(o->Columns());
  std::set<std::string> unique(columns.begin(), columns.end());
  EXPECT_EQ(unique.size(), columns.size()) << "a column name repeats";
  EXPECT_EQ(unique.count(""), 0u) << "an empty column name";
  // the columns an arm without an intervention has as 0 are some of its own
  for (const auto& iv : sim.recommender().interventions()) {
    const std::vector<std::string> own = iv->Columns();
    for (const auto& c : iv->ColumnsZeroWhenAbsent())
      EXPECT_NE(std::find(own.begin(), own.end(), c), own.end()) << c << " is 0 when absent but not a column";
  }
  std::vector<double> rows;
  sim.Run(rows);
  EXPECT_EQ(rows.size(), static_cast<size_t>(sc.steps) * columns.size());
  EXPECT_EQ(sim.columns(), columns);
  EXPECT_EQ(sim.recommender().InterventionColumns(), added);
  for (size_t i = 0; i < observed.size(); ++i) EXPECT_EQ(sim.observers()[i]->Columns(), observed[i]);
}

// the text of docs/metrics.md and docs/interventions.md, where every metric is defined
std::string MetricDocs() {
  static const std::string text = ReadFile(std::string(COUNTERPOINT_SOURCE_DIR) + "/docs/metrics.md") +
                                  ReadFile(std::string(COUNTERPOINT_SOURCE_DIR) + "/docs/interventions.md");
  return text;
}

TEST_P(PluginConformance, MetricColumnsAreDeclaredAndDocumented) {
  const Plugin& p = GetParam();
  if (p.kind != "observer" && p.kind != "intervention") {
    EXPECT_TRUE(p.spec.metrics.empty()) << "only observers and interventions write metric columns";
    return;
  }
  const Scenario sc = Default();
  const IndexedCatalog world = BuildIndexedCatalog(sc, 9);
  Simulation sim = BuildSimulation(sc, sc.arms.front(), world, GeneratePopulation(sc.population, *world.catalog, 9), 9);
  // the scenario names this plug-in alone in its place
  ASSERT_EQ(p.kind == "observer" ? sim.observers().size() : sim.recommender().interventions().size(), 1u);
  const std::vector<std::string> columns =
      p.kind == "observer" ? sim.observers().front()->Columns() : sim.recommender().interventions().front()->Columns();
  for (const std::string& c : columns)
    EXPECT_NE(FindMetric(p.spec.metrics, c), nullptr) << c << " is written but not declared in the registered spec";
  for (const MetricSpec& m : p.spec.metrics) {
    EXPECT_FALSE(m.unit.empty()) << m.name;
    EXPECT_FALSE(m.definition.empty()) << m.name;
    EXPECT_TRUE(Contains(MetricDocs(), "`" + m.name + "`")) << m.name << " is not documented in docs/metrics.md or "
                                                            << "docs/interventions.md";
    // a declared column without a number hole is written
    if (m.name.find("<k>") == std::string::npos) {
      EXPECT_NE(std::find(columns.begin(), columns.end(), m.name), columns.end())
          << m.name << " is declared, not written";
    }
  }
}

TEST_P(PluginConformance, RunsShardedOrSaysItCannot) {
  const Scenario sc = Default();
  const std::string obstacle = ShardingObstacle(sc);
  if (!obstacle.empty()) {
    // the scenario's only non-default part is this plug-in: it must be the one named
    EXPECT_TRUE(Contains(obstacle, "'" + GetParam().name + "'")) << obstacle;
    return;
  }
  const testing::Outcome alone = testing::RunArm(sc, sc.arms.front(), nullptr, false);
  std::vector<testing::Outcome> ranks(2);
  testing::RunRanks(
      2, [&](int r, const Collective& comm) { ranks[r] = testing::RunArm(sc, sc.arms.front(), &comm, true); });
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(ranks[r].sharded) << r;
    testing::ExpectSameShared(alone, ranks[r], GetParam().name + " sharded, rank " + std::to_string(r));
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, PluginConformance, ::testing::ValuesIn(AllPlugins()),
                         [](const ::testing::TestParamInfo<Plugin>& info) {
                           return info.param.kind + "_" + info.param.name;
                         });

}  // namespace
}  // namespace counterpoint
