// Contribution bounding by user, against an adversarial user.
#include <gtest/gtest.h>

#include <set>

#include "privacy/contribution_bounding.h"
#include "seeded_noise_source.h"

namespace counterpoint {
namespace {

using namespace privacy;

TEST(PrivacyBoundingTest, HandComputedTable) {
  // user 1: 5 impressions (2 clicked) in cell 0 -> clamped to c = 3 impressions, 2 clicks;
  // user 2: 1 impression in cell 0 and 1 in cell 1; negative values count as 0
  ContributionRows rows;
  rows.n_values = 2;
  for (int i = 0; i < 5; ++i) rows.Add(1, 0, {1, i < 2 ? 1 : 0});
  rows.Add(2, 0, {1, -4});
  rows.Add(2, 1, {1, 1});
  testing::SeededNoiseSource src(1);
  const BoundedTable t = BoundContributions(rows, 3, {2, 3}, src);
  EXPECT_EQ(t.sums, (std::vector<int64_t>{4, 2, 1, 1, 0, 0}));
  EXPECT_EQ(t.users, (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(t.dropped_pairs, 0);
  EXPECT_EQ(L1Sensitivity({2, 3}, 2), 14);
  EXPECT_EQ(L2SensitivitySquared({2, 3}, 2), 38);
  rows.Add(3, 7, {1, 0});
  EXPECT_THROW(BoundContributions(rows, 3, {2, 3}, src), std::invalid_argument);
}

TEST(PrivacyBoundingTest, AdversarialUserIsCutToTheBound) {
  // one user with 1e4 events over 1e3 partitions (10 each, all clicked) next to 500 ordinary users.
  // Fails if the adversary moves the table by more than k (m c + 1) in L1, by more than c per value
  // in any cell, or touches the other users' contributions.
  const BoundingPolicy bounds{5, 3};
  ContributionRows honest, with_adversary;
  honest.n_values = with_adversary.n_values = 2;
  for (int u = 0; u < 500; ++u) {
    honest.Add(u, u % 1000, {1, u % 2});
    with_adversary.Add(u, u % 1000, {1, u % 2});
  }
  for (int e = 0; e < 10000; ++e) with_adversary.Add(424242, e % 1000, {1, 1});
  std::set<int64_t> chosen_ever;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    testing::SeededNoiseSource src(seed);
    const BoundedTable a = BoundContributions(honest, 1000, bounds, src);
    const BoundedTable b = BoundContributions(with_adversary, 1000, bounds, src);
    EXPECT_EQ(b.dropped_pairs, 995);
    int64_t l1 = 0, touched = 0;
    for (int p = 0; p < 1000; ++p) {
      const int64_t du = b.users[p] - a.users[p], di = b.sums[2 * p] - a.sums[2 * p],
                    dc = b.sums[2 * p + 1] - a.sums[2 * p + 1];
      ASSERT_TRUE(du == 0 || du == 1);
      ASSERT_GE(di, 0);
      ASSERT_LE(di, 3);
      ASSERT_LE(dc, 3);
      l1 += du + di + dc;
      if (du) {
        ++touched;
        chosen_ever.insert(p);
        EXPECT_EQ(di, 3);  // 10 events clamped to c
        EXPECT_EQ(dc, 3);
      }
    }
    EXPECT_EQ(touched, 5);
    EXPECT_EQ(l1, L1Sensitivity(bounds, 2));  // the bound is attained, not exceeded
  }
  // the kept partitions are drawn at random, not always the first ones: 50 draws of 5 out of
  // 1000 cover far more than 5 partitions (fewer than 100 distinct has probability ~0)
  EXPECT_GT(chosen_ever.size(), 100u);
}

}  // namespace
}  // namespace counterpoint
