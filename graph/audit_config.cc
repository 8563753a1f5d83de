#include "graph/audit_config.h"

#include <filesystem>
#include <set>

#include "core/io.h"
#include "core/params.h"
#include "core/rng.h"
#include "graph/graph_loader.h"
#include "graph/recfluence.h"

namespace counterpoint {

namespace {

ComponentSpec AuditTopSpec() {
  return {
      "An audit scenario (docs/graph.md).",
      {StringParam("name", "audit", "short name, used for the default output path"),
       StringParam("description", "", "what the audit shows"), IntParam("seed", 1, "seed of the journeys", 0, 9.2e18)}};
}

ComponentSpec GraphSpec() {
  return {
      "The watch-next graph.",
      {StringParam("source", "csv", "where the graph comes from", {"csv", "recfluence", "knn"}),
       StringParam("nodes", "", "csv: nodes file (id, label, numeric attributes)"),
       StringParam("edges", "", "csv: edges file (src, dst, weight)"),
       StringParam("dir", "", "recfluence: the dataset directory"),
       StringParam("sinks", "prune", "policy for nodes without out-edges", {"prune", "absorb", "self_loop"}),
       StringParam("scenario", "",
                   "knn: a run scenario whose catalog and index blocks build the graph (or give catalog and "
                   "index blocks here)"),
       IntParam("seed", 1, "knn with catalog/index blocks here: the base seed, as a run scenario's seed", 0, 9.2e18),
       IntParam("replicate", 0, "knn: whose catalog (replicate r is built with DeriveSeed(seed, r))", 0, 1e6),
       IntParam("out_degree", 10, "knn: recommendations per item", 1, 1e6),
       DoubleParam("temperature", 0.1, "knn: edge weight exp((score - best score) / temperature)", 1e-9, 1e9)}};
}

ComponentSpec HarmfulSetSpecBlock() {
  return {"A harmful set.",
          {RequiredString("name", "short name of the set"),
           RequiredString("labels", "comma-separated labels, e.g. Alt-right,Alt-lite,IDW")}};
}

ComponentSpec GroupFlowBlockSpec() {
  return {
      "A group whose recommendation flow to and from the rest is reported.",
      {RequiredString("name", "short name of the group"),
       RequiredString("labels", "comma-separated labels, e.g. Alt-right,Alt-lite,IDW"),
       StringParam("weight", "uniform", "how often each source node is seen", {"uniform", "attribute"}),
       StringParam("attribute", "", "weight attribute: node attribute the weight is proportional to (e.g. views)")}};
}

ComponentSpec StartBlockSpec() {
  return {"Where walks start.",
          {StringParam("distribution", "uniform", "start distribution", {"uniform", "attribute"}),
           StringParam("attribute", "", "attribute: node attribute the start is proportional to")}};
}

ComponentSpec MetricsSpec() {
  return {"Exact metrics.",
          {IntParam("reach_k", 10, "steps for reach-within-k", 0, 1e6),
           IntParam("horizon", 10, "truncated bubble radius horizon t", 0, 1e6)}};
}

ComponentSpec JourneysSpec() {
  const JourneyOptions d;
  return {"Walkers (bots and users).",
          {IntParam("walkers", d.walkers, "walkers of each kind", 0, 1e9),
           IntParam("length", d.length, "steps per walk", 0, 1e6),
           DoubleParam("restart", d.restart, "per-step restart probability", 0, 1),
           DoubleParam("autonomy", 0.2, "users: per-step probability of navigating on their own", 0, 1),
           DoubleParam("preference_strength", 2.0, "users: weight multiplier of recommendations into their label", 0,
                       1e6)}};
}

ComponentSpec RewiringSpec() {
  return {
      "Graph interventions.",
      {IntParam("budget", 10, "rewiring operations (trajectory for 0..budget)", 0, 1e6),
       DoubleParam("tau", 0.5, "relevance ratio a new target must reach", 0, 1e6),
       IntParam("max_sources", 0, "sources scored per operation (0 = all)", 0, 1e9),
       IntParam("bubble_links", 10, "links inserted to shrink the bubble radius (0 = none)", 0, 1e6),
       DoubleParam("counter_narrative_budget", 0.0, "total probability of counter-narrative links (0 = none)", 0, 1e6),
       DoubleParam("alpha", 0.1, "probability per counter-narrative link", 1e-9, 0.999)}};
}

ComponentSpec OutputBlockSpec() {
  return {"Where results go.",
          {StringParam("dir", "",
                       "output directory, relative to this file (default results/<name>); "
                       "audit.json and rewire.json go there")}};
}

// a path relative to the scenario's directory
std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base) / path).lexically_normal().string();
}

