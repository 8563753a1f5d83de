// The label_reach observer and the amplification ratio against values counted by hand.
#include "simulator/observers/label_reach.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulator/observers/observer.h"
#include "test_util.h"

namespace counterpoint {
namespace {

TEST(LabelReachTest, ColumnsNameEveryLabel) {
  EXPECT_EQ(LabelReachColumns(), (std::vector<std::string>{"reach_mainstream", "reach_borderline", "reach_extremist",
                                                           "reach_counter_narrative", "reach_news_reporting"}));
}

TEST(LabelReachTest, AmplificationRatioNormalisesByGroupSize) {
  // 30 of 100 treated users reached, 10 of 50 control users: 0.3 / 0.2
  EXPECT_DOUBLE_EQ(AmplificationRatio(30, 100, 10, 50), 1.5);
  EXPECT_DOUBLE_EQ(AmplificationRatio(7, 70, 7, 70), 1.0);
  EXPECT_TRUE(std::isnan(AmplificationRatio(3, 10, 0, 10)));  // no control reach: undefined
}

TEST(LabelReachTest, CountsUsersShownEachLabelOnceAndCumulatively) {
  // items: 0 mainstream, 1 news, 2 borderline, 3 extremist; 4 users
  const auto catalog = testing::MakeCatalog(
      2, {1, 0, 1, 0, 0, 1, 0, 1}, {Label::kMainstream, Label::kNewsReporting, Label::kBorderline, Label::kExtremist},
      {0, 0.1f, 0.5f, 0.9f});
  Population pop;
  pop.n = pop.rows = 4;
  ItemState items{4};
  const StepView v{*catalog, pop, items, 0, 3};
  auto obs = ObserverRegistry::Get().Find("label_reach")->factory({});
  ASSERT_EQ(obs->Columns(), LabelReachColumns());
  // step 0: user 0 sees m m b (twice mainstream: counted once), user 1 sees x n, user 3 sees m
  SlateBatch b;
  b.Reserve(3, 2, 3, 3);
  b.n = 3;
  b.slate = {0, 0, 2, 3, 1, -1, 0, -1, -1};
  const int32_t users[3] = {0, 1, 3};
  b.users = users;
  ChoiceBuffer ch;
  ch.Reserve(3, 1);
  obs->BeginStep(v);
  obs->ObserveBatch(v, b, ch);
  double row[5];
  obs->EndStep(v, row);
  EXPECT_DOUBLE_EQ(row[0], 2.0 / 4);  // mainstream: users 0, 3
  EXPECT_DOUBLE_EQ(row[1], 1.0 / 4);  // borderline: user 0
  EXPECT_DOUBLE_EQ(row[2], 1.0 / 4);  // extremist: user 1
  EXPECT_DOUBLE_EQ(row[3], 0.0);      // counter-narrative: nobody
  EXPECT_DOUBLE_EQ(row[4], 1.0 / 4);  // news: user 1
  // step 1: user 0 sees b again (already reached), user 2 sees b m; reach only grows
  b.n = 2;
  b.slate = {2, -1, -1, 2, 0, -1};
  const int32_t users1[2] = {0, 2};
  b.users = users1;
  obs->BeginStep(v);
  obs->ObserveBatch(v, b, ch);
  obs->EndStep(v, row);
  EXPECT_DOUBLE_EQ(row[0], 3.0 / 4);
  EXPECT_DOUBLE_EQ(row[1], 2.0 / 4);
  EXPECT_DOUBLE_EQ(row[2], 1.0 / 4);
  EXPECT_DOUBLE_EQ(row[4], 1.0 / 4);
}

}  // namespace
}  // namespace counterpoint
