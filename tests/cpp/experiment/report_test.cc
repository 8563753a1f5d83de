// A run's report: every number in the summary sentences is summary.json's, the page is
// self-contained (no script, nothing fetched), every figure is named for screen readers,
// and a partial, incomplete or altered run directory is refused with the file and the fix.
#include "experiment/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/error.h"
#include "core/io.h"
#include "experiment/outputs.h"
#include "experiment/report_svg.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

// a small run of a shipped scenario written as `counterpoint run` writes it
fs::path SmallRun(const std::string& name, const std::string& file, std::vector<std::string> sets,
                  RunControl control = {}) {
  const fs::path dir = testing::FreshTempDir("report_" + name);
  for (const std::string s :
       {"catalog.n_items=1000", "population.n_users=150", "steps=8", "replicates=3", "index.factory=Flat", "seed=7"})
    sets.insert(sets.begin(), s);
  const Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + file, sets);
  WriteOutputs(dir.string(), sc, RunScenario(sc, nullptr, control), 1);
  return dir;
}

// the report's HTML, through the file WriteReport writes
std::string Report(const fs::path& dir, bool allow_partial = false) {
  WriteReport(dir.string(), (dir / "report.html").string(), allow_partial);
  return ReadFile((dir / "report.html").string());
}

// the value summary.json holds for one <data> of a sentence
double Expected(const nlohmann::json& summary, const std::string& arm, const std::string& metric,
                const std::string& field) {
  auto num = [](const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::nan(""); };
  if (field == "arm_mean") return num(summary["arms"][arm]["final"][metric]["mean"]);
  if (field == "control_mean")
    return num(summary["arms"][summary["control"].get<std::string>()]["final"][metric]["mean"]);
  for (const auto& c : summary["comparisons"])
    if (c["arm"] == arm && c["metric"] == metric) {
      if (field == "relative_percent") return num(c["relative"]) * 100;
      return num(c[field]);
    }
  ADD_FAILURE() << "no comparison " << arm << " / " << metric;
  return std::nan("");
}

TEST(ReportTest, EveryNumberInTheSummarySentencesIsSummaryJsons) {
  const fs::path dir = SmallRun("golden", "rabbit_hole.yaml", {"output.graph=true"});
  const std::string html = Report(dir);
  // summary.json read on its own, not through the report's reader
  const nlohmann::json summary = nlohmann::json::parse(ReadFile((dir / "summary.json").string()));
  const std::regex data(
      "<data value=\"([^\"]*)\" data-arm=\"([^\"]*)\" data-metric=\"([^\"]*)\" data-field=\"([^\"]*)\">([^<]*)</data>");
  int numbers = 0, diffs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), data); it != std::sregex_iterator(); ++it) {
    const std::string arm = (*it)[2], metric = (*it)[3], field = (*it)[4], shown = (*it)[5];
    const double expected = Expected(summary, arm, metric, field);
    SCOPED_TRACE(arm + " " + metric + " " + field);
    if (std::isnan(expected)) {
      EXPECT_EQ((*it)[1], "nan");
      EXPECT_EQ(shown, "n/a");
    } else {
      EXPECT_EQ(std::stod((*it)[1]), expected);  // 17 digits: the double itself
      EXPECT_EQ(std::stod(shown), std::stod(ReportNumber(expected)));
      EXPECT_NEAR(std::stod(shown), expected, std::abs(expected) * 1e-3 + 1e-300);
    }
    ++numbers;
    diffs += field == "diff";
  }
  // every arm but the control states its difference in harmful exposure, with its CI and test
  const int arms = static_cast<int>(summary["arms"].size());
  EXPECT_GE(diffs, arms - 1);
  EXPECT_GT(numbers, 5 * (arms - 1));
  for (const auto& [arm, block] : summary["arms"].items()) {
    if (arm == summary["control"]) continue;
    EXPECT_TRUE(
        testing::Contains(html, "data-arm=\"" + arm + "\" data-metric=\"harmful_exposure_share\" data-field=\"diff\""))
        << arm;
  }
  EXPECT_TRUE(testing::Contains(html, "after Holm's correction"));
  // the exported graphs are audited, each arm a row
  EXPECT_TRUE(testing::Contains(html, "<caption>Graph audit per arm</caption>"));
  EXPECT_FALSE(testing::Contains(html, "not audited"));
  fs::remove_all(dir);
}