// graph source knn: a run scenario named by path, or its catalog and index blocks inline
void LoadKnnSource(const YAML::Node& graph, const Params& g, const std::string& path, const std::string& base,
                   AuditConfig& c, DiagnosticList& diags) {
  const SourceLocation gloc = LocationOf(graph, path);
  const bool inline_blocks = graph && graph.IsMap() && (graph["catalog"] || graph["index"]);
  c.knn_replicate = static_cast<int>(g.Int("replicate"));
  c.knn.out_degree = static_cast<int>(g.Int("out_degree"));
  c.knn.temperature = g.Double("temperature");
  if (g.String("scenario").empty() == !inline_blocks) {
    diags.Add(gloc.file, gloc.line, gloc.column,
              inline_blocks ? "graph: source knn takes either 'scenario' or catalog/index blocks, not both"
                            : "graph: source knn needs 'scenario' (a run scenario, e.g. rabbit_hole.yaml) or a "
                              "'catalog' block (and optionally 'index')");
    return;
  }
  if (!inline_blocks) {
    try {
      c.knn_catalog = std::make_shared<const CatalogConfig>(LoadKnnCatalog(Resolve(base, g.String("scenario"))));
    } catch (const InputError& e) {
      for (const Diagnostic& d : e.diagnostics()) diags.Add(d);
    }
    return;
  }
  // these blocks, read as a run scenario's; their nodes keep this file's lines
  CatalogConfig k;
  k.file = path;
  k.base_dir = base;
  k.seed = static_cast<uint64_t>(g.Int("seed"));
  const size_t errors_before = diags.size();
  ValidateCatalogBlocks(graph, path, k, diags);
  if (diags.size() == errors_before) c.knn_catalog = std::make_shared<const CatalogConfig>(std::move(k));
}

}  // namespace

CatalogConfig LoadKnnCatalog(const std::string& path) {
  const std::string text = ReadFile(path);
  const YAML::Node root = ParseYamlMap(text, path, "a scenario");
  CatalogConfig k;
  k.file = path;
  k.base_dir = std::filesystem::path(path).parent_path().string();
  DiagnosticList diags;
  // the seed, as the run scenario reads it; the other run blocks are not the audit's
  YAML::Node seed(YAML::NodeType::Map);
  if (root["seed"]) seed["seed"] = root["seed"];
  const ComponentSpec seed_spec = {"", {BaseSeedParam()}};
  k.seed = static_cast<uint64_t>(ValidateBlock(seed, seed_spec, path, "scenario", diags).Int("seed"));
  ValidateCatalogBlocks(root, path, k, diags);
  diags.ThrowIfAny();
  return k;
}

std::vector<std::string> SplitLabels(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    if (a != std::string::npos) out.push_back(item.substr(a, b - a + 1));
  }
  return out;
}

