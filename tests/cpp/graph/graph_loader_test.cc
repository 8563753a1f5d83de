// Loading watch-next graphs from CSV: one test per error and warning kind, sink policies.
#include "graph/graph_loader.h"

#include <gtest/gtest.h>

namespace counterpoint {
namespace {

std::string Data(const std::string& name) { return std::string(COUNTERPOINT_SOURCE_DIR) + "/tests/data/graph/" + name; }

// the message of the InputError thrown by loading (nodes, edges)
std::string LoadError(const std::string& nodes, const std::string& edges) {
  try {
    LoadGraphCsv(Data(nodes), Data(edges));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(GraphLoaderTest, LoadsNodesEdgesAttributesAndProbabilities) {
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges.csv"));
  EXPECT_EQ(g.size(), 4);
  EXPECT_EQ(g.num_edges(), 7);
  EXPECT_EQ(g.label(g.Find("b")), "Alt-right");
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("a"), g.Find("c")), 0.75);
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("c"), g.Find("d")), 0.5);
  EXPECT_DOUBLE_EQ(g.Attribute("subscribers")[g.Find("b")], 50);
  // the text column is not an attribute, and the report says so
  EXPECT_FALSE(g.HasAttribute("note"));
  ASSERT_EQ(g.report().warnings.size(), 1u);
  EXPECT_NE(g.report().warnings[0].message.find("'note' is not numeric"), std::string::npos);
  EXPECT_THROW(g.Attribute("views"), InputError);
  EXPECT_THROW(g.LabelMask({"Alt-rite"}), InputError);
}

TEST(GraphLoaderTest, DanglingEdgeNamesFileLineAndFix) {
  const std::string msg = LoadError("nodes.csv", "edges_dangling.csv");
  EXPECT_NE(msg.find("edges_dangling.csv:3:2: error: dangling edge: node 'zz'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("add it there or remove this edge"), std::string::npos) << msg;
}

TEST(GraphLoaderTest, NegativeWeightIsAnError) {
  const std::string msg = LoadError("nodes.csv", "edges_negative.csv");
  EXPECT_NE(msg.find("edges_negative.csv:3:3: error: edge b -> c has weight -2; weights must be > 0"),
            std::string::npos)
      << msg;
}

TEST(GraphLoaderTest, ZeroWeightIsAnError) {
  const std::string msg = LoadError("nodes.csv", "edges_zero.csv");
  EXPECT_NE(msg.find("edges_zero.csv:3:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("remove the edge instead of giving it weight 0"), std::string::npos) << msg;
}

TEST(GraphLoaderTest, NonNumericWeightIsAnError) {
  const std::string msg = LoadError("nodes.csv", "edges_bad_number.csv");
  EXPECT_NE(msg.find("edges_bad_number.csv:3:3: error: column 'weight': expected a finite number, got 'abc'"),
            std::string::npos)
      << msg;
}

TEST(GraphLoaderTest, MissingColumnListsTheHeader) {
  const std::string msg = LoadError("nodes.csv", "edges_missing_column.csv");
  EXPECT_NE(msg.find("missing column 'src'; the header has: from, dst, weight"), std::string::npos) << msg;
}

TEST(GraphLoaderTest, DuplicateNodeIdIsAnError) {
  const std::string msg = LoadError("nodes_duplicate.csv", "edges.csv");
  EXPECT_NE(msg.find("nodes_duplicate.csv:4:1: error: duplicate node id 'a' (first at line 2)"), std::string::npos)
      << msg;
}

TEST(GraphLoaderTest, EmptyLabelIsAnError) {
  const std::string msg = LoadError("nodes_empty_label.csv", "edges.csv");
  EXPECT_NE(msg.find("nodes_empty_label.csv:3:2: error: node 'b' has an empty label"), std::string::npos) << msg;
}

TEST(GraphLoaderTest, AllErrorsAreReportedTogether) {
  // the dangling file has one error; the negative one another kind: each is collected
  const std::string msg = LoadError("nodes_duplicate.csv", "edges_dangling.csv");
  EXPECT_NE(msg.find("duplicate node id"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dangling edge"), std::string::npos) << msg;
}

TEST(GraphLoaderTest, DuplicateEdgesAreSummedWithAWarning) {
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges_duplicate.csv"));
  EXPECT_EQ(g.report().merged_duplicates, 1);
  ASSERT_EQ(g.report().warnings.size(), 2u);  // the 'note' column, and the duplicate
  const std::string w = FormatWarning(g.report().warnings[1]);
  EXPECT_NE(w.find("edges_duplicate.csv:6: warning: duplicate edge a -> b (first at line 2)"), std::string::npos) << w;
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("a"), g.Find("b")), 1.0);
}

TEST(GraphLoaderTest, SelfLoopsAreDroppedWithAWarning) {
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges_self_loop.csv"));
  ASSERT_EQ(g.report().warnings.size(), 2u);
  EXPECT_NE(FormatWarning(g.report().warnings[1]).find("edges_self_loop.csv:3: warning: self-loop on 'b' dropped"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("b"), g.Find("b")), 0.0);
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("b"), g.Find("c")), 1.0);
}

TEST(GraphLoaderTest, SinkPolicyPruneRemovesSinksIteratively) {
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges_sinks.csv"));
  // d is a sink; once d goes, c is one too
  EXPECT_EQ(g.size(), 2);
  EXPECT_EQ(g.report().pruned, (std::vector<std::string>{"d", "c"}));
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("b"), g.Find("a")), 1.0);
}

TEST(GraphLoaderTest, SinkPolicyAbsorbKeepsSinksAndWalksEndThere) {
  GraphCsvOptions o;
  o.sinks = SinkPolicy::kAbsorb;
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges_sinks.csv"), o);
  EXPECT_EQ(g.size(), 4);
  EXPECT_EQ(g.report().sinks, (std::vector<std::string>{"d"}));
  EXPECT_EQ(g.OutDegree(g.Find("d")), 0);
  EXPECT_DOUBLE_EQ(g.EndProbability(g.Find("d")), 1.0);
}

TEST(GraphLoaderTest, SinkPolicySelfLoopAddsALoop) {
  GraphCsvOptions o;
  o.sinks = SinkPolicy::kSelfLoop;
  const WatchNextGraph g = LoadGraphCsv(Data("nodes.csv"), Data("edges_sinks.csv"), o);
  EXPECT_DOUBLE_EQ(g.Probability(g.Find("d"), g.Find("d")), 1.0);
  EXPECT_DOUBLE_EQ(g.EndProbability(g.Find("d")), 0.0);
  EXPECT_NE(SinkPolicyDescription(SinkPolicy::kSelfLoop).find("self-loop"), std::string::npos);
}

}  // namespace
}  // namespace counterpoint
