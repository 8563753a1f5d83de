// The platform's view of a catalog: the fields a platform sees, equal to the catalog's,
// and the partners' declarations.
#include "embeddings/platform_view.h"

#include <gtest/gtest.h>

#include <memory>

namespace counterpoint {
namespace {

std::shared_ptr<const Catalog> FourItems() {
  CatalogData d;
  d.dim = 2;
  d.embeddings = {3, 4, 0, 1, 1, 0, -1, 0};
  d.labels = {Label::kMainstream, Label::kCounterNarrative, Label::kExtremist, Label::kCounterNarrative};
  d.extremity = {0.f, 0.1f, 0.9f, 0.2f};
  d.harm_score = {0.1f, 0.2f, 0.8f, 0.3f};
  d.creator = {10, 20, 30, 40};
  d.topic = {0, 1, 2, 1};
  d.upload_step = {0, 0, 3, 5};
  return std::make_shared<const Catalog>(std::move(d), "four");
}

TEST(PlatformViewTest, ShowsWhatThePlatformSees) {
  const auto cat = FourItems();
  const PlatformView v(*cat);
  ASSERT_EQ(v.size(), 4);
  EXPECT_EQ(v.dim(), 2);
  // the catalog's own normalised rows: (3, 4) / 5
  EXPECT_FLOAT_EQ(v.Embedding(0)[0], 0.6f);
  EXPECT_FLOAT_EQ(v.Embedding(0)[1], 0.8f);
  EXPECT_EQ(v.embeddings(), cat->embeddings());
  EXPECT_FLOAT_EQ(v.harm_score(2), 0.8f);
  EXPECT_EQ(v.creator(3), 40);
  EXPECT_EQ(v.topic(3), 1);
  EXPECT_EQ(v.upload_step(3), 5);
  EXPECT_EQ(v.n_topics(), 3);
  EXPECT_EQ(v.id(1), "1");
  EXPECT_FLOAT_EQ(v.harm_scores()[3], 0.3f);
  EXPECT_EQ(v.creators()[1], 20);
  EXPECT_EQ(v.topics()[2], 2);
  EXPECT_EQ(v.upload_steps()[2], 3);
}

TEST(PlatformViewTest, PartnersDeclareTheirCounterNarrativesAndNothingElse) {
  const auto cat = FourItems();
  const PlatformView v(*cat);
  EXPECT_FALSE(v.partner_counter_narrative(0));
  EXPECT_TRUE(v.partner_counter_narrative(1));
  EXPECT_FALSE(v.partner_counter_narrative(2));
  EXPECT_TRUE(v.partner_counter_narrative(3));
  EXPECT_EQ(v.partner_counter_narratives()[1], 1);
  EXPECT_EQ(v.partner_counter_narratives()[2], 0);
}

}  // namespace
}  // namespace counterpoint
