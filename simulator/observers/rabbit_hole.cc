// Observer rabbit_hole: the share of users whose recent consumption is mostly harmful.
// Formulas and sources: docs/metrics.md.
#include <cmath>

#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// are at least `threshold` harmful, among users with at least `min_consumed` such consumptions.
class RabbitHoleObserver : public Observer {
 public:
  explicit RabbitHoleObserver(const Params& p)
      : window_(static_cast<int>(p.Int("window"))),
        threshold_(p.Double("threshold")),
        min_consumed_(static_cast<int>(p.Int("min_consumed"))),
        max_age_(p.Int("max_age")) {
    if (min_consumed_ > window_)
      throw InputError("observers.rabbit_hole", "min_consumed (" + std::to_string(min_consumed_) +
                                                    ") exceeds window (" + std::to_string(window_) +
                                                    "): no user could be counted; lower min_consumed or raise window");
  }
  std::vector<std::string> Columns() const override { return {"rabbit_hole_share"}; }
  bool Shardable() const override { return true; }
  int HistoryRead() const override { return window_; }
  // reads the population only: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void EndStep(const StepView& v, double* row) override {
    const Population& pop = v.population;
    const int w = std::min(window_, pop.history_length);
    int64_t in_hole = 0;
    for (int64_t r = 0; r < pop.rows; ++r) {  // the rows of the users held
      // the last min(w, count) consumptions, walking back from the ring head, that are recent enough
      const int have = std::min(w, pop.history_count[r]);
      int counted = 0, harmful = 0;
      for (int t = 1; t <= have; ++t) {
        const int64_t slot =
            r * pop.history_length + (pop.history_head[r] - t + pop.history_length) % pop.history_length;
        if (max_age_ > 0 && v.step - pop.history_step[slot] >= max_age_) break;
        ++counted;
        harmful += IsHarmful(v.catalog.label(pop.history[slot]));
      }
      if (counted < min_consumed_) continue;
      in_hole += static_cast<double>(harmful) / counted >= threshold_;
    }
    v.users.AllReduceSum(&in_hole, 1);
    row[0] = static_cast<double>(in_hole) / pop.n;
  }

 private:
  int window_;
  double threshold_;
  int min_consumed_;
  int64_t max_age_;
};

const bool kRabbitHole = ObserverRegistry::Get().Add(
    "rabbit_hole",
    {"Share of users whose recent consumption is mostly harmful.",
     {IntParam("window", 10, "last W consumptions examined", 1, 1000),
      DoubleParam("threshold", 0.5, "harmful share at or above which a user is in a rabbit hole", 0, 1),
      IntParam("min_consumed", 3, "users with fewer consumptions in the window are not counted as in a hole", 1, 1000),
      IntParam("max_age", 0, "count only consumptions of the last max_age steps (0: no bound)", 0, 1e9)},
     {ShareMetric("rabbit_hole_share", "share of users",
                  "users whose last `window` consumptions (at least `min_consumed`) are at least `threshold` "
                  "harmful")}},
    [](const Params& p) { return std::make_unique<RabbitHoleObserver>(p); });

}  // namespace
}  // namespace counterpoint
