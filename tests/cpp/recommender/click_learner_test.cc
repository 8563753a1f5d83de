// The Recommender hands a ranker that learns from clicks (Ranker::LearnsFromClicks) the
// clicks that teach it: those on organic slots, and on injected ones only with
// learn_from_injected; a ranker that does not say so is handed none.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::MakeCatalog;

// a ranker that records every click it is handed, as (user, item)
class RecordingRanker : public Ranker {
 public:
  RecordingRanker(std::vector<std::pair<int32_t, int64_t>>* seen, bool learns) : seen_(seen), learns_(learns) {}
  void Score(const RecContext&, SlateBatch&) override {}
  bool LearnsFromClicks() const override { return learns_; }
  void ObserveClicks(const RecContext&, std::span<const UserClick> clicks) override {
    for (const UserClick& c : clicks) seen_->push_back({c.user, c.item});
  }

 private:
  std::vector<std::pair<int32_t, int64_t>>* seen_;
  bool learns_;
};

std::vector<std::pair<int32_t, int64_t>> Delivered(bool learn_from_injected, bool learns = true) {
  auto cat = MakeCatalog(1, {1, 1, 1, 1, 1, 1}, std::vector<Label>(6, Label::kMainstream), std::vector<float>(6, 0.f));
  VectorIndex index(*cat, {});
  ItemState items(6);
  const PlatformView view(*cat);
  const RecContext ctx{view, index, items, 0, 1};
  std::vector<std::pair<int32_t, int64_t>> seen;
  RecommenderOptions options;
  options.learn_from_injected = learn_from_injected;
  Recommender rec(nullptr, std::make_unique<RecordingRanker>(&seen, learns), {}, options);
  // users 7 and 3: slates {0, 1, 2} (slot 2 injected) and {3, 4, 5}; user 7 clicks 2 then 0,
  // user 3 clicks 5
  SlateBatch b;
  b.Reserve(2, 1, 3, 3);
  b.n = 2;
  const int32_t users[2] = {7, 3};
  b.users = users;
  b.slate = {0, 1, 2, 3, 4, 5};
  b.SlateProvenance(0)[2] = static_cast<uint8_t>(Provenance::kInjected);
  ChoiceBuffer choices;
  choices.Reserve(2, 2, 3);
  choices.clicks = {2, 0, 5, -1};
  choices.n_clicks = {2, 1};
  rec.OnFeedback(ctx, b, choices);
  return seen;
}

TEST(ClickLearnerTest, GetsTheTeachingClicksInUserThenClickOrder) {
  using Seen = std::vector<std::pair<int32_t, int64_t>>;
  EXPECT_EQ(Delivered(false), (Seen{{7, 0}, {3, 5}}));
  EXPECT_EQ(Delivered(true), (Seen{{7, 2}, {7, 0}, {3, 5}}));
  EXPECT_EQ(Delivered(true, false), Seen{});
}

}  // namespace
}  // namespace counterpoint
