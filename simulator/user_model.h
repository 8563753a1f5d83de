// User models: how users examine a slate, choose, and how their interest drifts.
#pragma once

#include <memory>
#include <vector>

#include "core/error.h"
#include "core/registry.h"
#include "core/state_io.h"
#include "recommender/batch.h"
#include "simulator/population.h"

namespace counterpoint {

/// What a user model is given each batch: the world as it is (a user responds to what an
/// item is, its label and extremity included), not the platform's view of it.
struct UserContext {
  const Catalog& catalog;
  int64_t step = 0;
  uint64_t seed = 0;
};

class UserModel {
 public:
  virtual ~UserModel() = default;
  /// MPI sharding: true if Respond keeps no state that depends on other ranks' users
  /// (Intervention::Shardable).
  virtual bool Shardable() const { return false; }
  virtual int max_clicks() const = 0;
  /// For each user of the batch (batch.users[u] is the global id): examine the
  /// slate, choose, and update the user's true interest. Called once per batch.
  virtual void Respond(const UserContext& ctx, const SlateBatch& batch, Population& pop, ChoiceBuffer& out) = 0;
  /// The utility of `item` to `user` (a user pop holds), from the user's true interest and
  /// traits: what the oracle ranker ranks by and the homogenization observer averages over
  /// consumed items. Ground truth, for oracles and observers only. The default throws
  /// InputError: a user model without a utility cannot serve them.
  virtual double Utility(const Catalog& catalog, const Population& pop, int64_t user, int64_t item) const {
    throw InputError("user_model",
                     "this user model defines no utility: the oracle ranker and the homogenization "
                     "observer need one (use the logit user model)");
  }
  /// Checkpoints (docs/architecture.md, "Checkpoints"): writes the state that changes
  /// during a run, not what the constructor or Init rebuild; LoadState restores it into a
  /// plug-in built and initialised the same way. The defaults throw CheckpointUnsupported:
  /// a stateless plug-in overrides both with explicit no-ops.
  virtual void SaveState(StateWriter& out) const { throw CheckpointUnsupported("does not support checkpoints"); }
  virtual void LoadState(StateReader& in) { throw CheckpointUnsupported("does not support checkpoints"); }
};

using UserModelRegistry = Registry<std::unique_ptr<UserModel>>;

/// Parameters of the position-based multinomial-logit user (docs/model.md).
struct LogitUserParams {
  double relevance_weight = 5.0;  ///< beta_rel: utility per unit cosine(interest, item)
  double extremity_appeal = 6.0;  ///< beta_ext: utility per unit extremity, times the user's appetite
  double outside_utility = 5.0;   ///< u_0: utility of leaving (the outside option)
  double position_decay = 1.0;    ///< eta: P(examine position p) = (p+1)^-eta, p = 0,1,...
  int max_clicks = 3;             ///< clicks per session at most
  double drift_rate = 0.25;       ///< step toward a consumed item, times susceptibility
  double counter_pull = 0.3;      ///< move away from the extremity direction per counter-narrative, times receptivity
  /// Share of users in whom a counter-narrative provokes reactance: their pull points toward
  /// the extremity direction instead (the backfire the literature warns of; docs/model.md §3)
  double reactance_share = 0.0;
  /// An examined, unclicked item with utility below this is unwanted: dismissed with the
  /// batch's dismiss_probability where the platform offers the control
  double dismiss_utility = 2.0;
  /// Utility a news_reporting item carries on top of its relevance: users read the news, so
  /// news an intervention takes away is a loss they feel (an assumption; docs/model.md §3).
  /// 0 by default (the default scenario isolates the ranking mechanism); the intervention
  /// scenarios set it
  double news_value = 0.0;
};

/// Whether `user` reacts against counter-narratives (a share reactance_share of users, one
/// draw per user keyed by the seed: the same user in every arm and step).
bool Reactant(const LogitUserParams& p, uint64_t seed, int64_t user);

/// Utility of item `item` for a user with interest `interest` and appetite `appetite`.
double LogitUtility(const LogitUserParams& p, const Catalog& catalog, const float* interest, float appetite,
                    int64_t item);
/// The same utility from the inner product sim = <interest, x_item> (DotsInDouble).
double LogitUtilityOf(const LogitUserParams& p, const Catalog& catalog, float appetite, int64_t item, double sim);

std::unique_ptr<UserModel> MakeLogitUserModel(const LogitUserParams& p);
LogitUserParams LogitUserParamsFrom(const Params& p);

}  // namespace counterpoint
