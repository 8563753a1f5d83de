// Observers: metrics computed from a const view of each step, one row per step.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/collective.h"
#include "core/registry.h"
#include "core/state_io.h"
#include "recommender/batch.h"
#include "simulator/population.h"
#include "simulator/user_model.h"

namespace counterpoint {

/// What observers may read at a step (never write).
struct StepView {
  const Catalog& catalog;
  const Population& population;
  const ItemState& items;
  int64_t step = 0;
  int64_t active_users = 0;  ///< users with a session this step (every rank's)
  /// The ranks sharing the users out (a single rank unless the run is sharded): the
  /// population and the batches hold this rank's users only (Observer::Shardable).
  const Collective& users = Serial();
  /// The arm's user model, for observers that measure the users' true utility
  /// (UserModel::Utility); null where an observer is driven by hand.
  const UserModel* user_model = nullptr;
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// Metric names, one column each (stable across steps).
  virtual std::vector<std::string> Columns() const = 0;
  /// MPI sharding (docs/cluster.md, "MPI"): true if this plug-in runs correctly when each
  /// rank holds only its own block of users and combines, through view.users at a step-end hook, whatever depends on
  /// the others. A run whose plug-ins are not all shardable keeps every user on every rank instead.
  virtual bool Shardable() const { return false; }
  /// How many of each user's latest consumptions this observer reads from the population's
  /// history ring (0: none). With population.history_length 0 (the default) the ring keeps
  /// the longest any observer reads, and nothing when none reads it.
  virtual int HistoryRead() const { return 0; }
  virtual void BeginStep(const StepView& view) {}
  /// Called for each batch after users responded; accumulate only.
  virtual void ObserveBatch(const StepView& view, const SlateBatch& batch, const ChoiceBuffer& choices) {}
  /// Writes Columns().size() values into the preallocated row.
  virtual void EndStep(const StepView& view, double* row) = 0;
  /// Checkpoints (docs/architecture.md, "Checkpoints"): writes the state that changes
  /// during a run, not what the constructor or Init rebuild; LoadState restores it into a
  /// plug-in built and initialised the same way. The defaults throw CheckpointUnsupported:
  /// a stateless plug-in overrides both with explicit no-ops.
  virtual void SaveState(StateWriter& out) const { throw CheckpointUnsupported("does not support checkpoints"); }
  virtual void LoadState(StateReader& in) { throw CheckpointUnsupported("does not support checkpoints"); }
};

using ObserverRegistry = Registry<std::unique_ptr<Observer>>;

/// The observers a scenario gets when it names none.
std::vector<std::string> DefaultObservers();

/// Gini coefficient of non-negative counts (0 = equal, ->1 = concentrated);
/// sorts `scratch` (resized to counts.size() once). Formula in docs/metrics.md.
double Gini(const std::vector<int64_t>& counts, std::vector<int64_t>& scratch);

/// Shannon entropy in bits of a histogram.
double EntropyBits(const std::vector<int64_t>& histogram);

/// Value at quantile q (0..1) of `values` by linear interpolation (type 7); reorders values.
double Quantile(std::vector<double>& values, double q);

}  // namespace counterpoint
