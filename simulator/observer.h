// Observers: metrics computed from a const view of each step, one row per step.
#pragma once

#include <memory>
#include <string>
#include <vector>

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
  int64_t active_users = 0;  ///< users with a session this step
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// Metric names, one column each (stable across steps).
  virtual std::vector<std::string> Columns() const = 0;
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
