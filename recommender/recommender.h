// The recommender pipeline: Retriever -> candidate hooks -> Ranker -> slate cut ->
// slate hooks, plus learning from clicks.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "recommender/plugins.h"

namespace counterpoint {

/// Upper bound on candidates per user (slate cutting works on a stack buffer).
inline constexpr int kMaxCandidates = 4096;
/// Upper bounds for stack buffers in learning (validated by the scenario loader).
inline constexpr int kMaxSlate = 256;
inline constexpr int kMaxDim = 4096;

struct RecommenderOptions {
  int candidates = 200;        ///< k retrieved per user
  int slate_size = 10;         ///< items shown per user and step
  double learning_rate = 0.3;  ///< step size of the estimate update
  /// How the estimate learns from a session's clicks: "click_average" moves it toward
  /// each clicked item; "choice_gradient" takes one gradient step on the session's
  /// log-likelihood under a sequential multinomial logit among the shown items.
  std::string learner = "choice_gradient";
  double learner_temperature = 5.0;  ///< choice_gradient: logit scale of <estimate, item>
  /// Whether injected slots (Provenance::kInjected) teach the ranker: the estimate
  /// update and the item click/impression counts. Off: they teach it nothing.
  bool learn_from_injected = false;
  /// The registered type of each intervention, in list order (set by the scenario): each
  /// draws its random numbers under InterventionPurpose(type, occurrence). Empty (plug-ins
  /// assembled by hand): keyed by list position instead.
  std::vector<std::string> intervention_types;
  /// The ranker's registered type (set by the scenario), for messages.
  std::string ranker_type;
};

class Recommender {
 public:
  Recommender(std::unique_ptr<Retriever> retriever, std::unique_ptr<Ranker> ranker,
              std::vector<std::unique_ptr<Intervention>> interventions, RecommenderOptions options);

  const RecommenderOptions& options() const { return options_; }

  /// Initialises the interventions (each gets its own random purpose, keyed by its type).
  void Init(InterventionContext ctx);
  /// The first part that cannot run sharded over MPI ranks ("ranker 'engagement'" style
  /// names come from the caller; here "ranker" or "intervention i"), or "" if none.
  std::string ShardingObstacle() const;
  /// The interventions (indices, ascending) that share a step's resource out across ranks
  /// (Intervention::AllocatesAcrossRanks).
  std::vector<size_t> AllocationStages() const;
  /// True if the ranker is an oracle baseline that ranks by true utility (Ranker::ReadsTruth).
  bool RankerReadsTruth() const;
  /// Hands `truth` to an oracle ranker (nothing to any other plug-in). Throws std::logic_error
  /// if the ranker reads truth but its registered name (options.ranker_type, where set)
  /// does not begin with "oracle": ground truth reaches only a labelled oracle baseline.
  void ConnectOracle(const OracleTruth& truth);
  /// Metric columns the interventions add, in scenario order.
  std::vector<std::string> InterventionColumns() const;
  /// The interventions, in scenario order.
  const std::vector<std::unique_ptr<Intervention>>& interventions() const { return interventions_; }

