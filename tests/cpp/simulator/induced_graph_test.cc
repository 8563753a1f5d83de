// Tests for simulator/induced_graph: edges from the previous session's clicks to the
// next slate, on a hand-built sequence of slates and clicks with the weights written
// out by hand; batch splits; CSV output read back by the graph loader.
#include "simulator/induced_graph.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "graph/graph_loader.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

constexpr int kSlate = 3;
constexpr int kMaxClicks = 2;

// one user's session in a step: their slate and their clicks
struct Session {
  int32_t user;
  std::vector<int64_t> slate;
  std::vector<int64_t> clicks;
};

// feeds sessions to the graph as one batch
void Observe(InducedGraph& g, const std::vector<Session>& sessions) {
  SlateBatch batch;
  batch.Reserve(static_cast<int64_t>(sessions.size()), 1, kSlate, kSlate);
  ChoiceBuffer choices;
  choices.Reserve(static_cast<int64_t>(sessions.size()), kMaxClicks);
  std::vector<int32_t> users;
  for (size_t u = 0; u < sessions.size(); ++u) {
    users.push_back(sessions[u].user);
    std::copy(sessions[u].slate.begin(), sessions[u].slate.end(), batch.Slate(u));
    std::copy(sessions[u].clicks.begin(), sessions[u].clicks.end(), choices.clicks.begin() + u * kMaxClicks);
    choices.n_clicks[u] = static_cast<int32_t>(sessions[u].clicks.size());
  }
  batch.n = static_cast<int64_t>(sessions.size());
  batch.users = users.data();
  g.Observe(batch, choices);
}

// five steps of three users; each step's sessions, in user order
std::vector<std::vector<Session>> Steps() {
  return {
      // step 0: user 0 clicks 2; user 1 clicks nothing
      {{0, {1, 2, 3}, {2}}, {1, {4, 5, 6}, {}}},
      // step 1: user 0 (last: 2) is shown 2, 5, 7 -> 2->5, 2->7 (2->2 is a self-loop); clicks 5, 7.
      // user 2 has no earlier session; clicks 1. The empty slot (-1) is never an edge.
      {{0, {2, 5, 7}, {5, 7}}, {2, {1, 2, -1}, {1}}},
      // step 2: user 0 (last: 5, 7) is shown 5, 8, 9 -> 5->8, 5->9, 7->5, 7->8, 7->9; no click.
      // user 1 (last session had no click): nothing; clicks 8. user 2 (last: 1) -> 1->2, 1->3, 1->4.
      {{0, {5, 8, 9}, {}}, {1, {7, 8, 9}, {8}}, {2, {2, 3, 4}, {}}},
      // step 3: user 0 (no click last time): nothing; clicks 9. user 1 (last: 8) -> 8->2, 8->1; no click.
      // user 2: nothing; clicks 2.
      {{0, {9, 8, 5}, {9}}, {1, {8, 2, 1}, {}}, {2, {2, 4, 6}, {2}}},
      // step 4: user 0 (last: 9) -> 9->1, 9->2, 9->3. user 1: nothing. user 2 (last: 2) -> 2->5, 2->3.
      {{0, {1, 2, 3}, {}}, {1, {2, 3, 4}, {}}, {2, {5, 2, 3}, {}}},
  };
}

// the edges above, counted by hand: 2->5 twice (steps 1 and 4), every other once
const std::vector<InducedEdge> kExpected = {
    {1, 2, 1}, {1, 3, 1}, {1, 4, 1}, {2, 3, 1}, {2, 5, 2}, {2, 7, 1}, {5, 8, 1}, {5, 9, 1},
    {7, 5, 1}, {7, 8, 1}, {7, 9, 1}, {8, 1, 1}, {8, 2, 1}, {9, 1, 1}, {9, 2, 1}, {9, 3, 1},
};

TEST(InducedGraphTest, HandBuiltSessionsGiveHandCountedWeights) {
  InducedGraph g(3, 10, kMaxClicks);
  for (const auto& step : Steps()) Observe(g, step);
  EXPECT_EQ(g.Edges(), kExpected);
  EXPECT_EQ(g.num_edges(), 16);
}

TEST(InducedGraphTest, BatchSplitDoesNotChangeTheGraph) {
  // every step's users one at a time (batch size 1), and in reverse order
  InducedGraph one(3, 10, kMaxClicks), reversed(3, 10, kMaxClicks);
  for (const auto& step : Steps()) {
    for (const Session& s : step) Observe(one, {s});
    Observe(reversed, std::vector<Session>(step.rbegin(), step.rend()));
  }
  EXPECT_EQ(one.Edges(), kExpected);
  EXPECT_EQ(reversed.Edges(), kExpected);
}

