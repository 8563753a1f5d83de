#include "cli/summary_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace counterpoint {

namespace {

// one table cell: "mean [low,high]", the mean alone without a CI (one replicate), n/a
// without a mean (a metric undefined in some replicate); `sign` for differences
std::string SummaryCell(const nlohmann::json& e, bool sign) {
  char buf[64];
  if (e["mean"].is_null())
    std::snprintf(buf, sizeof buf, " %24s", "n/a");
  else if (std::fabs(e["mean"].get<double>()) >= 1000 && e["ci95_low"].is_null())
    std::snprintf(buf, sizeof buf, sign ? " %+24.0f" : " %24.0f", e["mean"].get<double>());
  else if (std::fabs(e["mean"].get<double>()) >= 1000)  // counts: whole numbers
    std::snprintf(buf, sizeof buf, sign ? " %+8.0f [%+6.0f,%+6.0f]" : " %8.0f [%6.0f,%6.0f]", e["mean"].get<double>(),
                  e["ci95_low"].get<double>(), e["ci95_high"].get<double>());
  else if (e["ci95_low"].is_null())
    std::snprintf(buf, sizeof buf, sign ? " %+24.4f" : " %24.4f", e["mean"].get<double>());
  else
    std::snprintf(buf, sizeof buf, sign ? " %+8.4f [%+6.3f,%+6.3f]" : " %8.4f [%6.3f,%6.3f]", e["mean"].get<double>(),
                  e["ci95_low"].get<double>(), e["ci95_high"].get<double>());
  return buf;
}

}  // namespace

std::string SummaryTable(const Scenario& sc, const nlohmann::json& summary) {
  static const std::vector<std::pair<std::string, std::string>> kRecommendation = {
      {"harmful_exposure_share", "harmful exposure"},
      {"rabbit_hole_share", "in rabbit hole"},
      {"extremity_mean", "mean extremity"},
      {"clicks_per_session", "clicks/session"},
      {"counter_narrative_exposure_share", "CN exposure"}};
  // a world of platforms (docs/crisis.md): the crisis's outcomes over every platform
  static const std::vector<std::pair<std::string, std::string>> kWorld = {{"blocked_share", "blocked at upload"},
                                                                          {"within_hour_share", "within the hour"},
                                                                          {"views", "views of copies"},
                                                                          {"hashes_shared", "variants shared"},
                                                                          {"news_hit", "news hit"}};
  const bool world = !sc.arms.empty() && sc.arms.front().world;
  const auto& kKey = world ? kWorld : kRecommendation;
  std::ostringstream out;
  char buf[256];
  if (summary.value("partial", false)) {
    out << "PARTIAL RESULT: the run was stopped early; final values are over the replicates each arm completed";
    if (!summary["missing_arms"].empty()) {
      out << "; no complete replicate (n/a):";
      for (const auto& m : summary["missing_arms"]) out << ' ' << m.get<std::string>();
    }
    out << "\n";
  }
  out << "Scenario '" << sc.name << "': final step " << sc.steps - 1 << ", " << sc.replicates
      << " replicate(s); mean [95% CI]\n";
  std::snprintf(buf, sizeof buf, "%-16s", "arm");
  out << buf;
  std::vector<std::pair<std::string, std::string>> shown;
  const auto& arms = summary["arms"];
  for (const auto& [key, label] : kKey)
    if (arms.begin()->contains("final") && (*arms.begin())["final"].contains(key)) shown.push_back({key, label});
  for (const auto& [key, label] : shown) {
    std::snprintf(buf, sizeof buf, " %24s", label.c_str());
    out << buf;
  }
  out << '\n';
  for (const auto& arm : sc.arms) {
    std::snprintf(buf, sizeof buf, "%-16s", arm.name.c_str());
    out << buf;
    for (const auto& [key, label] : shown) {
      out << SummaryCell(arms[arm.name]["final"][key], false);
    }
    out << '\n';
  }
  // paired differences from the control (common random numbers)
  if (sc.arms.size() > 1) {
    out << "Difference from the control '" << sc.ControlArm() << "' (paired over replicates), mean [95% CI]:\n";
    for (size_t a = 0; a < sc.arms.size(); ++a) {
      if (sc.arms[a].name == sc.ControlArm()) continue;
      std::snprintf(buf, sizeof buf, "%-16s", sc.arms[a].name.c_str());
      out << buf;
      for (const auto& [key, label] : shown) {
        out << SummaryCell(arms[sc.arms[a].name]["difference_vs_baseline"][key], true);
      }
      out << '\n';
    }
  }
  if (world) {
    out << "blocked at upload: share of attack uploads refused at upload; within the hour: share of attack uploads\n"
           "an hour old or more blocked or removed within 60 minutes; views of copies: of the stream and every copy;\n"
           "variants shared: distinct hashes contributed to the shared database; news hit: news reports blocked or\n"
           "removed (restored ones included). Over all platforms; each platform's columns end in @<platform>\n"
           "(metrics_summary.csv; docs/crisis.md).\n";
    return out.str();
  }
  out << "harmful exposure: share of impressions that are borderline or extremist; in rabbit hole: share of users\n"
         "whose recent consumption is mostly harmful; mean extremity: users' true interest projected on the\n"
         "extremity direction; CN exposure: share of impressions that are counter-narratives (docs/metrics.md).\n";
  return out.str();
}

}  // namespace counterpoint
