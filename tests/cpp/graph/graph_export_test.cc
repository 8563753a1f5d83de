// End to end: `counterpoint run` with output.graph writes each arm's induced
// watch-next graph, `counterpoint audit --nodes --edges` reads it, and the files are
// identical for any thread count and batch size; `audit --knn` builds the kNN graph
// of a run scenario's catalog; the manifest's SHA-256 covers the input files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/io.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::RunCommand;

std::string Cli() { return COUNTERPOINT_CLI; }

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("counterpoint_graph_export_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// two arms: engagement, and relevance only (the CTR and popularity terms off)
constexpr char kTiny[] =
    "name: tiny_graph\n"
    "seed: 7\n"
    "steps: 8\n"
    "replicates: 2\n"
    "catalog: {type: synthetic, n_items: 1500, dim: 16, n_topics: 5}\n"
    "index: {factory: Flat}\n"
    "population: {n_users: 400}\n"
    "recommender: {candidates: 40, slate_size: 6}\n"
    "arms:\n"
    "  - name: engagement\n"
    "    ranker: {type: engagement, ctr_weight: 8.0}\n"
    "  - name: relevance\n"
    "    ranker: {type: engagement, ctr_weight: 0, popularity_weight: 0}\n"
    "output: {graph: true}\n";

TEST(GraphExportTest, RunWritesGraphsThatAuditReads) {
  const fs::path dir = TempDir("run");
  const std::string yaml = (dir / "tiny.yaml").string();
  std::ofstream(yaml) << kTiny;
  const fs::path a = dir / "a", b = dir / "b";
  const auto ra = RunCommand(Cli() + " run " + yaml + " --quiet --threads 1 --out " + a.string());
  ASSERT_EQ(ra.status, 0) << ra.output;
  // another thread count and batch size give byte-identical graphs
  const auto rb = RunCommand(Cli() + " run " + yaml + " --quiet --threads 2 --set batch_size=37 --out " + b.string());
  ASSERT_EQ(rb.status, 0) << rb.output;
  for (const char* f : {"graph/engagement_nodes.csv", "graph/engagement_edges.csv", "graph/relevance_nodes.csv",
                        "graph/relevance_edges.csv"}) {
    ASSERT_TRUE(fs::exists(a / f)) << f;
    EXPECT_EQ(ReadFile((a / f).string()), ReadFile((b / f).string())) << f;
  }
  const auto manifest = nlohmann::json::parse(ReadFile((a / "manifest.json").string()));
  EXPECT_EQ(manifest["graph_files"]["relevance"]["edges"], "graph/relevance_edges.csv");
  EXPECT_EQ(manifest["resolved_scenario"]["output"]["graph"], true);

  // invariants against the per-item counters written with the nodes: each click of c
  // gives at most slate_size edges from c, and each impression of i at most max_clicks
  // (3) edges into i; both replicates are present and every endpoint is a node
  const CsvTable nodes = ReadCsv((a / "graph/engagement_nodes.csv").string());
  const CsvTable edges = ReadCsv((a / "graph/engagement_edges.csv").string());
  std::map<std::string, int64_t> clicks, impressions, out_weight, in_weight;
  std::map<std::string, std::string> label;
  std::set<std::string> replicates;
  for (size_t r = 0; r < nodes.rows.size(); ++r) {
    const std::string& id = nodes.rows[r][nodes.RequireColumn("id")];
    clicks[id] = CsvInt(nodes, r, nodes.RequireColumn("clicks"));
    impressions[id] = CsvInt(nodes, r, nodes.RequireColumn("impressions"));
    label[id] = nodes.rows[r][nodes.RequireColumn("label")];
    replicates.insert(nodes.rows[r][nodes.RequireColumn("replicate")]);
  }
  EXPECT_EQ(replicates, (std::set<std::string>{"0", "1"}));
  ASSERT_GT(edges.rows.size(), 100u);
  for (size_t r = 0; r < edges.rows.size(); ++r) {
    const std::string &src = edges.rows[r][0], &dst = edges.rows[r][1];
    ASSERT_TRUE(clicks.count(src) && clicks.count(dst)) << "dangling edge at line " << edges.lines[r];
    EXPECT_NE(src, dst);
    EXPECT_EQ(src.substr(0, src.find(':')), dst.substr(0, dst.find(':')));  // within one replicate
    out_weight[src] += CsvInt(edges, r, 2);
    in_weight[dst] += CsvInt(edges, r, 2);
  }
  for (const auto& [id, w] : out_weight) EXPECT_LE(w, 6 * clicks[id]) << id;
  for (const auto& [id, w] : in_weight) EXPECT_LE(w, 3 * impressions[id]) << id;
  for (const auto& [id, l] : label)
    EXPECT_TRUE(l == "mainstream" || l == "borderline" || l == "extremist" || l == "counter_narrative" ||
                l == "news_reporting")
        << l;

  // the audit reads the files as written
  const auto audit = RunCommand(Cli() + " audit --nodes " + (a / "graph/engagement_nodes.csv").string() + " --edges " +
                                (a / "graph/engagement_edges.csv").string() +
                                " --harmful borderline,extremist --walkers 200 --out " + (dir / "audit.json").string());
  ASSERT_EQ(audit.status, 0) << audit.output;
  EXPECT_FALSE(Contains(audit.output, "warning")) << audit.output;
  const auto j = nlohmann::json::parse(ReadFile((dir / "audit.json").string()));
  EXPECT_EQ(j["graph"]["input_nodes"].get<size_t>(), nodes.rows.size());
  EXPECT_EQ(j["graph"]["input_edges"].get<size_t>(), edges.rows.size());
  ASSERT_EQ(j["harmful_sets"].size(), 1u);
  EXPECT_GE(j["harmful_sets"][0]["segregation"]["mean"].get<double>(), 1.0);  // the start counts as one step
  fs::remove_all(dir);
}

TEST(GraphExportTest, AuditKnnGraphOfARunScenario) {
  const fs::path dir = TempDir("knn");
  const std::string yaml = (dir / "tiny.yaml").string();
  std::ofstream(yaml) << kTiny;
  const auto r = RunCommand(Cli() + " audit --knn " + yaml + " --harmful borderline,extremist --walkers 100 --out " +
                            (dir / "knn.json").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(ReadFile((dir / "knn.json").string()));
  // every item of the catalog is a node with 10 out-edges (kNN; no sinks)
  EXPECT_EQ(j["graph"]["nodes"], 1500);
  EXPECT_EQ(j["graph"]["edges"], 15000);
  EXPECT_EQ(j["graph"]["knn"]["replicate"], 0);
  EXPECT_EQ(j["graph"]["knn"]["out_degree"], 10);
  int64_t total = 0;
  for (const auto& [l, n] : j["graph"]["label_counts"].items()) total += n.get<int64_t>();
  EXPECT_EQ(total, 1500);
  EXPECT_TRUE(j["graph"]["label_counts"].contains("extremist"));
  // the shipped audit scenario names rabbit_hole.yaml relative to itself
  const auto shipped =
      RunCommand("cd '" + std::string(COUNTERPOINT_SOURCE_DIR) + "' && " + Cli() +
                 " audit scenarios/synthetic_knn_audit.yaml --walkers 50 --out " + (dir / "shipped.json").string());
  ASSERT_EQ(shipped.status, 0) << shipped.output;
  const auto sj = nlohmann::json::parse(ReadFile((dir / "shipped.json").string()));
  EXPECT_EQ(sj["graph"]["nodes"], 20000);  // rabbit_hole's catalog.n_items
  EXPECT_EQ(sj["graph"]["knn"]["scenario"], "scenarios/rabbit_hole.yaml");
  EXPECT_EQ(sj["graph"]["knn"]["seed"], 20261123);
  EXPECT_EQ(sj["graph"]["knn"]["index"]["factory"], "IVF128,Flat");
  EXPECT_EQ(sj["harmful_sets"].size(), 2u);
  // an audit scenario with the catalog and index blocks inline: errors name its lines
  const std::string bad = (dir / "bad.yaml").string();
  std::ofstream(bad) << "name: bad\ngraph:\n  source: knn\n  catalog: {type: synthetic, n_itemz: 10}\n"
                        "harmful_sets:\n  - {name: h, labels: extremist}\n";
  const auto e = RunCommand(Cli() + " audit " + bad);
  EXPECT_EQ(e.status, 2);
  EXPECT_TRUE(Contains(e.output, bad + ":4:30: error: catalog: unknown key 'n_itemz'")) << e.output;
  const std::string neither = (dir / "neither.yaml").string();
  std::ofstream(neither) << "name: n\ngraph: {source: knn}\nharmful_sets:\n  - {name: h, labels: extremist}\n";
  const auto n = RunCommand(Cli() + " audit " + neither);
  EXPECT_EQ(n.status, 2);
  EXPECT_TRUE(Contains(n.output, "graph: source knn needs 'scenario'")) << n.output;
  fs::remove_all(dir);
}

TEST(GraphExportTest, ManifestSha256CoversInputFiles) {
  const fs::path dir = TempDir("sha");
  // a files catalog: 40 items in 4 dimensions
  std::vector<float> m;
  std::string items = "id,label\n";
  for (int i = 0; i < 40; ++i) {
    m.insert(m.end(), {1.0f + i % 5, 0.5f * (i % 7), 1.0f, 0.1f * i});
    items.append(1, 'v').append(std::to_string(i)).append(i % 10 == 0 ? ",extremist\n" : ",mainstream\n");
  }
  WriteNpy((dir / "emb.npy").string(), m.data(), 40, 4);
  std::ofstream((dir / "items.csv").string()) << items;
  std::ofstream((dir / "s.yaml").string())
      << "name: sha\nsteps: 2\ncatalog: {type: files, embeddings: emb.npy, items: items.csv}\n"
         "index: {factory: Flat}\npopulation: {n_users: 20}\nrecommender: {candidates: 10, slate_size: 5}\n";
  const auto run = [&](const std::string& out) {
    const auto r = RunCommand(Cli() + " run " + (dir / "s.yaml").string() + " --quiet --out " + (dir / out).string());
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(ReadFile((dir / out / "manifest.json").string()));
  };
  const auto m1 = run("o1");
  ASSERT_EQ(m1["inputs"].size(), 2u);
  EXPECT_EQ(m1["inputs"][0]["key"], "catalog.embeddings");
  EXPECT_EQ(m1["inputs"][1]["key"], "catalog.items");
  EXPECT_EQ(m1["inputs"][1]["bytes"], static_cast<int64_t>(items.size()));
  // each digest, and the scenario hash, recomputed by coreutils' sha256sum
  auto sha256sum = [](const std::string& path) {
    const auto r = RunCommand("sha256sum '" + path + "'");
    return r.output.substr(0, 64);
  };
  EXPECT_EQ(m1["inputs"][0]["sha256"], sha256sum((dir / "emb.npy").string()));
  EXPECT_EQ(m1["inputs"][1]["sha256"], sha256sum((dir / "items.csv").string()));
  std::string message = m1["resolved_scenario"].dump();
  message += "\ncatalog.embeddings\temb.npy\t" + m1["inputs"][0]["sha256"].get<std::string>();
  message += "\ncatalog.items\titems.csv\t" + m1["inputs"][1]["sha256"].get<std::string>();
  std::ofstream((dir / "message.txt").string(), std::ios::binary) << message;
  EXPECT_EQ(m1["scenario_sha256"], sha256sum((dir / "message.txt").string()));
  // same scenario, one byte of data changed: the hash changes
  const size_t at = items.find("v39,mainstream");
  ASSERT_NE(at, std::string::npos);
  std::ofstream((dir / "items.csv").string()) << items.substr(0, at) << "v39,borderline\n";
  const auto m2 = run("o2");
  EXPECT_EQ(m2["resolved_scenario"], m1["resolved_scenario"]);
  EXPECT_NE(m2["inputs"][1]["sha256"], m1["inputs"][1]["sha256"]);
  EXPECT_NE(m2["scenario_sha256"], m1["scenario_sha256"]);
  // an unchanged rerun gives the same hash
  EXPECT_EQ(run("o3")["scenario_sha256"], m2["scenario_sha256"]);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace counterpoint
