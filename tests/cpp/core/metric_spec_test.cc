// Metric specs: names with a number hole, kinds by name.
#include "core/metric_spec.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace counterpoint {
namespace {

TEST(MetricSpecTest, ANameMatchesOnlyItself) {
  const MetricSpec s = ShareMetric("rabbit_hole_share", "share of users", "d");
  EXPECT_TRUE(MatchesMetric(s, "rabbit_hole_share"));
  EXPECT_FALSE(MatchesMetric(s, "rabbit_hole_share_total"));
  EXPECT_FALSE(MatchesMetric(s, "rabbit_hole"));
  EXPECT_EQ(s.kind, MetricKind::kShare);
}

TEST(MetricSpecTest, TheHoleMatchesOneOrMoreDigits) {
  const MetricSpec s = LevelMetric("cn_org<k>_impressions", "impressions", "d");
  EXPECT_TRUE(MatchesMetric(s, "cn_org0_impressions"));
  EXPECT_TRUE(MatchesMetric(s, "cn_org123_impressions"));
  EXPECT_FALSE(MatchesMetric(s, "cn_org_impressions"));
  EXPECT_FALSE(MatchesMetric(s, "cn_orgx_impressions"));
  EXPECT_FALSE(MatchesMetric(s, "cn_org1_impressions_total"));
  EXPECT_FALSE(MatchesMetric(s, "cn_org<k>_impressions"));
}

TEST(MetricSpecTest, ThePlatformHoleMatchesAName) {
  const MetricSpec s = LevelMetric("views@<platform>", "views", "d");
  EXPECT_TRUE(MatchesMetric(s, "views@large_social"));
  EXPECT_TRUE(MatchesMetric(s, "views@p2"));
  EXPECT_FALSE(MatchesMetric(s, "views@"));
  EXPECT_FALSE(MatchesMetric(s, "views"));
  EXPECT_FALSE(MatchesMetric(s, "views@a b"));
  EXPECT_FALSE(MatchesMetric(s, "views@a@b"));
  EXPECT_FALSE(MatchesMetric(s, "news_views@a"));
}

TEST(MetricSpecTest, FindsTheFirstSpecThatNamesAColumn) {
  const std::vector<MetricSpec> specs = {SignedMetric("extremity_mean", "u", "d"),
                                         LevelMetric("cn_org<k>_impressions", "u", "d")};
  EXPECT_EQ(FindMetric(specs, "extremity_mean"), &specs[0]);
  EXPECT_EQ(FindMetric(specs, "cn_org4_impressions"), &specs[1]);
  EXPECT_EQ(FindMetric(specs, "other"), nullptr);
}

TEST(MetricSpecTest, KindsByName) {
  for (MetricKind k : {MetricKind::kShare, MetricKind::kLevel, MetricKind::kSigned})
    EXPECT_EQ(ParseMetricKind(MetricKindName(k)), k);
  try {
    ParseMetricKind("proportion");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("valid: share, level, signed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace counterpoint