AuditConfig LoadAuditConfig(const std::string& path) {
  const std::string text = ReadFile(path);
  const YAML::Node root = ParseYamlMap(text, path, "an audit scenario");
  const YAML::Node& cr = root;
  const std::string base = std::filesystem::path(path).parent_path().string();
  DiagnosticList diags;
  AuditConfig c;
  c.file = path;
  // top level and each block against its spec
  const std::set<std::string> blocks = {"graph",   "harmful_sets", "group_flows", "start",
                                        "metrics", "journeys",     "rewiring",    "output"};
  const Params top = ValidateBlock(cr, AuditTopSpec(), path, "audit", diags, blocks);
  c.name = top.String("name");
  c.description = top.String("description");
  c.journeys.seed = static_cast<uint64_t>(top.Int("seed"));
  const YAML::Node graph = cr["graph"];
  const Params g = ValidateBlock(graph, GraphSpec(), path, "graph", diags, {"catalog", "index"});
  c.source = g.String("source");
  c.nodes = Resolve(base, g.String("nodes"));
  c.edges = Resolve(base, g.String("edges"));
  c.dir = Resolve(base, g.String("dir"));
  c.sinks = ParseSinkPolicy(g.String("sinks")).value_or(SinkPolicy::kPrune);
  const SourceLocation gloc = LocationOf(cr["graph"], path);
  if (c.source == "csv" && (c.nodes.empty() || c.edges.empty()))
    diags.Add(gloc.file, gloc.line, gloc.column, "graph: source csv needs 'nodes' and 'edges' files");
  if (c.source == "recfluence" && c.dir.empty())
    diags.Add(gloc.file, gloc.line, gloc.column, "graph: source recfluence needs 'dir' (datasets/recfluence-2018)");
  if (c.source == "knn") LoadKnnSource(graph, g, path, base, c, diags);
  // harmful sets: a non-empty list of {name, labels}
  const YAML::Node sets = cr["harmful_sets"];
  if (!sets || !sets.IsSequence() || sets.size() == 0) {
    const SourceLocation l = sets ? LocationOf(sets, path) : SourceLocation{path, 0, 0};
    diags.Add(l.file, l.line, l.column, "harmful_sets: expected a non-empty list of {name, labels}");
  } else {
    for (size_t i = 0; i < sets.size(); ++i) {
      const Params s =
          ValidateBlock(sets[i], HarmfulSetSpecBlock(), path, "harmful_sets[" + std::to_string(i) + "]", diags);
      c.harmful.push_back({s.String("name"), SplitLabels(s.String("labels"))});
      if (s.WasSet("labels") && c.harmful.back().labels.empty()) {
        const SourceLocation l = s.Where("labels");
        diags.Add(l.file, l.line, l.column, "harmful_sets[" + std::to_string(i) + "].labels: give at least one label");
      }
    }
  }
  // group flows: an optional list of {name, labels, weight, attribute}
  const YAML::Node flows = cr["group_flows"];
  if (flows && !flows.IsSequence()) {
    const SourceLocation l = LocationOf(flows, path);
    diags.Add(l.file, l.line, l.column, "group_flows: expected a list of {name, labels, weight, attribute}");
  } else if (flows) {
    for (size_t i = 0; i < flows.size(); ++i) {
      const std::string where = "group_flows[" + std::to_string(i) + "]";
      const Params f = ValidateBlock(flows[i], GroupFlowBlockSpec(), path, where, diags);
      c.group_flows.push_back(
          {f.String("name"), SplitLabels(f.String("labels")), {f.String("weight"), f.String("attribute")}});
      if (f.WasSet("labels") && c.group_flows.back().labels.empty()) {
        const SourceLocation l = f.Where("labels");
        diags.Add(l.file, l.line, l.column, where + ".labels: give at least one label");
      }
      if (f.String("weight") == "attribute" && f.String("attribute").empty()) {
        const SourceLocation l = LocationOf(flows[i], path);
        diags.Add(l.file, l.line, l.column, where + ": weight attribute needs 'attribute' (e.g. views)");
      }
    }
  }
  const Params st = ValidateBlock(cr["start"], StartBlockSpec(), path, "start", diags);
  c.start = {st.String("distribution"), st.String("attribute")};
  if (c.start.kind == "attribute" && c.start.attribute.empty()) {
    const SourceLocation l = LocationOf(cr["start"], path);
    diags.Add(l.file, l.line, l.column, "start: distribution attribute needs 'attribute' (e.g. subscribers)");
  }
  const Params m = ValidateBlock(cr["metrics"], MetricsSpec(), path, "metrics", diags);
  c.reach_k = static_cast<int>(m.Int("reach_k"));
  c.horizon = static_cast<int>(m.Int("horizon"));
  const Params j = ValidateBlock(cr["journeys"], JourneysSpec(), path, "journeys", diags);
  c.journeys.walkers = j.Int("walkers");
  c.journeys.length = static_cast<int>(j.Int("length"));
  c.journeys.restart = j.Double("restart");
  c.user_autonomy = j.Double("autonomy");
  c.user_preference = j.Double("preference_strength");
  const Params r = ValidateBlock(cr["rewiring"], RewiringSpec(), path, "rewiring", diags);
  c.rewire_budget = static_cast<int>(r.Int("budget"));
  c.tau = r.Double("tau");
  c.max_sources = static_cast<int>(r.Int("max_sources"));
  c.bubble_links = static_cast<int>(r.Int("bubble_links"));
  c.counter_budget = r.Double("counter_narrative_budget");
  c.alpha = r.Double("alpha");
  const Params o = ValidateBlock(cr["output"], OutputBlockSpec(), path, "output", diags);
  c.output_dir = Resolve(base, o.String("dir"));
  diags.ThrowIfAny();
  return c;
}

WatchNextGraph LoadAuditGraph(const AuditConfig& config) {
  if (config.source == "recfluence") return LoadRecfluence(config.dir, config.sinks);
  if (config.source == "knn") {
    // the run's catalog and index for that replicate, then "more like this"
    const CatalogConfig& k = *config.knn_catalog;
    const IndexedCatalog world = BuildIndexedCatalog(k, DeriveSeed(k.seed, config.knn_replicate));
    return BuildKnnGraph(*world.catalog, *world.index, config.knn);
  }
  GraphCsvOptions options;
  options.sinks = config.sinks;
  return LoadGraphCsv(config.nodes, config.edges, options);
}

std::string DataDates(const AuditConfig& config) { return config.source == "recfluence" ? kRecfluenceDates : ""; }

}  // namespace counterpoint
