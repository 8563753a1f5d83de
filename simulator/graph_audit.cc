#include "simulator/graph_audit.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "core/io.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/stats.h"
#include "recommender/graph_loader.h"
#include "simulator/graph_rewiring.h"
#include "simulator/recfluence.h"
#include "simulator/runner.h"

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

std::string Fixed(double x, int digits = 3) {
  if (std::isinf(x)) return "inf";
  if (std::isnan(x)) return "n/a";  // e.g. a Monte Carlo estimate from zero walkers
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << x;
  return s.str();
}

// "mean [low, high]" of a 95% estimate
std::string FixedCi(const Estimate& e) {
  if (std::isnan(e.mean)) return "n/a (no walkers)";
  return Fixed(e.mean) + " [" + Fixed(e.ci_low) + ", " + Fixed(e.ci_high) + "]";
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
  try {
    if (inline_blocks) {
      // a run scenario made of these blocks; their nodes keep this file's lines
      YAML::Node run(YAML::NodeType::Map);
      run["name"] = c.name;
      run["seed"] = g.Int("seed");
      if (graph["catalog"]) run["catalog"] = graph["catalog"];
      if (graph["index"]) run["index"] = graph["index"];
      c.knn_scenario = std::make_shared<const Scenario>(ParseScenarioNode(run, path, {}, base));
    } else {
      c.knn_scenario = std::make_shared<const Scenario>(LoadScenario(Resolve(base, g.String("scenario"))));
    }
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) diags.Add(d);
  }
}

}  // namespace

nlohmann::json JsonNumber(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json("inf"); }

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
  const std::set<std::string> blocks = {"graph", "harmful_sets", "start", "metrics", "journeys", "rewiring", "output"};
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
    const Scenario& sc = *config.knn_scenario;
    const World world = BuildWorld(sc, DeriveSeed(sc.seed, config.knn_replicate));
    return BuildKnnGraph(*world.catalog, *world.index, config.knn);
  }
  GraphCsvOptions options;
  options.sinks = config.sinks;
  return LoadGraphCsv(config.nodes, config.edges, options);
}

std::string DataDates(const AuditConfig& config) { return config.source == "recfluence" ? kRecfluenceDates : ""; }

namespace {

// the graph's provenance block, shared by both commands
nlohmann::json GraphJson(const AuditConfig& config, const WatchNextGraph& graph, std::string& text) {
  const GraphReport& rep = graph.report();
  nlohmann::json g = {{"source", graph.source()},
                      {"nodes", graph.size()},
                      {"edges", graph.num_edges()},
                      {"input_nodes", rep.input_nodes},
                      {"input_edges", rep.input_edges},
                      {"sink_policy", SinkPolicyName(rep.sink_policy)},
                      {"sink_policy_description", SinkPolicyDescription(rep.sink_policy)},
                      {"pruned", rep.pruned},
                      {"sinks", rep.sinks},
                      {"merged_duplicate_edges", rep.merged_duplicates}};
  std::vector<std::string> warnings;
  for (const auto& w : rep.warnings) warnings.push_back(FormatWarning(w));
  g["warnings"] = warnings;
  if (config.source == "knn" && config.knn_scenario) {
    const Scenario& sc = *config.knn_scenario;
    g["knn"] = {{"scenario", sc.file},
                {"catalog", sc.Resolved()["catalog"]},
                {"index", sc.Resolved()["index"]},
                {"seed", sc.seed},
                {"replicate", config.knn_replicate},
                {"replicate_seed", DeriveSeed(sc.seed, config.knn_replicate)},
                {"out_degree", config.knn.out_degree},
                {"temperature", config.knn.temperature}};
  }
  std::map<std::string, int64_t> counts;
  for (int64_t i = 0; i < graph.size(); ++i) ++counts[graph.label(i)];
  g["label_counts"] = counts;
  std::ostringstream s;
  for (const auto& w : warnings) s << w << "\n";
  s << "graph: " << graph.source() << ": " << graph.size() << " nodes, " << graph.num_edges() << " edges\n";
  if (!DataDates(config).empty()) s << "data dates: " << DataDates(config) << "\n";
  s << "sinks: " << SinkPolicyDescription(rep.sink_policy) << " ("
    << (rep.sink_policy == SinkPolicy::kPrune ? rep.pruned.size() : rep.sinks.size()) << " node(s))\n";
  s << "labels:";
  for (const auto& [label, n] : counts) s << " " << label << "=" << n;
  s << "\n";
  text += s.str();
  return g;
}

// command, name, data dates and the graph's provenance
nlohmann::json Header(const std::string& command, const AuditConfig& config, const WatchNextGraph& graph,
                      std::string& text) {
  return {{"command", command},
          {"name", config.name},
          {"data_dates", DataDates(config)},
          {"graph", GraphJson(config, graph, text)}};
}

nlohmann::json PerNode(const WatchNextGraph& graph, const std::vector<int64_t>& nodes, const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < nodes.size(); ++i)
    out.push_back({{"id", graph.id(nodes[i])},
                   {"name", graph.name(nodes[i])},
                   {"label", graph.label(nodes[i])},
                   {"steps", JsonNumber(v[i])}});
  return out;
}

