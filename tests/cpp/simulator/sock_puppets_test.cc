// Sock puppets' scripts against their definitions (docs/sock_puppets.md), by hand.
#include "simulator/sock_puppets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "recommender/batch.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::MakeCatalog;

// five items in 2-d: labels and extremities chosen so that each rule picks a different one
std::shared_ptr<const Catalog> FiveItems() {
  return MakeCatalog(
      2, {1, 0, 0, 1, 1, 0, 0, 1, 1, 0},
      {Label::kMainstream, Label::kBorderline, Label::kExtremist, Label::kMainstream, Label::kNewsReporting},
      {0.2f, 0.5f, 0.9f, 0.1f, 0.3f});
}

ScriptSegment Segment(PuppetChoice c, int64_t from = 0) {
  ScriptSegment s;
  s.choose = c;
  s.from_step = from;
  return s;
}

TEST(SockPuppets, TopPicksTheFirstSlot) {
  const auto cat = FiveItems();
  const int64_t slate[] = {3, 2, 1};
  EXPECT_EQ(PuppetPick(Segment(PuppetChoice::kTop), 0, *cat, slate, 3), 3);
  const int64_t empty[] = {-1, 2};
  EXPECT_EQ(PuppetPick(Segment(PuppetChoice::kTop), 0, *cat, empty, 2), -1);  // an empty first slot: nothing
}

TEST(SockPuppets, LabelPicksTheHighestPlacedSlotOfTheLabelElseNothingOrTheTop) {
  const auto cat = FiveItems();
  ScriptSegment s = Segment(PuppetChoice::kLabel);
  s.label = Label::kMainstream;
  const int64_t slate[] = {2, 1, 3, 0};  // mainstream items 3 (slot 2) and 0 (slot 3)
  EXPECT_EQ(PuppetPick(s, 0, *cat, slate, 4), 3);
  s.label = Label::kExtremist;
  EXPECT_EQ(PuppetPick(s, 0, *cat, slate, 4), 2);
  s.label = Label::kCounterNarrative;  // none on the slate
  EXPECT_EQ(PuppetPick(s, 0, *cat, slate, 4), -1);
  s.otherwise_top = true;
  EXPECT_EQ(PuppetPick(s, 0, *cat, slate, 4), 2);
}

TEST(SockPuppets, MostAndLeastExtremeFollowTheExtremity) {
  const auto cat = FiveItems();
  const int64_t slate[] = {4, 1, 2, 3, -1};  // extremities 0.3, 0.5, 0.9, 0.1
  EXPECT_EQ(PuppetPick(Segment(PuppetChoice::kMostExtreme), 0, *cat, slate, 5), 2);
  EXPECT_EQ(PuppetPick(Segment(PuppetChoice::kLeastExtreme), 0, *cat, slate, 5), 3);
  const int64_t none[] = {-1, -1};
  EXPECT_EQ(PuppetPick(Segment(PuppetChoice::kMostExtreme), 0, *cat, none, 2), -1);
}

TEST(SockPuppets, ListIsConsumedInOrderFromItsFirstStepThenNothing) {
  const auto cat = FiveItems();
  ScriptSegment s = Segment(PuppetChoice::kList, 10);
  s.items = {4, 0, 2};
  const int64_t slate[] = {1};  // the slate does not matter: the items are watched directly
  EXPECT_EQ(PuppetPick(s, 10, *cat, slate, 1), 4);
  EXPECT_EQ(PuppetPick(s, 11, *cat, slate, 1), 0);
  EXPECT_EQ(PuppetPick(s, 12, *cat, slate, 1), 2);
  EXPECT_EQ(PuppetPick(s, 13, *cat, slate, 1), -1);
}

TEST(SockPuppets, TheScriptSwitchesAtExactlyItsStep) {
  const std::vector<ScriptSegment> script = {Segment(PuppetChoice::kTop, 0), Segment(PuppetChoice::kMostExtreme, 7),
                                             Segment(PuppetChoice::kLeastExtreme, 9)};
  for (int64_t t = 0; t < 7; ++t) EXPECT_EQ(SegmentAt(script, t).choose, PuppetChoice::kTop) << t;
  EXPECT_EQ(SegmentAt(script, 7).choose, PuppetChoice::kMostExtreme);
  EXPECT_EQ(SegmentAt(script, 8).choose, PuppetChoice::kMostExtreme);
  EXPECT_EQ(SegmentAt(script, 9).choose, PuppetChoice::kLeastExtreme);
  EXPECT_EQ(SegmentAt(script, 1000).choose, PuppetChoice::kLeastExtreme);
}

