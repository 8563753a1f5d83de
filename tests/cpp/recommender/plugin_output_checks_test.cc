// The recommender checks what plug-ins write at the boundary: a NaN score or an id that is
// no item is an error naming the plug-in, the arm, the step and the first bad position,
// never a silent mis-ranking or an out-of-bounds read.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"
#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

// writes what `act` says into the batch at one stage
class Writer : public Intervention {
 public:
  Writer(std::function<void(SlateBatch&)> on_scores, std::function<void(SlateBatch&)> on_slate)
      : on_scores_(std::move(on_scores)), on_slate_(std::move(on_slate)) {}
  void OnScores(const RecContext&, SlateBatch& b) override {
    if (on_scores_) on_scores_(b);
  }
  void OnSlate(const RecContext&, SlateBatch& b) override {
    if (on_slate_) on_slate_(b);
  }

 private:
  std::function<void(SlateBatch&)> on_scores_, on_slate_;
};

std::string RunWith(std::function<void(SlateBatch&)> on_scores, std::function<void(SlateBatch&)> on_slate) {
  auto cat = testing::MakeCatalog(2, {1, 0, 0, 1, 1, 1, 1, -1}, std::vector<Label>(4, Label::kMainstream),
                                  std::vector<float>(4, 0.f));
  const VectorIndex index(*cat, {});
  const PlatformView view(*cat);
  const TruthChannels channels(*cat);
  const ItemState items(4);
  const auto* r = RetrieverRegistry::Get().Find("faiss");
  const auto* k = RankerRegistry::Get().Find("relevance");
  std::vector<std::unique_ptr<Intervention>> ivs;
  ivs.push_back(std::make_unique<Writer>(on_scores, on_slate));
  RecommenderOptions o;
  o.candidates = 3, o.slate_size = 2, o.intervention_types = {"writer"}, o.ranker_type = "relevance";
  Recommender rec(r->factory(Params::Defaults(r->spec)), k->factory(Params::Defaults(k->spec)), std::move(ivs), o);
  rec.Init({view, index, channels, 10, 0, 10, 3, 2, "arm_a", 1, 0, InterventionPurpose(0)});
  SlateBatch b;
  b.Reserve(2, 2, 3, 2);
  b.n = 2;
  const int32_t users[2] = {5, 7};
  b.users = users;
  b.queries = {1, 0, 0, 1};
  const RecContext ctx{view, index, items, 3, 1};
  try {
    rec.Recommend(ctx, b);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PluginOutputChecksTest, ANanScoreIsNamedWithItsPlace) {
  const std::string msg = RunWith([](SlateBatch& b) { b.cand_score[1 * b.k + 2] = std::nanf(""); }, nullptr);
  for (const char* part : {"intervention 0 'writer' (arm 'arm_a', step 3)", "user 7's candidate 2", "NaN"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  // an empty slot may hold anything: no error
  EXPECT_EQ(RunWith(
                [](SlateBatch& b) {
                  b.cand_ids[0] = -1;
                  b.cand_score[0] = std::nanf("");
                },
                nullptr),
            "");
  // clean output: no error
  EXPECT_EQ(RunWith(nullptr, nullptr), "");
}

TEST(PluginOutputChecksTest, AnIdThatIsNoItemIsNamedWithItsPlace) {
  const std::string msg = RunWith(nullptr, [](SlateBatch& b) { b.slate[0 * b.slate_size + 1] = 4; });
  for (const char* part :
       {"intervention 0 'writer' (arm 'arm_a', step 3)", "user 5's slate slot 1", "item id 4", "0..3"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  EXPECT_NE(RunWith(nullptr, [](SlateBatch& b) { b.slate[0] = -2; }).find("item id -2"), std::string::npos);
}

}  // namespace
}  // namespace counterpoint