// " id (label) value" for the n largest values
std::string TopNodes(const WatchNextGraph& graph, const std::vector<int64_t>& nodes, const std::vector<double>& v,
                     size_t n) {
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  n = std::min(n, order.size());
  std::partial_sort(order.begin(), order.begin() + n, order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += " " + graph.name(nodes[order[i]]) + " (" + graph.label(nodes[order[i]]) + ") " + Fixed(v[order[i]]) +
           (i + 1 < n ? ";" : "");
  return out;
}

nlohmann::json McCurve(const std::vector<Estimate>& curve, int k) {
  nlohmann::json out = nlohmann::json::array();
  for (int s = 0; s <= k && s < static_cast<int>(curve.size()); ++s) out.push_back(EstimateJson(curve[s]));
  return out;
}

}  // namespace

nlohmann::json RunAudit(const AuditConfig& config, const WatchNextGraph& graph, std::string& text) {
  nlohmann::json out = Header("audit", config, graph, text);
  const std::vector<double> start = StartDistribution(graph, config.start);
  out["start"] = {{"distribution", config.start.kind}, {"attribute", config.start.attribute}};
  // journeys: bots follow recommendations only; users also follow their preferences
  JourneyOptions bot = config.journeys;
  bot.kind = WalkerKind::kBot;
  JourneyOptions user = bot;
  user.kind = WalkerKind::kUser;
  user.autonomy = config.user_autonomy;
  user.preference_strength = config.user_preference;
  const Journeys bots = SimulateJourneys(graph, start, bot);
  const Journeys users = SimulateJourneys(graph, start, user);
  const int k = config.reach_k;
  std::ostringstream s;
  s << "start: " << config.start.kind << (config.start.attribute.empty() ? "" : " " + config.start.attribute)
    << "; journeys: " << bot.walkers << " bots and " << user.walkers << " users, " << bot.length << " steps, seed "
    << bot.seed << "\n";
  for (const HarmfulSetSpec& set : config.harmful) {
    const std::vector<uint8_t> mask = graph.LabelMask(set.labels);
    nlohmann::json h = {{"name", set.name}, {"labels", set.labels}};
    // segregation and truncated radius, exact
    const SegregationResult seg = Segregation(graph, mask);
    h["segregation"] = {{"max", JsonNumber(seg.max)},   {"mean", JsonNumber(seg.mean)},
                        {"max_finite", seg.max_finite}, {"mean_finite", seg.mean_finite},
                        {"trapped", seg.trapped},       {"solver", seg.solver},
                        {"residual", seg.residual},     {"per_node", PerNode(graph, seg.nodes, seg.steps)}};
    const RadiusResult rad = TruncatedRadius(graph, mask, config.horizon);
    h["truncated_radius"] = {{"horizon", rad.horizon},
                             {"max", rad.max},
                             {"mean", rad.mean},
                             {"per_node", PerNode(graph, rad.nodes, rad.steps)}};
    // reach within k: from the start distribution and from each start group
    const std::vector<double> reach = ReachWithin(graph, mask, start, k);
    nlohmann::json by_group;
    for (const std::string& label : graph.label_names()) {
      // a group without start mass (e.g. zero subscribers throughout) has no value
      try {
        const std::vector<double> group_start = StartDistribution(graph, config.start, graph.LabelMask({label}));
        by_group[label] = ReachWithin(graph, mask, group_start, k);
      } catch (const InputError&) {
        by_group[label] = nullptr;
      }
    }
    const auto bot_reach = McReachWithin(bots, mask), user_reach = McReachWithin(users, mask);
    h["reach_within_k"] = {{"k", k},
                           {"exact", reach},
                           {"by_start_group", by_group},
                           {"monte_carlo_bots", McCurve(bot_reach, k)},
                           {"monte_carlo_users", McCurve(user_reach, k)}};
    // printed summary
    s << "\nharmful set '" << set.name << "' (" << JoinNames(set.labels) << "): " << seg.nodes.size() << " nodes\n"
      << "  segregation (expected steps before leaving): max " << Fixed(seg.max) << ", mean " << Fixed(seg.mean)
      << (seg.trapped ? ", " + std::to_string(seg.trapped) + " node(s) trapped (infinite)" : "") << "\n"
      << "  highest segregation:" << TopNodes(graph, seg.nodes, seg.steps, 3) << "\n"
      << "  truncated bubble radius (t=" << rad.horizon << "): max " << Fixed(rad.max) << ", mean " << Fixed(rad.mean)
      << "\n"
      << "  reach within k=" << k << " (exact): " << Fixed(reach.back());
    if (k <= bot.length) s << "; bots (MC) " << FixedCi(bot_reach[k]) << "; users (MC) " << FixedCi(user_reach[k]);
    s << "\n  reach within k=" << k << " by start group:";
    for (const std::string& label : graph.label_names())
      s << " " << label << "=" << (by_group[label].is_null() ? "n/a" : Fixed(by_group[label].back().get<double>()));
    s << "\n";
    out["harmful_sets"].push_back(h);
  }
  // label-to-label flow, exact and from the bots' first steps
  const LabelFlow flow = ComputeLabelFlow(graph, start);
  const auto mc_flow = McLabelFlow(graph, bots);
  nlohmann::json mc = nlohmann::json::array();
  for (const auto& row : mc_flow) {
    nlohmann::json r = nlohmann::json::array();
    for (const auto& e : row) r.push_back(EstimateJson(e));
    mc.push_back(r);
  }
  out["label_flow"] = {{"labels", flow.labels}, {"flow", flow.flow}, {"ended", flow.ended}, {"monte_carlo", mc}};
  s << "\nlabel flow (one step, rows = from, columns = to):\n  " << std::setw(12) << "";
  for (const auto& l : flow.labels) s << std::setw(10) << l.substr(0, 9);
  s << "\n";
  for (size_t a = 0; a < flow.labels.size(); ++a) {
    s << "  " << std::setw(12) << flow.labels[a].substr(0, 11);
    for (double x : flow.flow[a]) s << std::setw(10) << Fixed(x);
    s << "\n";
  }
  // where the walkers are at the end
  const auto bot_occ = LabelOccupancy(graph, bots), user_occ = LabelOccupancy(graph, users);
  out["journeys"] = {{"walkers", bot.walkers},
                     {"length", bot.length},
                     {"restart", bot.restart},
                     {"seed", bot.seed},
                     {"user_autonomy", user.autonomy},
                     {"user_preference_strength", user.preference_strength},
                     {"labels", graph.label_names()},
                     {"bots_final_occupancy", bot_occ.back()},
                     {"users_final_occupancy", user_occ.back()}};
  text += s.str();
  if (!DataDates(config).empty()) text += "(data: " + DataDates(config) + ")\n";
  return out;
}

