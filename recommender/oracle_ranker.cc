// The oracle ranker: an ideal recommender that knows each user's true utility, the
// baseline of Chaney, Stewart & Engelhardt (RecSys 2018). Not a platform: the one ranker
// that reads ground truth (recommender/oracle_truth.h; docs/model.md §4, "Oracle baseline").
#include <limits>
#include <memory>
#include <stdexcept>

#include "recommender/plugins.h"

namespace counterpoint {
namespace {

/// score = U(user, item): the user model's utility of the candidate for the user, from the
/// user's true interest and traits (what the user would experience), never the estimate.
class OracleRanker : public Ranker {
 public:
  bool Shardable() const override { return true; }  // per user, from the user's own row
  bool ReadsTruth() const override { return true; }
  void ConnectTruth(const OracleTruth& truth) override { truth_ = &truth; }
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Score(const RecContext&, SlateBatch& b) override {
    if (!truth_)
      throw std::logic_error("ranker 'oracle' was not handed the users' true utility (Recommender::ConnectOracle)");
#pragma omp parallel for schedule(static) if (b.n > 512)
    for (int64_t u = 0; u < b.n; ++u)
      for (int j = 0; j < b.k; ++j) {
        const int64_t item = b.cand_ids[u * b.k + j];
        b.cand_score[u * b.k + j] =
            item < 0 ? -std::numeric_limits<float>::infinity() : static_cast<float>(truth_->Utility(b.users[u], item));
      }
  }

 private:
  const OracleTruth* truth_ = nullptr;
};

const bool kOracle = RankerRegistry::Get().Add(
    "oracle",
    {"ORACLE BASELINE, not a platform: the candidates by each user's true utility (the ideal recommender of "
     "Chaney et al. 2018; docs/model.md).",
     {}},
    [](const Params&) { return std::make_unique<OracleRanker>(); });

}  // namespace
}  // namespace counterpoint
