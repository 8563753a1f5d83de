// The step loop for one arm of one replicate.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/collective.h"
#include "embeddings/catalog_config.h"
#include "recommender/moderation_log.h"
#include "recommender/recommender.h"
#include "simulator/induced_graph.h"
#include "simulator/observers/observer.h"
#include "simulator/population.h"
#include "simulator/user_model.h"

namespace counterpoint {

struct SimOptions {
  int64_t steps = 50;
  int64_t batch_size = 2048;   ///< users per batched search (bounds buffer memory)
  uint64_t seed = 0;           ///< keys every random draw (shared by arms: common random numbers)
  bool record_graph = false;   ///< accumulate the induced watch-next graph (output.graph)
  std::string arm;             ///< the arm's name (for interventions)
  bool record_events = false;  ///< keep every impression (output.events)
  /// The processes running this simulation together (MPI ranks; null: this one alone),
  /// in one of two modes (docs/cluster.md, "MPI"):
  /// - sharded (shard_users): each rank holds its block of users (BlockOfUsers; the
  ///   population passed in is that block) and runs them end to end; shared state is
  ///   combined at the end of each step. Every plug-in must be Shardable. A rank holds
  ///   all of its step's batches when an intervention shares a step's resource out
  ///   across ranks (Intervention::AllocatesAcrossRanks).
  /// - replicated: every rank holds every user; retrieval alone is shared out.
  const Collective* collective = nullptr;
  bool shard_users = false;
};

/// Time spent in each stage, for benchmarks.
struct StageTimes {
  double retrieve_s = 0;  ///< inside VectorIndex::Search (FAISS search)
  double total_s = 0;
};

/// One arm: owns its population copy, item state, recommender, user model and
/// observers, and all per-step buffers (allocated once, in the constructor).
class Simulation {
 public:
  Simulation(IndexedCatalog world, Population population, std::unique_ptr<Recommender> recommender,
             std::unique_ptr<UserModel> user_model, std::vector<std::unique_ptr<Observer>> observers,
             SimOptions options);

  /// Metric names, in row order.
  const std::vector<std::string>& columns() const { return columns_; }
  /// Runs one step and writes columns().size() values to row.
  void Step(int64_t step, double* row);
  /// True if each rank holds its own block of users (SimOptions::shard_users).
  bool sharded() const { return sharded_; }
  /// Runs all steps; rows is steps x columns. on_step is called after each step.
  void Run(std::vector<double>& rows, const std::function<void(int64_t)>& on_step = {});

  const Population& population() const { return pop_; }
  /// The users' state, for a world whose audiences share people (world/shared_people.h):
  /// change it only between steps.
  Population& mutable_population() { return pop_; }
  const ItemState& items() const { return items_; }
  const StageTimes& times() const { return times_; }
  /// Every upload, flag, removal, block and restoration during the run, in order.
  const std::vector<ModerationRecord>& moderation_log() const { return moderation_; }
  /// Every impression, in step and user order; empty unless options.record_events.
  const std::vector<ImpressionRecord>& impression_log() const { return impressions_; }
  /// The recommender pipeline (retriever, ranker, interventions).
  const Recommender& recommender() const { return *rec_; }
  /// The observers, in scenario order (e.g. to read accumulated per-item counts after the run).
  const std::vector<std::unique_ptr<Observer>>& observers() const { return observers_; }
  /// The induced watch-next graph so far; null unless options.record_graph. Sharded, it
  /// holds this rank's users' edges: InducedGraph::Edges(users()) sums every rank's.
  const InducedGraph* induced_graph() const { return graph_.get(); }
  /// The ranks that hold blocks of this simulation's users (a single rank unless sharded).
  const Collective& users() const { return users_comm_; }

  /// Checkpoints (docs/architecture.md): everything that changes between steps (the
  /// population, item states, upload cursor, event logs, induced graph, and the state of
  /// the recommender, user model and observers), written at a step boundary. LoadState
  /// restores it into a simulation built the same way (same scenario, arm and seed);
  /// stage times are not saved. Throws CheckpointUnsupported naming a plug-in without support.
  void SaveState(StateWriter& out) const;
  void LoadState(StateReader& in);

 private:
  void ReleaseUploads(const RecContext& ctx);
  void Learn(const RecContext& ctx, const SlateBatch& b);
  void RecordImpressions(const SlateBatch& b, int64_t step);
  void LoadBatch(SlateBatch& b, size_t start, int64_t n);
  void ShardedRetrieve(const RecContext& ctx, size_t start, int64_t chunk, int64_t cap);
  void RunBatch(const RecContext& ctx, const StepView& view);
  void RespondAndLearn(const RecContext& ctx, const StepView& view, SlateBatch& b);
  void RunHeldBatches(const RecContext& ctx, const StepView& view, int64_t cap);
  void CombineStep(size_t log_start);

  /// What an oracle ranker reads (recommender/oracle_truth.h): the user model's utility for
  /// this simulation's users. Built only for a ranker that reads truth; on the heap, so the
  /// ranker's reference survives a move of the simulation (pop is re-pointed every step).
  struct UsersTruth : OracleTruth {
    const UserModel* model = nullptr;
    const Catalog* catalog = nullptr;
    const Population* pop = nullptr;
    double Utility(int64_t user, int64_t item) const override { return model->Utility(*catalog, *pop, user, item); }
  };

  IndexedCatalog world_;
  PlatformView platform_;   ///< what the platform's plug-ins see of world_.catalog
  TruthChannels channels_;  ///< ground truth reaching interventions through named channels
  Population pop_;
  std::unique_ptr<Recommender> rec_;
  std::unique_ptr<UserModel> user_model_;
  std::vector<std::unique_ptr<Observer>> observers_;
  std::unique_ptr<InducedGraph> graph_;
  SimOptions options_;
  std::vector<std::string> columns_;
  std::vector<size_t> column_offset_;  ///< per observer; the interventions' columns follow at intervention_offset_
  size_t intervention_offset_ = 0;

  ItemState items_;
  std::vector<int64_t> upload_order_;  ///< items not available at step 0, by upload step
  size_t next_upload_ = 0;
  std::vector<int64_t> arriving_;  ///< uploads due this step
  std::vector<ModerationRecord> moderation_;
  std::vector<ImpressionRecord> impressions_;
  std::vector<int32_t> active_;  ///< active users this step
  SlateBatch batch_;
  ChoiceBuffer choices_;
  std::vector<int64_t> click_delta_, impression_delta_;
  const Collective& comm_;
  bool sharded_ = false;
  std::vector<size_t> allocation_stages_;  ///< sharded: interventions that allocate across ranks
  std::vector<SlateBatch> held_;           ///< with allocation stages: the step's batches
  const Collective& users_comm_;           ///< comm_ when sharded, else a single rank
  std::vector<int64_t> gathered_ids_;      ///< with several ranks: a chunk's candidates, every rank's block
  std::vector<float> gathered_sim_;
  StageTimes times_;
  std::unique_ptr<UsersTruth> truth_;  ///< null unless the ranker is an oracle baseline
};

}  // namespace counterpoint