  /// Uploads due this step, with the re-uploads interventions request (RequestUploads):
  /// interventions may block some; the rest become live (those an intervention requested as
  /// `reuploaded`, the due ones as `uploaded`).
  void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions);
  /// Once per step before the first batch (ranker and interventions).
  void BeginStep(const RecContext& ctx);
  /// Retrieval, candidate hooks, scoring, score hooks, the cut and slate hooks for one
  /// batch: fills batch.slate and batch.provenance from batch.queries.
  void Recommend(const RecContext& ctx, SlateBatch& batch);
  /// Recommend in two halves: retrieval alone (batch.cand_ids and batch.cand_sim from
  /// batch.queries; stateless, so any process may run it for any user), then everything
  /// after it. Retrieve then RecommendRetrieved is Recommend.
  void Retrieve(const RecContext& ctx, SlateBatch& batch);
  void RecommendRetrieved(const RecContext& ctx, SlateBatch& batch);
  /// RecommendRetrieved in parts, for a sharded rank that holds its step's batches while
  /// interventions allocate across ranks (AllocationStages): the candidate and score
  /// hooks, the ranking and the cut; then the OnSlate hooks of interventions [begin, end)
  /// (end clamped to their number; the ranker observes the slates after the last); FinishSlates of intervention i once
  /// every held batch went through its OnSlate. RankAndCut then SlateStage(0, all) is
  /// RecommendRetrieved.
  void RankAndCut(const RecContext& ctx, SlateBatch& batch);
  void SlateStage(const RecContext& ctx, SlateBatch& batch, size_t begin, size_t end);
  void FinishSlates(const RecContext& ctx, size_t i);
  /// Response hooks (users act on controls interventions offer), after the user model chose.
  void OnResponse(const RecContext& ctx, const SlateBatch& batch, ChoiceBuffer& choices);
  /// Feedback hooks, after users responded.
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices);
  /// End-of-step hooks (moderation); their changes are in force from the next step.
  void EndStep(const RecContext& ctx, ItemActions& actions);
  /// Each intervention's metric columns for this step, in InterventionColumns() order.
  /// `truth` is the catalog with its ground truth, for measurement (Intervention::WriteMetrics).
  void WriteInterventionMetrics(const RecContext& ctx, const Catalog& truth, double* row);
  /// Checkpoints: the retriever's, ranker's and every intervention's state, in that order.
  /// A plug-in without checkpoint support throws CheckpointUnsupported naming its place
  /// ("ranker", "retriever", "intervention 2").
  void SaveState(StateWriter& out) const;
  void LoadState(StateReader& in);

  /// Whether slot j of a slate may teach the ranker (organic, or learn_from_injected).
  bool Teaches(const uint8_t* provenance, int j) const {
    return options_.learn_from_injected || provenance[j] == static_cast<uint8_t>(Provenance::kOrganic);
  }

  /// Learning from one session's feedback (docs/model.md §4, "Learning from clicks"); a session
  /// without clicks leaves the estimate unchanged. clicks are in the order they were made.
  /// click_average:   e <- normalise((1 - lr) e + lr x_c) for each click c in turn;
  /// choice_gradient: e <- normalise(e + lr sum_k (x_{c_k} - sum_{j in S_k} p_kj x_j)), with
  ///   S_k the shown items not clicked before c_k and p_kj = softmax over S_k of T <e, x_j> (e before the update).
  /// Slots that do not teach the ranker (Teaches) are left out of the choice set and
  /// their clicks ignored; provenance may be null (every slot organic).
  void Learn(const PlatformView& catalog, const int64_t* slate, const uint8_t* provenance, int slate_size,
             const int64_t* clicks, int n_clicks, float* estimate) const;

 private:
  std::unique_ptr<Retriever> retriever_;
  std::unique_ptr<Ranker> ranker_;
  std::vector<std::unique_ptr<Intervention>> interventions_;
  /// The checks at the plug-in boundary (docs/python.md, "What plug-ins may write"): a
  /// filled candidate's score is a number (NaN would rank below everything, silently); a
  /// candidate or slate id is -1 or an item. Throw InputError naming the plug-in, the arm,
  /// the step and the first bad position. `plugin`: the intervention's index, or kRanker;
  /// its name is only spelt out for a message.
  static constexpr size_t kRanker = static_cast<size_t>(-1);
  void CheckCandidates(const RecContext& ctx, const SlateBatch& b, size_t plugin) const;
  void CheckScores(const RecContext& ctx, const SlateBatch& b, size_t plugin) const;
  void CheckSlates(const RecContext& ctx, const SlateBatch& b, size_t plugin) const;
  /// "intervention 2 'calibrate' (arm 'a', step 3)" or "ranker 'engagement' (arm ...)".
  std::string PluginWhere(size_t plugin, int64_t step) const;

  RecommenderOptions options_;
  std::string arm_;               ///< for messages (Init)
  std::vector<int64_t> uploads_;  ///< this step's arrivals (reserved in Init)
};

/// A float's bits as an unsigned integer in the float's order, -0 as +0 and NaN below
/// -inf: one unsigned compare orders two scores (CutSlates, diversify_mmr's bounds).
inline uint32_t OrderedBits(float x) {
  if (std::isnan(x)) return 0;
  x += 0.f;  // -0 becomes +0
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

/// Cuts each user's candidates to the top slate_size by cand_score (ties: higher
/// similarity, then lower id), writing batch.slate and batch.slate_score; every
/// slot's provenance is organic.
void CutSlates(SlateBatch& batch);

}  // namespace counterpoint
