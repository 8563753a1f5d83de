// The NGO coverage map on a hand-built catalog: regions, their nearest counter-narrative,
// at-risk traffic, coverage and rank computed by hand; and the at-risk definition.
#include "simulator/observers/coverage_gaps.h"

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace counterpoint {
namespace {

// two harmful regions: A around (1,0) (items 0, 1, topic 3) and B around (0,1) (items 2, 3,
// topics 2 and 1); a counter-narrative (item 4) at angle 0.1 rad from A; a mainstream item 5
std::shared_ptr<const Catalog> TwoRegions() {
  CatalogData d;
  d.dim = 2;
  d.embeddings = {1, 0.05f, 1, -0.05f, 0.05f, 1, -0.05f, 1, std::cos(0.1f), std::sin(0.1f), -1, 0};
  d.labels = {Label::kExtremist,  Label::kExtremist,        Label::kBorderline,
              Label::kBorderline, Label::kCounterNarrative, Label::kMainstream};
  d.extremity = {0.9f, 0.9f, 0.5f, 0.5f, 0, 0};
  d.topic = {3, 3, 2, 1, 0, 0};
  return std::make_shared<const Catalog>(std::move(d), "two regions");
}

TEST(CoverageGapsTest, UncoveredRegionWithTrafficRanksFirst) {
  const auto cat = TwoRegions();
  const std::vector<int64_t> at_risk = {10, 20, 5, 1, 100, 100};
  const auto map = CoverageGaps(*cat, at_risk, {2, 0.05, 10, {}});
  ASSERT_EQ(map.size(), 2u);
  // B: centroid (0,1) by symmetry, nearest CN at distance 1 - sin(0.1); uncovered, rank 1
  const CoverageRegion& b = map[0];
  EXPECT_EQ(b.rank, 1);
  EXPECT_EQ(b.n_items, 2);
  EXPECT_EQ(b.at_risk_impressions, 6);
  EXPECT_EQ(b.centroid_topic, 1);  // topics 2 and 1 tie: the lowest
  EXPECT_NEAR(b.nearest_cn_distance, 1 - std::sin(0.1), 1e-6);
  EXPECT_FALSE(b.covered);
  // A: centroid (1,0), CN at distance 1 - cos(0.1) = 0.005 <= 0.05: covered, rank 2
  const CoverageRegion& a = map[1];
  EXPECT_EQ(a.rank, 2);
  EXPECT_EQ(a.at_risk_impressions, 30);
  EXPECT_EQ(a.centroid_topic, 3);
  EXPECT_NEAR(a.nearest_cn_distance, 1 - std::cos(0.1), 1e-6);
  EXPECT_TRUE(a.covered);
  EXPECT_NE(a.region, b.region);
  // the CSV: one row per region in rank order
  const std::string csv = CoverageGapsCsv({{"arm", 0}}, {&map});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "arm,replicate,region,n_items,centroid_topic,nearest_cn_distance,at_risk_impressions,covered,rank");
  EXPECT_TRUE(testing::Contains(csv, ",2,1,")) << csv;
  EXPECT_TRUE(testing::Contains(csv, ",6,no,1\n")) << csv;
  EXPECT_TRUE(testing::Contains(csv, ",30,yes,2\n")) << csv;
}

TEST(CoverageGapsTest, OnlyTheChosenOrganisationsCounterNarrativesCover) {
  // the counter-narrative (item 4) is organisation 7's; an arm that injects organisation
  // 8's content only cannot cover region A with it
  CatalogData d = TwoRegions()->data();
  d.creator = {1, 1, 1, 1, 7, 1};
  const Catalog cat(std::move(d), "two regions, creators");
  const std::vector<int64_t> at_risk = {10, 20, 5, 1, 100, 100};
  CoverageOptions options{2, 0.05, 10, {}};
  options.organisations = {7};
  for (const CoverageRegion& r : CoverageGaps(cat, at_risk, options))
    if (r.at_risk_impressions == 30) {
      EXPECT_TRUE(r.covered);  // A, as with every counter-narrative
    }
  options.organisations = {8};
  const auto map = CoverageGaps(cat, at_risk, options);
  ASSERT_EQ(map.size(), 2u);
  for (const CoverageRegion& r : map) {
    EXPECT_FALSE(r.covered);
    EXPECT_TRUE(std::isinf(r.nearest_cn_distance));
  }
  // nothing covered: ranked by at-risk traffic alone, A (30) before B (6)
  EXPECT_EQ(map[0].at_risk_impressions, 30);
  EXPECT_EQ(map[0].rank, 1);
}

TEST(CoverageGapsTest, NoCounterNarrativeMeansNothingIsCovered) {
  CatalogData d;
  d.dim = 2;
  d.embeddings = {1, 0, 0, 1};
  d.labels = {Label::kExtremist, Label::kMainstream};
  d.extremity = {0.9f, 0};
  const Catalog cat(std::move(d), "none");
  const auto map = CoverageGaps(cat, {}, {5, 2.0, 3, {}});
  ASSERT_EQ(map.size(), 1u);  // k is capped by the number of harmful items
  EXPECT_FALSE(map[0].covered);
  EXPECT_TRUE(std::isinf(map[0].nearest_cn_distance));
  EXPECT_EQ(map[0].at_risk_impressions, 0);
}

TEST(CoverageGapsTest, AtRiskIsTopQuartileOfExtremityOrHighAppetite) {
  // extremity direction (0,1); four users with projections 0, 0.2, 0.6, 1 (the 0.75 quantile
  // is 0.7 by linear interpolation: only the last is in the top quartile)
  CatalogData d;
  d.dim = 2;
  d.embeddings = {1, 0, 0, 1};
  d.labels = {Label::kMainstream, Label::kExtremist};
  d.extremity = {0, 1};
  d.extremity_direction = {0, 1};
  const Catalog cat(std::move(d), "axis");
  Population pop;
  pop.n = pop.rows = 4;
  pop.dim = 2;
  pop.interest = {1, 0, 0.98f, 0.2f, 0.8f, 0.6f, 0, 1};
  pop.appetite = {0.9f, 0.1f, 0.5f, 0.1f};
  const auto r = AtRiskUsers(pop, cat, {0.75, 0.75});
  EXPECT_EQ(r, (std::vector<uint8_t>{1, 0, 0, 1}));
}

}  // namespace
}  // namespace counterpoint
