// Holm's adjustment and the t test's p-value against values computed by hand.
#include "core/multiplicity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/stats.h"

namespace counterpoint {
namespace {

TEST(MultiplicityTest, HolmStepsDownAndKeepsTheOrder) {
  // sorted 0.01, 0.03, 0.04 (m = 3): 3 * 0.01 = 0.03, 2 * 0.03 = 0.06, max(0.06, 1 * 0.04) = 0.06
  const std::vector<double> p = {0.01, 0.04, 0.03};
  const std::vector<double> a = HolmAdjust(p);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_DOUBLE_EQ(a[0], 0.03);
  EXPECT_DOUBLE_EQ(a[1], 0.06);
  EXPECT_DOUBLE_EQ(a[2], 0.06);
  // NaN left out of m = 3: 3 * 0.2 = 0.6, then min(1, 2 * 0.5) = 1 and max(1, 0.9) = 1
  const std::vector<double> q = {0.2, NAN, 0.5, 0.9};
  const std::vector<double> h = HolmAdjust(q);
  EXPECT_DOUBLE_EQ(h[0], 0.6);  // 3 * 0.2
  EXPECT_TRUE(std::isnan(h[1]));
  EXPECT_DOUBLE_EQ(h[2], 1.0);  // min(1, 2 * 0.5)
  EXPECT_DOUBLE_EQ(h[3], 1.0);
  EXPECT_EQ(DefinedCount(q), 3);
  // one test: unchanged
  EXPECT_EQ(HolmAdjust(std::vector<double>{0.04}), (std::vector<double>{0.04}));
}

TEST(MultiplicityTest, TwoSidedPOfThePairedTTest) {
  // differences {1, 2, 3}: mean 2, s = 1, se = 1/sqrt(3), t = 2 sqrt(3) with 2 degrees of
  // freedom, where F(t) = 1/2 + t / (2 sqrt(2 + t^2)): p = 1 - t / sqrt(2 + t^2)
  const Estimate e = PairedDifference(std::vector<double>{2, 4, 6}, std::vector<double>{1, 2, 3});
  const double t = 2 * std::sqrt(3.0);
  EXPECT_NEAR(StudentTwoSidedP(e), 1 - t / std::sqrt(2 + t * t), 1e-12);
  // symmetric in the sign
  EXPECT_NEAR(StudentTwoSidedP(PairedDifference(std::vector<double>{1, 2, 3}, std::vector<double>{2, 4, 6})),
              StudentTwoSidedP(e), 1e-15);
  // no spread: 0 for a non-zero mean, 1 for zero; undefined below two values
  EXPECT_EQ(StudentTwoSidedP(MeanCi(std::vector<double>{2, 2, 2})), 0.0);
  EXPECT_EQ(StudentTwoSidedP(MeanCi(std::vector<double>{0, 0})), 1.0);
  EXPECT_TRUE(std::isnan(StudentTwoSidedP(MeanCi(std::vector<double>{1}))));
}

}  // namespace
}  // namespace counterpoint