TEST(ReportTest, SelfContainedAndEveryFigureNamed) {
  const fs::path dir = SmallRun("figures", "moderation_one_hour.yaml", {"output.events=true"});
  const std::string html = Report(dir);
  EXPECT_FALSE(testing::Contains(html, "http://"));
  EXPECT_FALSE(testing::Contains(html, "https://"));
  EXPECT_FALSE(testing::Contains(html, "<script"));
  EXPECT_FALSE(testing::Contains(html, "<img"));
  EXPECT_FALSE(testing::Contains(html, "<link"));
  EXPECT_FALSE(testing::Contains(html, "url("));
  EXPECT_FALSE(testing::Contains(html, "@import"));
  // each <svg> carries its role, label, title and description, and sits in a captioned figure
  int figures = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1), ++figures) {
    const std::string svg = html.substr(at, html.find("</svg>", at) - at);
    EXPECT_TRUE(testing::Contains(svg, "role=\"img\"")) << figures;
    EXPECT_TRUE(testing::Contains(svg, "aria-label=\"")) << figures;
    EXPECT_TRUE(testing::Contains(svg, "<title id=")) << figures;
    EXPECT_TRUE(testing::Contains(svg, "<desc id=")) << figures;
    EXPECT_TRUE(testing::Contains(html.substr(at), "<figcaption>")) << figures;
  }
  // a time series per metric column, and the sections a moderation run has
  const nlohmann::json manifest = nlohmann::json::parse(ReadFile((dir / "manifest.json").string()));
  EXPECT_GE(figures, static_cast<int>(manifest["columns"].size()));
  EXPECT_TRUE(testing::Contains(html, "id=\"moderation\""));
  EXPECT_TRUE(testing::Contains(html, "id=\"collateral\""));
  EXPECT_TRUE(testing::Contains(html, "<h3>Time to removal</h3>"));  // from moderation.csv.gz
  EXPECT_TRUE(testing::Contains(html, manifest["scenario_sha256"].get<std::string>()));
  EXPECT_TRUE(testing::Contains(html, "id=\"assumptions\""));
  fs::remove_all(dir);
}

TEST(ReportTest, CounterNarrativeReachByOrganisationAndRiskGroup) {
  const fs::path dir = SmallRun("ngo", "redirect_method.yaml", {});
  const std::string html = Report(dir);
  EXPECT_TRUE(testing::Contains(html, "By user risk group"));
  EXPECT_TRUE(testing::Contains(html, "By organisation"));
  EXPECT_TRUE(testing::Contains(html, "id=\"coverage\""));
  fs::remove_all(dir);
}

TEST(ReportTest, RefusesPartialIncompleteOrAlteredRuns) {
  // no manifest: not a finished run
  const fs::path empty = testing::FreshTempDir("report_empty");
  InputError e = testing::CatchInputError([&] { Report(empty); });
  EXPECT_TRUE(testing::Contains(e.what(), (empty / "manifest.json").string())) << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "--out")) << e.what();

  // a run stopped after 3 of its steps: refused, or reported as partial when asked
  const fs::path checkpoint = testing::FreshTempDir("report_checkpoint");
  const fs::path partial =
      SmallRun("partial", "rabbit_hole.yaml", {"replicates=2"}, testing::StopAfter(3, (checkpoint / "c.bin").string()));
  e = testing::CatchInputError([&] { Report(partial); });
  EXPECT_TRUE(testing::Contains(e.what(), "partial")) << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "--allow-partial")) << e.what();
  EXPECT_FALSE(fs::exists(partial / "report.html"));
  const std::string html = Report(partial, true);
  EXPECT_TRUE(testing::Contains(html, "id=\"partial\""));
  EXPECT_TRUE(testing::Contains(html, "<title>counterpoint report: rabbit_hole (PARTIAL)</title>"));

  // a file changed after the run, or missing
  const fs::path run = SmallRun("altered", "rabbit_hole.yaml", {"replicates=2"});
  std::string summary = ReadFile((run / "summary.json").string());
  summary.insert(summary.find('{') + 1, " ");
  std::ofstream(run / "summary.json") << summary;
  e = testing::CatchInputError([&] { Report(run); });
  EXPECT_TRUE(testing::Contains(e.what(), (run / "summary.json").string())) << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "SHA-256")) << e.what();
  fs::remove(run / "summary.json");
  e = testing::CatchInputError([&] { Report(run); });
  EXPECT_TRUE(testing::Contains(e.what(), (run / "summary.json").string())) << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "no such file")) << e.what();
  EXPECT_FALSE(fs::exists(run / "report.html"));
  for (const fs::path& d : {empty, checkpoint, partial, run}) fs::remove_all(d);
}

TEST(ReportSvgTest, EscapesTextAndBreaksLinesAtUndefinedValues) {
  EXPECT_EQ(HtmlEscape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  EXPECT_EQ(ReportNumber(std::nan("")), "n/a");
  EXPECT_EQ(ReportNumber(-0.08151234), "-0.08151");
  EXPECT_EQ(ReportNumber(9999.4), "9999");
  EXPECT_EQ(ReportNumber(138574.4), "138574");  // a count, whole: not 1.386e+05
  EXPECT_EQ(ReportNumber(-2.5e6), "-2500000");
  EXPECT_EQ(ReportNumber(3e20), "3e+20");
  const double nan = std::nan("");
  const std::string svg =
      LineChartSvg("t", "A <title>", "desc", "step", "share",
                   {{"arm", {0, 1, 2, 3, 4}, {0.1, 0.2, nan, 0.3, 0.4}, {0, 0, nan, 0, 0}, {1, 1, nan, 1, 1}}});
  // two pieces of line and of band around the undefined step
  size_t lines = 0, bands = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  for (size_t at = svg.find("<polygon"); at != std::string::npos; at = svg.find("<polygon", at + 1)) ++bands;
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(bands, 2u);
  EXPECT_TRUE(testing::Contains(svg, "<title id=\"t-title\">A &lt;title&gt;</title>"));
  EXPECT_FALSE(testing::Contains(svg, "nan"));
}

}  // namespace
}  // namespace counterpoint
