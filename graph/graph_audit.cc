#include "graph/graph_audit.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/rng.h"
#include "core/stats.h"
#include "graph/graph_rewiring.h"
#include "graph/group_flow.h"

namespace counterpoint {

namespace {

std::string Fixed(double x, int digits = 3) {
  if (std::isinf(x)) return "inf";
  if (std::isnan(x)) return "n/a";  // e.g. a Monte Carlo estimate from zero walkers
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << x;
  return s.str();
}

// what a segregation max or mean over the finite nodes leaves out, said where the numbers are
std::string ExcludedNote(int64_t trapped) {
  if (trapped == 0) return "";
  return std::to_string(trapped) + " trapped node(s) excluded (infinite segregation, left as they are)";
}

// "mean [low, high]" of a 95% estimate
std::string FixedCi(const Estimate& e) {
  if (std::isnan(e.mean)) return "n/a (no walkers)";
  return Fixed(e.mean) + " [" + Fixed(e.ci_low) + ", " + Fixed(e.ci_high) + "]";
}

}  // namespace

nlohmann::json JsonNumber(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json("inf"); }

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
  if (config.source == "knn" && config.knn_catalog) {
    const CatalogConfig& k = *config.knn_catalog;
    g["knn"] = {{"scenario", k.file},
                {"catalog", ChoiceJson(k.catalog)},
                {"index", IndexJson(k.index)},
                {"seed", k.seed},
                {"replicate", config.knn_replicate},
                {"replicate_seed", DeriveSeed(k.seed, config.knn_replicate)},
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
  // flows between each named group and the rest of the graph, in both directions
  out["group_flows"] = nlohmann::json::array();
  if (!config.group_flows.empty()) s << "\ngroup flows (one step; shares of all recommendations, sources weighted):\n";
  for (const GroupFlowSpec& spec : config.group_flows) {
    const std::string weight = spec.weight.kind + (spec.weight.attribute.empty() ? "" : " " + spec.weight.attribute);
    const GroupFlow gf = ComputeGroupFlow(graph, graph.LabelMask(spec.labels), StartDistribution(graph, spec.weight));
    out["group_flows"].push_back({{"name", spec.name},
                                  {"labels", spec.labels},
                                  {"weight", spec.weight.kind},
                                  {"attribute", spec.weight.attribute},
                                  {"weight_in_group", gf.weight_in_group},
                                  {"out", gf.out},
                                  {"in", gf.in},
                                  {"within_group", gf.within_group},
                                  {"within_rest", gf.within_rest},
                                  {"ended", gf.ended},
                                  {"ratio", std::isnan(gf.Ratio()) ? nlohmann::json() : JsonNumber(gf.Ratio())},
                                  {"out_rate", gf.OutRate()},
                                  {"in_rate", gf.InRate()}});
    s << "  " << spec.name << " (" << JoinNames(spec.labels) << "; weight " << weight << "): group -> rest "
      << Fixed(gf.out, 4) << ", rest -> group " << Fixed(gf.in, 4) << ", ratio " << Fixed(gf.Ratio())
      << "; P(leave | in group) " << Fixed(gf.OutRate()) << ", P(enter | outside) " << Fixed(gf.InRate()) << "\n";
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
                     {"finite", rw.finite},
                     {"trapped", rw.trapped},
                     {"excluded", ExcludedNote(rw.trapped)},
                     {"stopped", rw.stopped}};
    s << "\nharmful set '" << set.name << "' (" << JoinNames(set.labels) << "): rewiring, tau " << ro.tau << "\n"
      << "  ops  max_segregation  mean_segregation   over " << rw.finite << " finite harmful node(s)"
      << (rw.trapped ? "; " + ExcludedNote(rw.trapped) : "") << "\n";
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
                                      {"mean_segregation", cn.mean_metric},
                                      {"finite", cn.finite},
                                      {"trapped", cn.trapped},
                                      {"stopped", cn.stopped}};
      s << "  counter-narrative links: mean segregation " << Fixed(cn.mean_metric.front()) << " -> "
        << Fixed(cn.mean_metric.back()) << " over " << cn.finite << " finite harmful node(s)"
        << (cn.trapped ? "; " + ExcludedNote(cn.trapped) : "") << "\n";
      if (!cn.stopped.empty()) s << "  stopped early: " << cn.stopped << "\n";
    }
    out["harmful_sets"].push_back(h);
  }
  text += s.str();
  if (!DataDates(config).empty()) text += "(data: " + DataDates(config) + ")\n";
  return out;
}

}  // namespace counterpoint