TEST(SockPuppets, GroupsFollowTheOrganicUsersInOrder) {
  SockPuppets p;
  p.organic_users = 5;
  p.groups = {{"a", 2, 5, {}}, {"b", 3, 7, {}}};
  EXPECT_EQ(p.total(), 5);
  EXPECT_EQ(p.GroupOf(0), -1);
  EXPECT_EQ(p.GroupOf(4), -1);
  EXPECT_EQ(p.GroupOf(5), 0);
  EXPECT_EQ(p.GroupOf(6), 0);
  EXPECT_EQ(p.GroupOf(7), 1);
  EXPECT_EQ(p.GroupOf(9), 1);
  EXPECT_EQ(p.GroupOf(10), -1);  // beyond the last group
}

// the wrapped model: organic rows are exactly the organic model's; puppet rows the script's
TEST(SockPuppets, ScriptedModelLeavesOrganicRowsAloneAndReplacesPuppetRows) {
  const auto cat = FiveItems();
  const int n = 4, slate_size = 3, max_clicks = 2;
  Population pop;
  pop.n = pop.rows = n;
  pop.dim = 2;
  pop.AllocateHistory(n, 4);
  pop.interest.assign(n * 2, 0.f);
  for (int u = 0; u < n; ++u) pop.interest[u * 2] = 1.f;
  pop.estimate = pop.interest;
  pop.susceptibility.assign(n, 0.5f), pop.appetite.assign(n, 0.5f), pop.receptivity.assign(n, 0.5f);
  pop.session_prob.assign(n, 0.5f);
  pop.sessions.assign(n, 0), pop.impressions.assign(n, 0), pop.clicks.assign(n, 0);
  SlateBatch b;
  b.Reserve(n, 2, slate_size, slate_size);
  std::vector<int32_t> users = {0, 1, 2, 3};
  b.n = n;
  b.users = users.data();
  for (int u = 0; u < n; ++u)
    b.slate[u * slate_size + 0] = 0, b.slate[u * slate_size + 1] = 2, b.slate[u * slate_size + 2] = 4;
  LogitUserParams lp;
  lp.outside_utility = -100;  // organic users always click (twice)
  ChoiceBuffer alone, wrapped;
  alone.Reserve(n, max_clicks, slate_size), wrapped.Reserve(n, max_clicks, slate_size);
  lp.max_clicks = max_clicks;
  lp.position_decay = 0;  // every slot examined
  Population pop_alone = pop;
  MakeLogitUserModel(lp)->Respond({*cat, 3, 11}, b, pop_alone, alone);
  SockPuppets p;
  p.organic_users = 2;
  PuppetGroup g{"bots", 2, 2, {Segment(PuppetChoice::kMostExtreme, 0)}};
  p.groups.push_back(g);
  MakeScriptedUserModel(MakeLogitUserModel(lp), p)->Respond({*cat, 3, 11}, b, pop, wrapped);
  for (int u = 0; u < 2; ++u) {
    EXPECT_EQ(wrapped.n_clicks[u], alone.n_clicks[u]);
    for (int c = 0; c < max_clicks; ++c) EXPECT_EQ(wrapped.Clicks(u)[c], alone.Clicks(u)[c]);
    for (int d = 0; d < 2; ++d) EXPECT_EQ(pop.Interest(u)[d], pop_alone.Interest(u)[d]);
  }
  EXPECT_EQ(alone.n_clicks[2], 2);  // the organic model would click twice
  for (int u = 2; u < 4; ++u) {
    EXPECT_EQ(wrapped.n_clicks[u], 1);
    EXPECT_EQ(wrapped.Clicks(u)[0], 2);  // the most extreme of {0, 2, 4}
    EXPECT_EQ(wrapped.Clicks(u)[1], -1);
  }
  // an oracle or observer asks the wrapped model for a utility: the organic model's, for
  // puppets and organic users alike (LogitUtility of each user's interest and appetite)
  const auto scripted = MakeScriptedUserModel(MakeLogitUserModel(lp), p);
  for (int u = 0; u < n; ++u)
    for (int64_t item = 0; item < 5; ++item)
      EXPECT_EQ(scripted->Utility(*cat, pop, u, item),
                LogitUtility(lp, *cat, pop.Interest(u), pop.appetite[pop.Row(u)], item));
}

}  // namespace
}  // namespace counterpoint
