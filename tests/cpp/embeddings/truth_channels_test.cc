// The channels through which ground truth reaches interventions, each against a hand-built
// catalog: what each channel says of harmful and legitimate items at its error rates.
#include "embeddings/truth_channels.h"

#include <gtest/gtest.h>

#include <memory>

namespace counterpoint {
namespace {

// 0 mainstream, 1 extremist original, 2 extremist copy of 1, 3 borderline, 4 news report
std::shared_ptr<const Catalog> FiveItems() {
  CatalogData d;
  d.dim = 2;
  d.embeddings = {1, 0, 0, 1, 0, 1, 1, 1, 1, -1};
  d.labels = {Label::kMainstream, Label::kExtremist, Label::kExtremist, Label::kBorderline, Label::kNewsReporting};
  d.extremity = {0.f, 0.9f, 0.9f, 0.5f, 0.1f};
  d.harm_score = {0.1f, 0.9f, 0.9f, 0.5f, 0.6f};
  d.upload_step = {0, 0, kUploadOnDemand, 0, 0};
  d.parent = {-1, -1, 1, -1, -1};
  return std::make_shared<const Catalog>(std::move(d), "five");
}

TEST(TruthChannelsTest, ReviewersErrAtTheirRates) {
  const auto cat = FiveItems();
  const TruthChannels ch(*cat);
  // harmful: confirmed below 1 - fn = 0.9; legitimate: below fp = 0.05
  EXPECT_TRUE(ch.ReviewConfirms(1, 0.89, 0.05, 0.1));
  EXPECT_FALSE(ch.ReviewConfirms(1, 0.91, 0.05, 0.1));
  EXPECT_TRUE(ch.ReviewConfirms(3, 0.0, 0.05, 0.1));
  EXPECT_TRUE(ch.ReviewConfirms(0, 0.04, 0.05, 0.1));
  EXPECT_FALSE(ch.ReviewConfirms(0, 0.06, 0.05, 0.1));
  EXPECT_FALSE(ch.ReviewConfirms(4, 0.06, 0.05, 0.1));
  // perfect reviewers see the truth
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(ch.ReviewConfirms(i, 0.5, 0, 0), IsHarmful(cat->label(i))) << i;
}

TEST(TruthChannelsTest, FlaggersCreatorsAndOtherPlatforms) {
  const auto cat = FiveItems();
  const TruthChannels ch(*cat);
  EXPECT_EQ(ch.harmful_items(), 3);  // two extremist, one borderline
  EXPECT_DOUBLE_EQ(ch.FlagProbability(1, 0.7, 0.01), 0.7);
  EXPECT_DOUBLE_EQ(ch.FlagProbability(3, 0.7, 0.01), 0.7);
  EXPECT_DOUBLE_EQ(ch.FlagProbability(4, 0.7, 0.01), 0.01);
  // the creators of legitimate items appeal, those of harmful ones do not
  EXPECT_TRUE(ch.CreatorAppeals(0));
  EXPECT_TRUE(ch.CreatorAppeals(4));
  EXPECT_FALSE(ch.CreatorAppeals(1));
  EXPECT_FALSE(ch.CreatorAppeals(3));
  // other platforms hashed the extremist original only, not its copy or the borderline item
  EXPECT_TRUE(ch.HashedElsewhere(1));
  EXPECT_FALSE(ch.HashedElsewhere(2));
  EXPECT_FALSE(ch.HashedElsewhere(3));
  EXPECT_FALSE(ch.HashedElsewhere(0));
  // re-uploaders know what a copy copies
  EXPECT_EQ(ch.CopyOf(2), 1);
  EXPECT_EQ(ch.CopyOf(1), -1);
}

TEST(TruthChannelsTest, PerceptualHashesAreTheCatalogsCodes) {
  const auto cat = FiveItems();
  const TruthChannels ch(*cat);
  const HashPerturbation p;
  EXPECT_EQ(ch.PerceptualHashes(4, p), CatalogHashes(*cat, 4, p));
  EXPECT_EQ(ch.PerceptualHashes(4, p).size(), static_cast<size_t>(5 * kHashBytes));
}

}  // namespace
}  // namespace counterpoint
