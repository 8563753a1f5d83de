// A run's report as one HTML page: the summary in sentences, figures with their tables,
// the manifest and the scenario, from the files a run wrote (never recomputed from
// anything else, never hard-coded).
#include "experiment/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "core/hash.h"
#include "core/metric_spec.h"
#include "core/stats.h"
#include "experiment/report_svg.h"
#include "graph/confinement.h"
#include "graph/graph_loader.h"
#include "recommender/intervention.h"
#include "simulator/observers/observer.h"
#include "world/world.h"

namespace counterpoint {

namespace {

// the outcomes a summary sentence reports, then what they cost (where the run has them)
const std::vector<std::pair<std::string, std::string>> kOutcomes = {
    {"harmful_exposure_share", "harmful exposure"},
    {"rabbit_hole_share", "users in a rabbit hole"},
    {"harmful_reach", "users reached by harmful content"},
    {"extremity_mean", "users' mean extremity"},
    {"cn_reach_at_risk", "at-risk users reached by a counter-narrative"}};
const std::vector<std::pair<std::string, std::string>> kCosts = {
    {"clicks_per_session", "clicks per session"},
    {"news_exposure_share", "news exposure"},
    {"news_clicks_per_user_cumulative", "news clicks per user"}};
// a world of platforms (docs/crisis.md): the crisis's outcomes over every platform, and its
// collateral on news reporting
const std::vector<std::pair<std::string, std::string>> kWorldOutcomes = {
    {"blocked_share", "attack copies blocked at upload"},
    {"within_hour_share", "attack copies blocked or removed within the hour"},
    {"views", "views of attack copies"},
    {"live_copies", "attack copies still up"}};
const std::vector<std::pair<std::string, std::string>> kWorldCosts = {
    {"news_hit", "news reports blocked or removed"}, {"news_restored", "news reports restored on appeal"}};
// each platform's columns in the crisis section
const std::vector<std::string> kPlatformColumns = {"blocked_share", "within_hour_share", "views",
                                                   "live_copies",   "orders_met_share",  "news_hit"};

// the legitimate and news items an intervention hit, and the moderation timeline's columns
const std::vector<std::string> kCollateral = {"hash_blocked_legitimate_total", "hash_blocked_news_total",
                                              "mod_removed_legitimate_total", "dh_demoted_news_share"};
const std::vector<std::string> kModeration = {
    "mod_removed_total", "mod_within_hour_total", "mod_removed_within_hour_share", "mod_impressions_before_removal",
    "mod_queue_length",  "mod_restored_total"};
const std::vector<std::pair<std::string, std::string>> kRiskGroups = {
    {"cn_reach_at_risk", "at risk, any slot"},
    {"cn_reach_not_at_risk", "not at risk, any slot"},
    {"cn_injected_reach_at_risk", "at risk, injected"},
    {"cn_injected_reach_not_at_risk", "not at risk, injected"}};

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;color:#1b1b1b;background:#fff;margin:0}
main{max-width:62rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.7rem;margin:.5rem 0}h2{font-size:1.3rem;border-bottom:1px solid #ccc;margin-top:2.2rem}
h3{font-size:1.1rem;margin-bottom:.3rem}
.partial{border:2px solid #b00020;background:#fdecee;padding:.6rem .9rem;font-weight:600}
.arm{border-left:4px solid #0072B2;padding:.1rem .9rem;margin:1rem 0}
.yes{color:#006b3c;font-weight:600}.no{color:#6b4e00;font-weight:600}
figure{margin:1.2rem 0 .4rem;max-width:48rem}figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.95rem;color:#333}
.figtable{margin-bottom:1.2rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.2rem 0}
pre{background:#f5f5f5;padding:.6rem;overflow-x:auto;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
code{font-size:.9em}details{margin:.4rem 0}
@media print{details::details-content{content-visibility:visible;display:block}main{max-width:none}
.arm{break-inside:avoid}figure{break-inside:avoid}}
)";

std::string Esc(const std::string& s) { return HtmlEscape(s); }

// a JSON number (null: NaN)
double Num(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nan("");
  return j[key].get<double>();
}

// a number the golden test reads back: the value exactly (17 digits) in `value`, shown rounded
std::string Data(double x, const std::string& arm, const std::string& metric, const std::string& field) {
  char exact[40];
  std::snprintf(exact, sizeof exact, "%.17g", x);
  return "<data value=\"" + std::string(std::isnan(x) ? "nan" : exact) + "\" data-arm=\"" + Esc(arm) +
         "\" data-metric=\"" + Esc(metric) + "\" data-field=\"" + field + "\">" + ReportNumber(x) + "</data>";
}

// "mean [low, high]" of an estimate record (mean, ci95_low, ci95_high)
std::string EstimateCell(const nlohmann::json& e) {
  if (!e.is_object()) return "n/a";
  if (e.contains("not_applicable")) return "&mdash;";
  std::string s = ReportNumber(Num(e, "mean"));
  if (std::isfinite(Num(e, "ci95_low")))
    s += " [" + ReportNumber(Num(e, "ci95_low")) + ", " + ReportNumber(Num(e, "ci95_high")) + "]";
  return s;
}

// the spec a registered observer or intervention declares for `column`, or nullptr
const MetricSpec* RegisteredMetric(const std::string& column) {
  for (const auto& name : ObserverRegistry::Get().Names())
    if (const MetricSpec* m = FindMetric(ObserverRegistry::Get().Find(name)->spec.metrics, column)) return m;
  for (const auto& name : InterventionRegistry::Get().Names())
    if (const MetricSpec* m = FindMetric(InterventionRegistry::Get().Find(name)->spec.metrics, column)) return m;
  return FindMetric(WorldMetrics(), column);
}
std::string Unit(const std::string& column) {
  const MetricSpec* m = RegisteredMetric(column);
  return m ? m->unit : "value";
}
std::string Definition(const std::string& column) {
  const MetricSpec* m = RegisteredMetric(column);
  return m ? m->definition : "a column a plug-in registered at run time";
}

// a CSV cell as a number; an empty cell is undefined (NaN)
double Cell(const CsvTable& t, size_t row, int col) {
  return t.rows[row][col].empty() ? std::nan("") : CsvDouble(t, row, col);
}

// the context every section reads
struct Ctx {
  const RunDirectory& run;
  std::vector<std::string> arms;     // scenario order
  std::vector<std::string> columns;  // metric columns, in metrics.csv order
  std::string control;
  int figures = 0;
  std::vector<std::string> platforms;  // a world of platforms' (docs/crisis.md), else empty

  bool World() const { return !platforms.empty(); }
  const std::vector<std::pair<std::string, std::string>>& Outcomes() const {
    return World() ? kWorldOutcomes : kOutcomes;
  }
  const std::vector<std::pair<std::string, std::string>>& Costs() const { return World() ? kWorldCosts : kCosts; }

  bool HasColumn(const std::string& c) const { return std::find(columns.begin(), columns.end(), c) != columns.end(); }
  const nlohmann::json& Final(const std::string& arm, const std::string& column) const {
    static const nlohmann::json kNone;
    const auto& arms_j = run.summary["arms"];
    if (!arms_j.contains(arm) || !arms_j[arm].contains("final") || !arms_j[arm]["final"].contains(column)) return kNone;
    return arms_j[arm]["final"][column];
  }
  const nlohmann::json* Comparison(const std::string& arm, const std::string& column) const {
    for (const auto& c : run.summary["comparisons"])
      if (c.value("arm", "") == arm && c.value("metric", "") == column) return &c;
    return nullptr;
  }
  std::string NextId() { return "fig" + std::to_string(++figures); }
};

// a figure with its caption, and the table with its numbers beside it
std::string Figure(const std::string& svg, const std::string& caption, const std::string& table, bool table_open) {
  std::ostringstream out;
  out << "<div class=\"figtable\"><figure>" << svg << "<figcaption>" << caption << "</figcaption></figure>";
  if (table_open)
    out << "<div class=\"scroll\">" << table << "</div>";
  else
    out << "<details><summary>The numbers in this figure (table)</summary><div class=\"scroll\">" << table
        << "</div></details>";
  out << "</div>";
  return out.str();
}

// one sentence on one metric of one arm against the control
std::string Finding(Ctx& ctx, const std::string& arm, const std::string& column, const std::string& label,
                    int comparisons) {
  const nlohmann::json* c = ctx.Comparison(arm, column);
  std::ostringstream out;
  out << "<li><b>" << Esc(label) << "</b> (" << Esc(Unit(column)) << "): ";
  if (!c) return out.str() + "not compared.</li>";
  if (c->contains("not_applicable")) return out.str() + "not applicable: " + Esc((*c)["not_applicable"]) + ".</li>";
  if (c->contains("undefined") || std::isnan(Num(*c, "diff")))
    return out.str() + "could not be compared: " + Esc(c->value("undefined", std::string("no value"))) + ".</li>";
  out << Data(Num(ctx.Final(ctx.control, column), "mean"), ctx.control, column, "control_mean") << " under "
      << Esc(ctx.control) << ", " << Data(Num(ctx.Final(arm, column), "mean"), arm, column, "arm_mean") << " under "
      << Esc(arm) << ": a difference of " << Data(Num(*c, "diff"), arm, column, "diff");
  if (std::isfinite(Num(*c, "ci_low")))
    out << " (95% CI " << Data(Num(*c, "ci_low"), arm, column, "ci_low") << " to "
        << Data(Num(*c, "ci_high"), arm, column, "ci_high") << ")";
  if (std::isfinite(Num(*c, "relative")))
    out << ", a relative change of " << Data(Num(*c, "relative") * 100, arm, column, "relative_percent") << "%";
  out << ". ";
  const nlohmann::json d = c->value("distinguishable_after_holm", nlohmann::json());
  if (d.is_boolean() && d.get<bool>())
    out << "<span class=\"yes\">Distinguishable from zero</span> after Holm's correction over this arm's "
        << comparisons << " comparisons (adjusted p = " << Data(Num(*c, "p_holm"), arm, column, "p_holm") << ").";
  else if (d.is_boolean())
    out << "<span class=\"no\">Not distinguishable from zero</span> after Holm's correction over this arm's "
        << comparisons << " comparisons (adjusted p = " << Data(Num(*c, "p_holm"), arm, column, "p_holm")
        << "): the run cannot tell this difference from chance.";
  else
    out << "No test: too few replicates for a p-value.";
  return out.str() + "</li>";
}

std::string SummarySection(Ctx& ctx) {
  const auto& s = ctx.run.summary;
  std::ostringstream out;
  out << "<section id=\"summary\"><h2>What the run found</h2><p>Each arm is compared with the control arm <b>"
      << Esc(ctx.control) << "</b> at the final step (step " << s.value("steps", 0) - 1 << "), over "
      << s.value("replicates", 0)
      << " replicates that share their random numbers, so each difference is paired. A 95% confidence interval "
         "(CI) that excludes zero, and a difference still distinguishable after the correction for testing many "
         "metrics at once, are what to look for.</p>";
  for (const std::string& arm : ctx.arms) {
    out << "<div class=\"arm\"><h3>" << Esc(arm) << (arm == ctx.control ? " (the control)" : "") << "</h3>";
    if (s.value("partial", false) && s["arms"].contains(arm) && s["arms"][arm].contains("replicates_completed"))
      out << "<p>Completed replicates: " << s["arms"][arm]["replicates_completed"].get<int>() << ".</p>";
    if (arm == ctx.control) {
      out << "<p>The reference: every other arm is compared with it. Its final values:</p><ul>";
      for (const auto& [column, label] : ctx.Outcomes())
        if (ctx.HasColumn(column))
          out << "<li><b>" << Esc(label) << "</b> (" << Esc(Unit(column))
              << "): " << Data(Num(ctx.Final(arm, column), "mean"), arm, column, "arm_mean") << "</li>";
      out << "</ul></div>";
      continue;
    }
    int m = 0;
    for (const auto& c : s["comparisons"])
      if (c.value("arm", "") == arm && c.contains("p") && c["p"].is_number()) ++m;
    out << "<p>What changed against " << Esc(ctx.control) << ":</p><ul>";
    for (const auto& [column, label] : ctx.Outcomes())
      if (ctx.HasColumn(column)) out << Finding(ctx, arm, column, label, m);
    out << "</ul><p>What it cost:</p><ul>";
    bool any_cost = false;
    for (const auto& [column, label] : ctx.Costs())
      if (ctx.HasColumn(column)) out << Finding(ctx, arm, column, label, m), any_cost = true;
    if (!any_cost) out << "<li>This run has no engagement or news metric.</li>";
    out << "</ul></div>";
  }
  out << "<p>How these numbers are made: " << Esc(s.value("statistic", "")) << ". " << Esc(s.value("multiplicity", ""))
      << ".</p></section>";
  return out.str();
}

// a forest plot of each arm's difference from the control, one per reported metric
std::string ForestSection(Ctx& ctx) {
  std::ostringstream out;
  out << "<section id=\"effects\"><h2>Each arm's effect against the control</h2>";
  std::vector<std::pair<std::string, std::string>> metrics = ctx.Outcomes();
  metrics.insert(metrics.end(), ctx.Costs().begin(), ctx.Costs().end());
  for (const auto& [column, label] : metrics) {
    if (!ctx.HasColumn(column)) continue;
    std::vector<IntervalRow> rows;
    std::ostringstream table;
    table << "<table><caption>" << Esc(label) << ": difference from " << Esc(ctx.control)
          << "</caption><tr><th scope=\"col\">arm</th><th scope=\"col\">difference</th><th scope=\"col\">95% "
             "CI</th><th scope=\"col\">adjusted p (Holm)</th><th scope=\"col\">distinguishable</th></tr>";
    for (const std::string& arm : ctx.arms) {
      const nlohmann::json* c = arm == ctx.control ? nullptr : ctx.Comparison(arm, column);
      if (!c || c->contains("not_applicable")) continue;
      const nlohmann::json d = c->value("distinguishable_after_holm", nlohmann::json());
      rows.push_back({arm, Num(*c, "diff"), Num(*c, "ci_low"), Num(*c, "ci_high"), d.is_boolean() && d.get<bool>()});
      table << "<tr><th scope=\"row\">" << Esc(arm) << "</th><td>" << ReportNumber(Num(*c, "diff")) << "</td><td>"
            << ReportNumber(Num(*c, "ci_low")) << " to " << ReportNumber(Num(*c, "ci_high")) << "</td><td>"
            << ReportNumber(Num(*c, "p_holm")) << "</td><td>"
            << (d.is_boolean() ? (d.get<bool>() ? "yes" : "no") : "n/a") << "</td></tr>";
    }
    table << "</table>";
    if (rows.empty()) continue;
    const std::string title = "Effect on " + label + " against " + ctx.control;
    std::string desc = "Forest plot: for each arm, the paired difference in " + label + " (" + Unit(column) +
                       ") from " + ctx.control +
                       " at the final step with its 95% CI; a filled dot is distinguishable "
                       "from zero after Holm's correction. ";
    for (const IntervalRow& r : rows)
      desc += r.label + ": " + ReportNumber(r.estimate) + " [" + ReportNumber(r.low) + ", " + ReportNumber(r.high) +
              "]" + (r.marked ? " distinguishable" : "") + ". ";
    out << Figure(IntervalPlotSvg(ctx.NextId(), title, desc,
                                  "difference from " + ctx.control + " (" + Unit(column) + ")", rows, 0.0),
                  Esc(title) +
                      ": dots are the mean paired difference, bars the 95% CI, the dashed line no difference; "
                      "filled dots are distinguishable from zero after Holm's correction.",
                  table.str(), true);
  }
  return out.str() + "</section>";
}

// per-arm time series with their 95% bands, one figure per metric
std::string TimeSeriesSection(Ctx& ctx) {
  const CsvTable& t = ctx.run.metrics_summary;
  const int c_step = t.RequireColumn("step"), c_arm = t.RequireColumn("arm"), c_metric = t.RequireColumn("metric"),
            c_mean = t.RequireColumn("mean"), c_low = t.RequireColumn("ci95_low"),
            c_high = t.RequireColumn("ci95_high");
  std::map<std::string, std::map<std::string, ChartSeries>> by_metric;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    ChartSeries& s = by_metric[t.rows[r][c_metric]][t.rows[r][c_arm]];
    s.label = t.rows[r][c_arm];
    s.x.push_back(Cell(t, r, c_step));
    s.mean.push_back(Cell(t, r, c_mean));
    s.low.push_back(Cell(t, r, c_low));
    s.high.push_back(Cell(t, r, c_high));
  }
  std::ostringstream out;
  out << "<section id=\"series\"><h2>Every metric over time</h2><p>Lines are the mean over replicates at each step; "
         "bands their 95% CI (metrics_summary.csv).</p>";
  for (const std::string& column : ctx.columns) {
    // a world's per-platform columns are in the platforms section
    if (!by_metric.count(column) || (ctx.World() && column.find('@') != std::string::npos)) continue;
    std::vector<ChartSeries> series;
    for (const std::string& arm : ctx.arms)
      if (by_metric[column].count(arm)) series.push_back(by_metric[column][arm]);
    if (series.empty()) continue;
    std::ostringstream table;
    table << "<table><caption>" << Esc(column) << " per step: mean [95% CI]</caption><tr><th scope=\"col\">step</th>";
    for (const ChartSeries& s : series) table << "<th scope=\"col\">" << Esc(s.label) << "</th>";
    table << "</tr>";
    for (size_t i = 0; i < series[0].x.size(); ++i) {
      table << "<tr><th scope=\"row\">" << ReportNumber(series[0].x[i]) << "</th>";
      for (const ChartSeries& s : series) {
        table << "<td>";
        if (i < s.mean.size()) {
          table << ReportNumber(s.mean[i]);
          if (std::isfinite(s.low[i]))
            table << " [" << ReportNumber(s.low[i]) << ", " << ReportNumber(s.high[i]) << "]";
        }
        table << "</td>";
      }
      table << "</tr>";
    }
    table << "</table>";
    std::string desc = "Line chart of " + column + " (" + Unit(column) +
                       ") against the step, one line per arm with "
                       "its 95% band. Final values: ";
    for (const ChartSeries& s : series)
      if (!s.mean.empty()) desc += s.label + " " + ReportNumber(s.mean.back()) + "; ";
    out << "<h3 id=\"m-" << Esc(column) << "\">" << Esc(column) << "</h3><p>" << Esc(Definition(column)) << ".</p>"
        << Figure(LineChartSvg(ctx.NextId(), column + " over time", desc, "step", Unit(column), series),
                  Esc(column) + " (" + Esc(Unit(column)) + ") per step and arm: mean over replicates, band 95% CI.",
                  table.str(), false);
  }
  return out.str() + "</section>";
}

// a table of the final values (mean [CI]) of `columns` per arm: rows arms, columns metrics
std::string FinalTable(Ctx& ctx, const std::string& caption, const std::vector<std::string>& columns) {
  std::ostringstream out;
  out << "<div class=\"scroll\"><table><caption>" << Esc(caption) << "</caption><tr><th scope=\"col\">arm</th>";
  for (const auto& c : columns) out << "<th scope=\"col\">" << Esc(c) << "<br>(" << Esc(Unit(c)) << ")</th>";
  out << "</tr>";
  for (const std::string& arm : ctx.arms) {
    out << "<tr><th scope=\"row\">" << Esc(arm) << "</th>";
    for (const auto& c : columns) out << "<td>" << EstimateCell(ctx.Final(arm, c)) << "</td>";
    out << "</tr>";
  }
  return out.str() + "</table></div>";
}

// the columns of `wanted` this run has
std::vector<std::string> Present(const Ctx& ctx, const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  for (const auto& c : wanted)
    if (ctx.HasColumn(c)) out.push_back(c);
  return out;
}

// counter-narrative reach by risk group (summary.json) and by organisation (metrics.csv)
std::string CounterNarrativeSection(Ctx& ctx) {
  std::ostringstream out;
  std::vector<IntervalRow> rows;
  std::vector<std::string> groups;
  for (const auto& [column, label] : kRiskGroups)
    if (ctx.HasColumn(column)) groups.push_back(column);
  std::regex org_column("cn_org([0-9]+)_impressions");
  std::vector<std::string> orgs;
  for (const auto& c : ctx.columns)
    if (std::regex_match(c, org_column)) orgs.push_back(c);
  if (groups.empty() && orgs.empty()) return "";
  out << "<section id=\"counter-narratives\"><h2>Counter-narrative reach</h2>";
  if (!groups.empty()) {
    for (const std::string& arm : ctx.arms)
      for (const auto& [column, label] : kRiskGroups) {
        const nlohmann::json& f = ctx.Final(arm, column);
        if (!ctx.HasColumn(column) || f.contains("not_applicable")) continue;
        rows.push_back({arm + ": " + label, Num(f, "mean"), Num(f, "ci95_low"), Num(f, "ci95_high"), true});
      }
    std::string desc =
        "Share of users shown a counter-narrative by the final step, per arm and risk group, with 95% CI. ";
    for (const IntervalRow& r : rows) desc += r.label + " " + ReportNumber(r.estimate) + "; ";
    out << "<h3>By user risk group</h3>"
        << Figure(IntervalPlotSvg(ctx.NextId(), "Counter-narrative reach by risk group", desc, "share of the group",
                                  rows, std::nan("")),
                  "Share of at-risk and other users shown a counter-narrative at some step (any slot, or injected "
                  "slots only), final step, mean and 95% CI.",
                  FinalTable(ctx, "Counter-narrative reach by risk group, final step: mean [95% CI]", groups), true);
  }
  if (!orgs.empty()) {
    // per arm and replicate, the organisation's injections summed over the steps, then the
    // mean over replicates with its 95% CI
    const CsvTable& m = ctx.run.metrics;
    const int c_arm = m.RequireColumn("arm"), c_rep = m.RequireColumn("replicate");
    out << "<h3>By organisation</h3><div class=\"scroll\"><table><caption>Counter-narratives injected per "
           "organisation over the whole run (sum over steps per replicate; mean [95% CI] over replicates, "
           "metrics.csv)</caption><tr><th scope=\"col\">arm</th>";
    for (const auto& o : orgs) out << "<th scope=\"col\">" << Esc(o) << "</th>";
    out << "</tr>";
    for (const std::string& arm : ctx.arms) {
      out << "<tr><th scope=\"row\">" << Esc(arm) << "</th>";
      for (const auto& o : orgs) {
        const int c = m.RequireColumn(o);
        std::map<std::string, double> totals;
        for (size_t r = 0; r < m.rows.size(); ++r)
          if (m.rows[r][c_arm] == arm) totals[m.rows[r][c_rep]] += Cell(m, r, c);
        std::vector<double> values;
        for (const auto& [rep, v] : totals) values.push_back(v);
        out << "<td>" << EstimateCell(EstimateJson(MeanCi(values))) << "</td>";
      }
      out << "</tr>";
    }
    out << "</table></div>";
  }
  return out.str() + "</section>";
}

std::string CollateralSection(Ctx& ctx) {
  const std::vector<std::string> columns = Present(ctx, kCollateral);
  if (columns.empty()) return "";
  return "<section id=\"collateral\"><h2>Collateral: legitimate and news items hit</h2><p>What an intervention "
         "took down or demoted that was not harmful (ground truth the platform does not see), at the final step; "
         "&mdash; where the arm does not run the intervention.</p>" +
         FinalTable(ctx, "Collateral per arm, final step: mean [95% CI]", columns) + "</section>";
}

// the q-quantile of sorted values (Hyndman & Fan's definition 7, as the observers use)
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double h = (sorted.size() - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  return sorted[lo] + (h - lo) * (sorted[std::min(lo + 1, sorted.size() - 1)] - sorted[lo]);
}

// steps from upload to removal (moderation.csv's removed events) per arm: median, 10th
// and 90th percentiles over every removal of every replicate
std::string TimeToRemoval(Ctx& ctx) {
  const CsvTable& t = *ctx.run.moderation;
  const int c_arm = t.RequireColumn("arm"), c_event = t.RequireColumn("event"),
            c_latency = t.RequireColumn("latency_steps");
  std::map<std::string, std::vector<double>> latency;
  for (size_t r = 0; r < t.rows.size(); ++r)
    if (t.rows[r][c_event] == "removed") latency[t.rows[r][c_arm]].push_back(Cell(t, r, c_latency));
  std::vector<IntervalRow> rows;
  std::ostringstream table;
  table << "<table><caption>Steps from upload to removal (moderation.csv latency_steps)</caption><tr><th "
           "scope=\"col\">arm</th>"
           "<th scope=\"col\">removals</th><th scope=\"col\">median</th><th scope=\"col\">10th "
           "percentile</th><th scope=\"col\">90th percentile</th><th scope=\"col\">mean</th></tr>";
  for (const std::string& arm : ctx.arms) {
    auto& v = latency[arm];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    rows.push_back({arm, Quantile(v, 0.5), Quantile(v, 0.1), Quantile(v, 0.9), true});
    table << "<tr><th scope=\"row\">" << Esc(arm) << "</th><td>" << v.size() << "</td><td>"
          << ReportNumber(Quantile(v, 0.5)) << "</td><td>" << ReportNumber(Quantile(v, 0.1)) << "</td><td>"
          << ReportNumber(Quantile(v, 0.9)) << "</td><td>" << ReportNumber(sum / v.size()) << "</td></tr>";
  }
  table << "</table>";
  if (rows.empty()) return "<p>No removal in moderation.csv.</p>";
  std::string desc =
      "Per arm, the median number of steps from an item's upload to its removal, with the 10th "
      "and 90th percentiles over every removal. ";
  for (const IntervalRow& r : rows)
    desc += r.label + ": median " + ReportNumber(r.estimate) + " [" + ReportNumber(r.low) + ", " +
            ReportNumber(r.high) + "]. ";
  return "<h3>Time to removal</h3>" +
         Figure(
             IntervalPlotSvg(ctx.NextId(), "Time to removal", desc, "steps from upload to removal", rows, std::nan("")),
             "Time to removal per arm: dot the median, bar from the 10th to the 90th percentile (moderation.csv).",
             table.str(), true);
}

std::string ModerationSection(Ctx& ctx) {
  const std::vector<std::string> columns = Present(ctx, kModeration);
  if (columns.empty()) return "";
  std::ostringstream out;
  out << "<section id=\"moderation\"><h2>Moderation timeline</h2><p>Removals since the start, those within the "
         "hour of going live, and the impressions removed items had before removal (each over time: "
         "figures under <a href=\"#m-mod_removed_within_hour_share\">mod_removed_within_hour_share</a>).</p>"
      << FinalTable(ctx, "Moderation per arm, final step: mean [95% CI]", columns);
  // the share of removals within the hour over the whole run, per replicate's totals
  if (ctx.HasColumn("mod_within_hour_total") && ctx.HasColumn("mod_removed_total")) {
    out << "<p>Share of all removals that came within the hour (final totals, mean over replicates): ";
    for (const std::string& arm : ctx.arms) {
      const double within = Num(ctx.Final(arm, "mod_within_hour_total"), "mean"),
                   all = Num(ctx.Final(arm, "mod_removed_total"), "mean");
      if (std::isfinite(within) && all > 0) out << Esc(arm) << " " << ReportNumber(within / all) << "; ";
    }
    out << "</p>";
  }
  if (ctx.run.moderation) out << TimeToRemoval(ctx);
  return out.str() + "</section>";
}

std::string CoverageSection(Ctx& ctx) {
  if (!ctx.run.coverage_gaps) return "";
  const CsvTable& t = *ctx.run.coverage_gaps;
  std::ostringstream out;
  out << "<section id=\"coverage\"><h2>Coverage gaps</h2><p>Regions of harmful content ranked by the harmful "
         "traffic they sent to at-risk users; rank 1 is where a new counter-narrative would meet the most at-risk "
         "traffic (coverage_gaps.csv, docs/metrics.md).</p><div class=\"scroll\"><table><caption>The regions "
         "ranked 1 to 5 (uncovered first) per arm and replicate</caption><tr>";
  for (const auto& h : t.header) out << "<th scope=\"col\">" << Esc(h) << "</th>";
  out << "</tr>";
  const int c_rank = t.RequireColumn("rank");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (Cell(t, r, c_rank) > 5) continue;
    out << "<tr>";
    for (const auto& v : t.rows[r]) out << "<td>" << Esc(v) << "</td>";
    out << "</tr>";
  }
  return out.str() + "</table></div></section>";
}

std::string GraphSection(Ctx& ctx) {
  const auto& m = ctx.run.manifest;
  if (!m.contains("graph_files")) return "";
  std::ostringstream out;
  out << "<section id=\"graphs\"><h2>Graph audit of the induced watch-next graphs</h2><p>Each arm's induced "
         "graph (an edge from an item to the next one a user clicked, all replicates together; sinks pruned) "
         "audited as <code>counterpoint audit --nodes NODES --edges EDGES --harmful borderline,extremist</code> "
         "would (docs/graph.md): segregation is the expected number of steps a random walk from a harmful node "
         "stays among harmful nodes; reach is the chance that a walk from a uniformly chosen node meets a "
         "harmful one within 10 steps.</p><div class=\"scroll\"><table><caption>Graph audit per arm</caption><tr>"
         "<th scope=\"col\">arm</th><th scope=\"col\">nodes</th><th scope=\"col\">edges</th><th "
         "scope=\"col\">harmful nodes</th><th scope=\"col\">trapped harmful nodes</th><th scope=\"col\">mean "
         "segregation (steps)</th><th scope=\"col\">reach within 10 steps</th><th scope=\"col\">files</th></tr>";
  for (const InducedGraphAudit& g : ctx.run.graphs) {
    const auto& files = m["graph_files"].value(g.arm, nlohmann::json::object());
    if (!g.problem.empty()) {
      out << "<tr><th scope=\"row\">" << Esc(g.arm) << "</th><td colspan=\"7\" style=\"text-align:left\">not "
          << "audited: " << Esc(g.problem) << "</td></tr>";
      continue;
    }
    out << "<tr><th scope=\"row\">" << Esc(g.arm) << "</th><td>" << g.nodes << "</td><td>" << g.edges << "</td><td>"
        << g.harmful << "</td><td>" << g.trapped << "</td><td>" << ReportNumber(g.mean_segregation) << "</td><td>"
        << ReportNumber(g.reach_within_10) << "</td><td><code>" << Esc(files.value("nodes", "")) << "</code>, <code>"
        << Esc(files.value("edges", "")) << "</code></td></tr>";
  }
  return out.str() + "</table></div></section>";
}

// the audit's metrics of one exported graph
InducedGraphAudit AuditInducedGraph(const std::string& arm, const std::string& nodes, const std::string& edges) {
  InducedGraphAudit a;
  a.arm = arm;
  const WatchNextGraph g = LoadGraphCsv(nodes, edges);
  a.nodes = g.size();
  a.edges = g.num_edges();
  std::vector<uint8_t> harmful(g.size());
  for (int64_t i = 0; i < g.size(); ++i) harmful[i] = g.label(i) == "borderline" || g.label(i) == "extremist";
  for (uint8_t h : harmful) a.harmful += h;
  a.mean_segregation = std::nan(""), a.reach_within_10 = std::nan("");
  if (a.harmful == 0 || a.nodes == 0) return a;
  const SegregationResult seg = Segregation(g, harmful);
  a.trapped = seg.trapped;
  a.mean_segregation = seg.mean_finite;
  a.reach_within_10 = ReachWithin(g, harmful, StartDistribution(g, StartSpec{}), 10).back();
  return a;
}

// what the model assumes, linking the docs (the checkout's, where they are)
std::string AssumptionsSection(const Ctx& ctx) {
  const std::string docs = std::filesystem::path(COUNTERPOINT_SOURCE_SCENARIOS).parent_path().string() + "/docs/";
  auto link = [&](const std::string& page, const std::string& text) {
    if (std::filesystem::exists(docs + page)) return "<a href=\"file://" + Esc(docs + page) + "\">" + text + "</a>";
    return text + " (docs/" + page + ")";
  };
  if (ctx.World())
    return "<section id=\"assumptions\"><h2>What the model assumes</h2><p>These numbers come from a simulation of "
           "several platforms, not from them. The attack, its copies, the news reports and each platform's "
           "audience (a rate of views per copy, not simulated users) are synthetic, calibrated to public figures "
           "where there are any; what each platform does (its screening, classifiers, review capacity and "
           "errors, its access to the shared hashes) is a parameter. A difference between arms says what the "
           "model implies under its parameters; it is not a forecast of a real incident. The arms share their "
           "random numbers: the same uploads arrive at the same minutes on the same platforms in each. Read " +
           link("crisis.md", "the crisis model, its calibration and its limits") +
           " before leaning on a number.</p>"
           "</section>";
  return "<section id=\"assumptions\"><h2>What the model assumes</h2><p>These numbers come from a simulation, not "
         "from a platform. Users are synthetic: each has a hidden interest and chooses among the items shown by a "
         "logit choice rule; the recommender learns from their clicks; content labels (harmful, news, "
         "counter-narrative) are ground truth the simulation knows and a platform would not. A difference between "
         "arms says what the model implies under its parameters, for this catalog and population; it is not a "
         "forecast of a real platform's numbers. The arms share their random numbers, so differences are sharper "
         "than the spread of each arm's values. Read " +
         link("model.md", "the model") + ", " + link("metrics.md", "the metrics and their statistics") + ", " +
         link("validity.md", "what the controls rule out") + " and " + link("interventions.md", "the interventions") +
         " before leaning on a number.</p></section>";
}

// a platform's transparency report (transparency.csv), per arm: each column's mean over replicates
std::string TransparencyTable(Ctx& ctx, const std::string& platform) {
  const CsvTable& t = *ctx.run.transparency;
  const int c_arm = t.RequireColumn("arm"), c_platform = t.RequireColumn("platform");
  const std::vector<std::pair<std::string, std::string>> shown = {
      {"attack_uploads", "copies uploaded"},
      {"blocked_hash_match", "blocked by hash"},
      {"blocked_classifier", "blocked by classifier"},
      {"removed_hash_match", "removed: re-scan"},
      {"removed_trusted_flagger", "removed: flagger"},
      {"removed_user_report", "removed: report"},
      {"removed_order", "removed: order"},
      {"within_hour_share", "within the hour"},
      {"orders_received", "orders"},
      {"orders_met_on_time", "orders met"},
      {"notices_received", "notices"},
      {"notices_answered_within_hour", "notices answered within the hour"},
      {"news_blocked", "news blocked"},
      {"news_removed", "news removed"},
      {"news_restored", "news restored"}};
  std::ostringstream out;
  out << "<div class=\"scroll\"><table><caption>" << Esc(platform)
      << ": transparency report (transparency.csv), mean over replicates</caption><tr><th scope=\"col\">arm</th>";
  for (const auto& entry : shown) out << "<th scope=\"col\">" << Esc(entry.second) << "</th>";
  out << "</tr>";
  std::vector<int> cols;
  for (const auto& entry : shown) cols.push_back(t.RequireColumn(entry.first));
  for (const std::string& arm : ctx.arms) {
    std::vector<double> sum(shown.size(), 0), n(shown.size(), 0);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (t.rows[r][c_arm] != arm || t.rows[r][c_platform] != platform) continue;
      for (size_t k = 0; k < shown.size(); ++k) {
        const double v = Cell(t, r, cols[k]);
        if (!std::isnan(v)) sum[k] += v, n[k] += 1;
      }
    }
    out << "<tr><th scope=\"row\">" << Esc(arm) << "</th>";
    for (size_t k = 0; k < shown.size(); ++k)
      out << "<td>" << ReportNumber(n[k] > 0 ? sum[k] / n[k] : std::nan("")) << "</td>";
    out << "</tr>";
  }
  return out.str() + "</table></div>";
}

// a world of platforms: each platform's final values per arm (uploads.csv.gz lists every upload)
std::string PlatformsSection(Ctx& ctx) {
  if (!ctx.World()) return "";
  std::ostringstream out;
  out << "<section id=\"platforms\"><h2>Each platform</h2><p>Final values per arm (mean [95% CI] over replicates, "
         "summary.json), then the platform's transparency report: removals by channel, orders and trusted "
         "flaggers' notices answered in time, news removed by mistake and restored (transparency.csv; "
         "docs/crisis.md, \"Transparency\"). Every upload, its platform, parent, hash distances and outcome are in "
         "uploads.csv.gz, from which each number can be recounted.</p>";
  for (const std::string& p : ctx.platforms) {
    std::vector<std::string> columns;
    for (const auto& c : kPlatformColumns) columns.push_back(c + "@" + p);
    columns = Present(ctx, columns);
    if (!columns.empty()) out << "<h3>" << Esc(p) << "</h3>" << FinalTable(ctx, p + ": final values", columns);
    if (ctx.run.transparency) out << TransparencyTable(ctx, p);
  }
  return out.str() + "</section>";
}

std::string ManifestSection(Ctx& ctx) {
  const auto& m = ctx.run.manifest;
  std::ostringstream out;
  out << "<section id=\"manifest\"><h2>Provenance (manifest.json)</h2><div class=\"scroll\"><table><caption>What "
         "identifies this run</caption>";
  auto row = [&](const std::string& k, const std::string& v) {
    out << "<tr><th scope=\"row\">" << Esc(k) << "</th><td style=\"text-align:left\"><code>" << Esc(v)
        << "</code></td></tr>";
  };
  auto text = [&](const std::string& k) {
    return m.contains(k) ? (m[k].is_string() ? m[k].get<std::string>() : m[k].dump()) : "";
  };
  row("version", text("version"));
  row("git revision", text("git_revision"));
  row("scenario file", text("scenario_file"));
  row("scenario SHA-256 (with its inputs)", text("scenario_sha256"));
  row("seed", text("seed"));
  row("replicate seeds", text("replicate_seeds"));
  row("status", text("status"));
  row("finished (UTC)", text("finished_utc"));
  row("threads, MPI ranks", text("threads") + ", " + text("mpi_ranks"));
  if (m.contains("inputs"))
    for (const auto& in : m["inputs"])
      row("input " + in.value("key", ""), in.value("path", "") + "  SHA-256 " + in.value("sha256", ""));
  if (m.contains("outputs"))
    for (const auto& o : m["outputs"]) row("output " + o.value("path", ""), "SHA-256 " + o.value("sha256", ""));
  if (m.contains("plugins"))
    for (const auto& p : m["plugins"])
      row(p.value("kind", "") + " " + p.value("type", ""),
          p.value("origin", "") +
              (p.contains("source_sha256") ? "  source SHA-256 " + p.value("source_sha256", "") : ""));
  return out.str() + "</table></div></section>";
}

std::string ScenarioSection(Ctx& ctx) {
  return "<section id=\"scenario\"><h2>The scenario as resolved</h2><p>Every setting the run used, defaults "
         "filled in (manifest.json, resolved_scenario).</p><details><summary>Show the resolved "
         "scenario</summary><pre>" +
         Esc(ctx.run.manifest.value("resolved_scenario", nlohmann::json::object())
                 .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) +
         "</pre></details></section>";
}

// a file of the run directory: its text, checked against the SHA-256 the manifest lists
std::string ReadListed(const std::string& dir, const nlohmann::json& manifest, const std::string& rel) {
  const std::string path = dir + "/" + rel;
  if (const std::string why = UnreadableFileReason(path); !why.empty())
    throw InputError(path, why + ": the run directory is incomplete; run the scenario again with --out " + dir);
  const std::string text = ReadFile(path);
  if (manifest.contains("outputs"))
    for (const auto& o : manifest["outputs"])
      if (o.value("path", "") == rel && o.value("sha256", "") != Sha256Hex(text))
        throw InputError(path,
                         "its SHA-256 is not the one manifest.json records: the file changed after the run; restore "
                         "it or run the scenario again");
  return text;
}

nlohmann::json ParseJson(const std::string& path, const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // the byte where it breaks, not the library's own text
    throw InputError(path, "not valid JSON (it breaks at byte " + std::to_string(e.byte) +
                               "): the file is damaged; run the scenario again");
  }
}

bool Listed(const nlohmann::json& manifest, const std::string& rel) {
  if (!manifest.contains("outputs")) return false;
  for (const auto& o : manifest["outputs"])
    if (o.value("path", "") == rel) return true;
  return false;
}

}  // namespace

RunDirectory ReadRunDirectory(const std::string& dir, bool allow_partial) {
  RunDirectory run;
  run.dir = dir;
  const std::string manifest_path = dir + "/manifest.json";
  if (const std::string why = UnreadableFileReason(manifest_path); !why.empty())
    throw InputError(manifest_path, why +
                                        ": not a finished run directory (a run writes manifest.json last; a run "
                                        "still going or killed has none); run the scenario with --out " +
                                        dir);
  run.manifest = ParseJson(manifest_path, ReadFile(manifest_path));
  if (!run.manifest.is_object() || !run.manifest.contains("status") || !run.manifest.contains("resolved_scenario"))
    throw InputError(manifest_path,
                     "not a run's manifest (no status or resolved_scenario); give the directory "
                     "`counterpoint run --out DIR` wrote");
  run.partial = run.manifest["status"] != "complete";
  if (run.partial && !allow_partial)
    throw InputError(manifest_path, "the run is partial (status: " + run.manifest["status"].dump() +
                                        "): it stopped early; resume it (counterpoint run --resume " + dir +
                                        ") or run it again, or pass --allow-partial for a report marked partial");
  for (const std::string rel : {"summary.json", "metrics_summary.csv", "metrics.csv"})
    if (!Listed(run.manifest, rel))
      throw InputError(manifest_path, "lists no " + std::string(rel) + " among its outputs: run the scenario again");
  run.summary = ParseJson(dir + "/summary.json", ReadListed(dir, run.manifest, "summary.json"));
  if (!run.summary.contains("arms") || !run.summary.contains("comparisons"))
    throw InputError(dir + "/summary.json", "has no arms or comparisons: not a run's summary; run the scenario again");
  // CSVs: checked against the manifest, then parsed (ReadCsv names file:line on a bad row)
  ReadListed(dir, run.manifest, "metrics_summary.csv");
  run.metrics_summary = ReadCsv(dir + "/metrics_summary.csv");
  ReadListed(dir, run.manifest, "metrics.csv");
  run.metrics = ReadCsv(dir + "/metrics.csv");
  if (Listed(run.manifest, "coverage_gaps.csv")) {
    ReadListed(dir, run.manifest, "coverage_gaps.csv");
    run.coverage_gaps = ReadCsv(dir + "/coverage_gaps.csv");
  }
  if (run.manifest.contains("graph_files"))
    // in the scenario's order of arms (the manifest's object is in name order)
    for (const auto& arm_spec : run.manifest["resolved_scenario"].value("arms", nlohmann::json::array())) {
      const std::string arm = arm_spec.value("name", "");
      if (!run.manifest["graph_files"].contains(arm)) continue;
      const nlohmann::json& files = run.manifest["graph_files"][arm];
      const std::string nodes = files.value("nodes", ""), edges = files.value("edges", "");
      ReadListed(dir, run.manifest, nodes);
      ReadListed(dir, run.manifest, edges);
      // a graph the audit refuses (e.g. nothing left once sinks are pruned) is a row saying why
      try {
        run.graphs.push_back(AuditInducedGraph(arm, dir + "/" + nodes, dir + "/" + edges));
      } catch (const InputError& e) {
        InducedGraphAudit a;
        a.arm = arm;
        a.problem = e.what();
        run.graphs.push_back(a);
      }
    }
  for (const std::string rel : {"moderation.csv", "moderation.csv.gz"})
    if (Listed(run.manifest, rel)) {
      ReadListed(dir, run.manifest, rel);
      run.moderation = ReadCsv(dir + "/" + rel);
    }
  if (Listed(run.manifest, "transparency.csv")) {
    ReadListed(dir, run.manifest, "transparency.csv");
    run.transparency = ReadCsv(dir + "/transparency.csv");
  }
  return run;
}

std::string ReportHtml(const RunDirectory& run) {
  Ctx ctx{run, {}, {}, run.summary.value("control", std::string()), 0, {}};
  for (const auto& a : run.manifest["resolved_scenario"].value("arms", nlohmann::json::array()))
    ctx.arms.push_back(a.value("name", ""));
  for (const auto& c : run.manifest.value("columns", nlohmann::json::array()))
    ctx.columns.push_back(c.get<std::string>());
  const auto& first_arm = run.manifest["resolved_scenario"].value("arms", nlohmann::json::array());
  if (!first_arm.empty() && first_arm[0].contains("world"))
    for (const auto& p : first_arm[0]["world"].value("platforms", nlohmann::json::array()))
      ctx.platforms.push_back(p.value("name", ""));
  const std::string name = run.summary.value("scenario", std::string("run"));
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"><title>counterpoint report: "
      << Esc(name) << (run.partial ? " (PARTIAL)" : "") << "</title><style>" << kStyle
      << "</style></head><body><main><h1>counterpoint report: " << Esc(name) << "</h1>";
  if (run.partial) {
    out << "<p class=\"partial\" id=\"partial\">PARTIAL RESULT: this run stopped early (manifest status "
        << Esc(run.manifest["status"].dump()) << "); final values are over the replicates each arm completed";
    if (run.summary.contains("missing_arms") && !run.summary["missing_arms"].empty())
      out << ", and these arms completed none: " << Esc(JoinNames(run.summary["missing_arms"]));
    out << ".</p>";
  }
  out << "<p>Run directory <code>" << Esc(run.dir) << "</code>; " << ctx.arms.size() << " arms, "
      << run.summary.value("replicates", 0) << " replicates, " << run.summary.value("steps", 0)
      << " steps. Sections: <a href=\"#summary\">findings</a>, <a href=\"#effects\">effects</a>, <a "
         "href=\"#series\">metrics over time</a>, "
      << (ctx.World() ? "<a href=\"#platforms\">each platform</a>, " : "")
      << "<a href=\"#assumptions\">what the model assumes</a>, <a "
         "href=\"#manifest\">provenance</a>, <a href=\"#scenario\">scenario</a>.</p>";
  out << SummarySection(ctx) << AssumptionsSection(ctx) << ForestSection(ctx) << PlatformsSection(ctx)
      << CounterNarrativeSection(ctx) << CollateralSection(ctx) << ModerationSection(ctx) << CoverageSection(ctx)
      << TimeSeriesSection(ctx) << GraphSection(ctx) << ManifestSection(ctx) << ScenarioSection(ctx);
  out << "</main></body></html>\n";
  return out.str();
}

void WriteReport(const std::string& run_dir, const std::string& out, bool allow_partial) {
  const RunDirectory run = ReadRunDirectory(run_dir, allow_partial);
  WriteFileAtomic(out, ReportHtml(run));
}

}  // namespace counterpoint
