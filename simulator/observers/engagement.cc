// Observer engagement: clicks per session, active share, cumulative clicks.
// Formulas and sources: docs/metrics.md.
#include <cmath>

#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// Clicks per session and the share of users with a session.
class EngagementObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override {
    return {"clicks_per_session", "active_share", "clicks_per_user_cumulative"};
  }
  bool Shardable() const override { return true; }
  void BeginStep(const StepView&) override { clicks_ = 0; }
  void ObserveBatch(const StepView&, const SlateBatch& b, const ChoiceBuffer& ch) override {
    for (int64_t u = 0; u < b.n; ++u) clicks_ += ch.n_clicks[u];
  }
  void EndStep(const StepView& v, double* row) override {
    v.users.AllReduceSum(&clicks_, 1);
    row[0] = v.active_users > 0 ? static_cast<double>(clicks_) / v.active_users : std::nan("");
    row[1] = static_cast<double>(v.active_users) / v.population.n;
    total_clicks_ += clicks_;
    row[2] = static_cast<double>(total_clicks_) / v.population.n;
  }
  void SaveState(StateWriter& out) const override { out.Put(clicks_), out.Put(total_clicks_); }
  void LoadState(StateReader& in) override { clicks_ = in.Get<int64_t>(), total_clicks_ = in.Get<int64_t>(); }

 private:
  int64_t clicks_ = 0, total_clicks_ = 0;
};

const bool kEngagement = ObserverRegistry::Get().Add(
    "engagement",
    {"Clicks per session and share of active users.",
     {},
     {LevelMetric("clicks_per_session", "clicks per session", "clicks of the step over the users with a session"),
      ShareMetric("active_share", "share of users", "users with a session this step"),
      LevelMetric("clicks_per_user_cumulative", "clicks per user", "clicks since the start over all users")}},
    [](const Params&) { return std::make_unique<EngagementObserver>(); });

}  // namespace
}  // namespace counterpoint
