// People on several platforms (world/shared_people.h): sharing copies a person's interest
// and traits and moves the platform's cold-start error onto them; merging adds both
// platforms' drift. Every figure by hand on two-dimensional interests.
#include "world/shared_people.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace counterpoint {
namespace {

Population People(std::vector<float> interest, std::vector<float> estimate, float trait) {
  Population p;
  p.dim = 2;
  p.n = p.rows = static_cast<int64_t>(interest.size()) / 2;
  p.interest = std::move(interest);
  p.estimate = std::move(estimate);
  p.susceptibility.assign(p.n, trait);
  p.appetite.assign(p.n, trait + 0.1f);
  p.receptivity.assign(p.n, trait + 0.2f);
  p.session_prob.assign(p.n, trait + 0.3f);
  return p;
}

std::vector<float> Row(const Population& p, int64_t u) { return {p.Interest(u)[0], p.Interest(u)[1]}; }

TEST(SharedPeopleTest, SharingGivesTheFirstUsersTheEarlierPlatformsPersonsAndKeepsTheColdStartError) {
  const Population from = People({1, 0, 0, 1, 0.6f, 0.8f}, {1, 0, 0, 1, 0.6f, 0.8f}, 0.1f);
  Population to = People({0, 1, 1, 0, 1, 0}, {0, 1, 0.6f, 0.8f, 1, 0}, 0.5f);
  const SharedPeople shared(from, to, 2);
  ASSERT_EQ(shared.size(), 2);
  EXPECT_EQ(Row(to, 0), (std::vector<float>{1, 0}));
  EXPECT_EQ(Row(to, 1), (std::vector<float>{0, 1}));
  EXPECT_EQ(Row(to, 2), (std::vector<float>{1, 0}));  // not shared
  // user 0's estimate sat on its interest: it sits on the shared one
  EXPECT_NEAR(to.Estimate(0)[0], 1, 1e-7);
  EXPECT_NEAR(to.Estimate(0)[1], 0, 1e-7);
  // user 1's error (0.6, 0.8) - (1, 0) moved onto (0, 1): (-0.4, 1.8) / sqrt(3.4)
  EXPECT_NEAR(to.Estimate(1)[0], -0.4 / std::sqrt(3.4), 1e-6);
  EXPECT_NEAR(to.Estimate(1)[1], 1.8 / std::sqrt(3.4), 1e-6);
  EXPECT_EQ(to.Estimate(2)[0], 1);
  for (int64_t u = 0; u < 3; ++u) {
    const bool s = u < 2;
    EXPECT_FLOAT_EQ(to.susceptibility[u], s ? 0.1f : 0.5f);
    EXPECT_FLOAT_EQ(to.appetite[u], s ? 0.2f : 0.6f);
    EXPECT_FLOAT_EQ(to.receptivity[u], s ? 0.3f : 0.7f);
    EXPECT_FLOAT_EQ(to.session_prob[u], 0.8f);  // each platform's own habit
  }
  // at most everyone: the smaller population
  Population all = People({0, 1, 1, 0, 1, 0}, {0, 1, 1, 0, 1, 0}, 0.5f);
  EXPECT_EQ(SharedPeople(from, all, 10).size(), 3);
  EXPECT_EQ(SharedPeople(from, all, 0).size(), 0);
}

TEST(SharedPeopleTest, MergingAddsTheDriftOfBothPlatforms) {
  Population from = People({1, 0, 0, 1, 0.6f, 0.8f}, {1, 0, 0, 1, 0.6f, 0.8f}, 0.1f);
  Population to = People({0, 1, 1, 0, 1, 0}, {0, 1, 1, 0, 1, 0}, 0.5f);
  SharedPeople shared(from, to, 2);
  // user 0 moved on the first platform only, user 1 on the second only: each takes that
  // move exactly; user 2 is not shared and keeps what each platform made of it
  from.Interest(0)[0] = 0.8f, from.Interest(0)[1] = 0.6f;
  to.Interest(1)[0] = 0.6f, to.Interest(1)[1] = 0.8f;
  to.Interest(2)[0] = 0, to.Interest(2)[1] = 1;
  shared.Merge(from, to);
  EXPECT_EQ(Row(from, 0), (std::vector<float>{0.8f, 0.6f}));
  EXPECT_EQ(Row(to, 0), (std::vector<float>{0.8f, 0.6f}));
  EXPECT_EQ(Row(from, 1), (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(Row(to, 1), (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(Row(from, 2), (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(Row(to, 2), (std::vector<float>{0, 1}));
  // both moved user 0 from (0.8, 0.6): to (0.6, 0.8) and to (1, 0); together
  // (0.6 + 1 - 0.8, 0.8 + 0 - 0.6) = (0.8, 0.2), normalised
  from.Interest(0)[0] = 0.6f, from.Interest(0)[1] = 0.8f;
  to.Interest(0)[0] = 1, to.Interest(0)[1] = 0;
  shared.Merge(from, to);
  for (const Population* p : {&from, &to}) {
    EXPECT_NEAR(p->Interest(0)[0], 0.8 / std::sqrt(0.68), 1e-6);
    EXPECT_NEAR(p->Interest(0)[1], 0.2 / std::sqrt(0.68), 1e-6);
  }
  EXPECT_EQ(Row(from, 0), Row(to, 0));
  // nobody moved: nothing changes
  const std::vector<float> before_from = from.interest, before_to = to.interest;
  shared.Merge(from, to);
  EXPECT_EQ(from.interest, before_from);
  EXPECT_EQ(to.interest, before_to);
}

}  // namespace
}  // namespace counterpoint