nlohmann::json RunRewire(const AuditConfig& config, const WatchNextGraph& graph, std::string& text) {
  nlohmann::json out = Header("rewire", config, graph, text);
  std::ostringstream s;
  for (const HarmfulSetSpec& set : config.harmful) {
    const std::vector<uint8_t> mask = graph.LabelMask(set.labels);
    nlohmann::json h = {{"name", set.name}, {"labels", set.labels}};
    // greedy rewiring (Fabbri et al. 2022)
    RewireOptions ro;
    ro.budget = config.rewire_budget;
    ro.tau = config.tau;
    ro.max_sources = config.max_sources;
    const RewireResult rw = GreedyRewire(graph, mask, ro);
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& op : rw.operations)
      ops.push_back(
          {{"u", op.u},
           {"v", op.v},
           {"w", op.w},
           {"names", {graph.name(graph.Find(op.u)), graph.name(graph.Find(op.v)), graph.name(graph.Find(op.w))}},
           {"prob", op.prob},
           {"relevance_ratio", op.relevance_ratio}});
    h["rewiring"] = {{"budget", ro.budget},
                     {"tau", ro.tau},
                     {"max_segregation", rw.max_segregation},
                     {"mean_segregation", rw.mean_segregation},
                     {"operations", ops},
                     {"trapped", rw.trapped},
                     {"stopped", rw.stopped}};
    s << "\nharmful set '" << set.name << "' (" << JoinNames(set.labels) << "): rewiring, tau " << ro.tau
      << (rw.trapped ? ", " + std::to_string(rw.trapped) + " trapped node(s) left as they are" : "") << "\n"
      << "  ops  max_segregation  mean_segregation\n";
    for (size_t i = 0; i < rw.max_segregation.size(); ++i)
      s << "  " << std::setw(3) << i << "  " << std::setw(15) << Fixed(rw.max_segregation[i]) << "  " << std::setw(16)
        << Fixed(rw.mean_segregation[i]) << "\n";
    if (!rw.stopped.empty()) s << "  stopped early: " << rw.stopped << "\n";
    // bubble radius link insertion (RePBubLik-style)
    if (config.bubble_links > 0) {
      LinkInsertionOptions lo;
      lo.budget = config.bubble_links;
      lo.horizon = config.horizon;
      lo.max_sources = config.max_sources;
      const LinkInsertionResult br = ReduceBubbleRadius(graph, mask, lo);
      h["bubble_links"] = {{"horizon", lo.horizon},
                           {"max_radius", br.max_metric},
                           {"mean_radius", br.mean_metric},
                           {"stopped", br.stopped}};
      s << "  bubble links (t=" << lo.horizon << "): mean radius " << Fixed(br.mean_metric.front()) << " -> "
        << Fixed(br.mean_metric.back()) << " after " << br.links.size() << " link(s)\n";
    }
    // counter-narrative links under a weight budget
    if (config.counter_budget > 0) {
      LinkInsertionOptions lo;
      lo.weight_budget = config.counter_budget;
      lo.alpha = config.alpha;
      const LinkInsertionResult cn = InsertCounterNarratives(graph, mask, graph.LabelMask({"counter_narrative"}), lo);
      h["counter_narrative_links"] = {{"weight_budget", lo.weight_budget},
                                      {"alpha", lo.alpha},
                                      {"max_segregation", cn.max_metric},
                                      {"mean_segregation", cn.mean_metric}};
      s << "  counter-narrative links: mean segregation " << Fixed(cn.mean_metric.front()) << " -> "
        << Fixed(cn.mean_metric.back()) << "\n";
    }
    out["harmful_sets"].push_back(h);
  }
  text += s.str();
  if (!DataDates(config).empty()) text += "(data: " + DataDates(config) + ")\n";
  return out;
}

}  // namespace counterpoint