TEST(InducedGraphTest, OnlyTheNextSessionCounts) {
  // a click, a session without clicks, then a session: the click's edges go to the
  // first following session only
  InducedGraph g(1, 10, kMaxClicks);
  Observe(g, {{0, {1, 2, 3}, {1}}});
  Observe(g, {{0, {4, 5, 6}, {}}});
  Observe(g, {{0, {7, 8, 9}, {}}});
  EXPECT_EQ(g.Edges(), (std::vector<InducedEdge>{{1, 4, 1}, {1, 5, 1}, {1, 6, 1}}));
}

TEST(InducedGraphTest, CsvRoundTripThroughTheGraphLoader) {
  // labels: item i is extremist if i is 5, borderline if 7, counter_narrative if 9, else mainstream
  std::vector<float> rows;
  std::vector<Label> labels;
  std::vector<float> extremity;
  for (int i = 0; i < 10; ++i) {
    rows.insert(rows.end(), {static_cast<float>(i + 1), 1.0f});
    labels.push_back(i == 5   ? Label::kExtremist
                     : i == 7 ? Label::kBorderline
                     : i == 9 ? Label::kCounterNarrative
                              : Label::kMainstream);
    extremity.push_back(i == 5 ? 0.9f : i == 7 ? 0.5f : 0.0f);
  }
  const auto catalog = testing::MakeCatalog(2, rows, labels, extremity);
  ItemState items(10);
  for (int i = 0; i < 10; ++i) items.impressions[i] = 100 + i, items.clicks[i] = i;
  InducedGraph g(3, 10, kMaxClicks);
  for (const auto& step : Steps()) Observe(g, step);
  const InducedGraphTable t = g.Table(*catalog, items);
  // nodes: every endpoint (6 never is one), in catalog order
  EXPECT_EQ(t.nodes, (std::vector<int64_t>{1, 2, 3, 4, 5, 7, 8, 9}));
  EXPECT_EQ(t.impressions[4], 105);
  EXPECT_EQ(t.clicks[5], 7);
  // two replicates as a disjoint union
  const std::string nodes = InducedNodesCsv({{0, &t}, {3, &t}});
  const std::string edges = InducedEdgesCsv({{0, &t}, {3, &t}});
  EXPECT_EQ(nodes.substr(0, nodes.find('\n')), "id,label,replicate,extremity,harm_score,impressions,clicks");
  EXPECT_TRUE(testing::Contains(nodes, "\nr3:5,extremist,3,0.899999976,"));  // float 0.9 to 9 digits
  EXPECT_TRUE(testing::Contains(edges, "\nr0:2,r0:5,2\n"));
  const fs::path dir = fs::path(::testing::TempDir()) / ("counterpoint_induced_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream((dir / "n.csv").string()) << nodes;
  std::ofstream((dir / "e.csv").string()) << edges;
  GraphCsvOptions opt;
  opt.sinks = SinkPolicy::kAbsorb;  // item 4 and 3 have no out-edge
  const WatchNextGraph graph = LoadGraphCsv((dir / "n.csv").string(), (dir / "e.csv").string(), opt);
  fs::remove_all(dir);
  EXPECT_EQ(graph.size(), 16);
  EXPECT_EQ(graph.num_edges(), 32);
  EXPECT_TRUE(graph.report().warnings.empty());
  // 2 -> {3: 1, 5: 2, 7: 1} normalised
  EXPECT_DOUBLE_EQ(graph.Probability(graph.Find("r3:2"), graph.Find("r3:5")), 0.5);
  EXPECT_DOUBLE_EQ(graph.Probability(graph.Find("r0:2"), graph.Find("r0:7")), 0.25);
  EXPECT_EQ(graph.Probability(graph.Find("r0:2"), graph.Find("r3:5")), 0.0);  // replicates stay apart
  EXPECT_EQ(graph.label(graph.Find("r0:7")), "borderline");
  EXPECT_EQ(graph.Attribute("clicks")[graph.Find("r3:9")], 9.0);
  EXPECT_EQ(graph.Attribute("replicate")[graph.Find("r3:9")], 3.0);
}

}  // namespace
}  // namespace counterpoint
