// Built-in observers. Formulas and sources: docs/metrics.md.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "simulator/observer.h"

namespace counterpoint {

std::vector<std::string> DefaultObservers() {
  return {"exposure", "rabbit_hole", "extremity", "engagement", "diversity"};
}

double Gini(const std::vector<int64_t>& counts, std::vector<int64_t>& scratch) {
  // G = sum_i (2i - n - 1) x_(i) / (n sum x), x sorted ascending, i = 1..n
  scratch.assign(counts.begin(), counts.end());
  std::sort(scratch.begin(), scratch.end());
  const double n = static_cast<double>(scratch.size());
  double total = 0, weighted = 0;
  for (size_t i = 0; i < scratch.size(); ++i) {
    total += static_cast<double>(scratch[i]);
    weighted += (2.0 * (i + 1) - n - 1.0) * static_cast<double>(scratch[i]);
  }
  return total > 0 ? weighted / (n * total) : std::nan("");  // undefined without any count
}

double EntropyBits(const std::vector<int64_t>& h) {
  const double total = static_cast<double>(std::accumulate(h.begin(), h.end(), int64_t{0}));
  double e = 0;
  for (int64_t c : h)
    if (c > 0) e -= (c / total) * std::log2(c / total);
  return total > 0 ? e : std::nan("");
}

double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return NAN;
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + lo + 1, v.end());
  return a + (pos - lo) * (b - a);
}

namespace {

/// Impression and click shares by label (harmful = borderline + extremist).
class ExposureObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override {
    return {"harmful_exposure_share", "extremist_exposure_share", "counter_narrative_exposure_share",
            "news_exposure_share",    "harmful_click_share",      "harmful_reach"};
  }
  // counts per step and this rank's users' reach: sums over the ranks at EndStep
  bool Shardable() const override { return true; }
  void BeginStep(const StepView& v) override {
    impr_.fill(0), clicks_.fill(0), newly_reached_ = 0;
    if (static_cast<int64_t>(reached_.size()) != v.population.rows)
      reached_.assign(v.population.rows, 0), n_reached_ = 0;
  }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer& ch) override {
    // integer counts per thread, added up after: the same sums in any order
#pragma omp parallel if (b.n > 1024)
    {
      std::array<int64_t, kNumLabels> impr{}, clicks{};
      int64_t newly_reached = 0;
#pragma omp for schedule(static) nowait
      for (int64_t u = 0; u < b.n; ++u) {
        const int64_t* slate = b.Slate(u);
        for (int j = 0; j < b.slate_size; ++j) {
          if (slate[j] < 0) continue;
          const Label l = v.catalog.label(slate[j]);
          ++impr[static_cast<int>(l)];
          // users ever shown harmful content (amplification's reach, Huszar et al. 2022);
          // a batch holds each user once, so each row has one writer
          uint8_t& reached = reached_[v.population.Row(b.users[u])];
          if (IsHarmful(l) && !reached) reached = 1, ++newly_reached;
        }
        for (int c = 0; c < ch.n_clicks[u]; ++c) ++clicks[static_cast<int>(v.catalog.label(ch.Clicks(u)[c]))];
      }
#pragma omp critical(exposure_observer)
      {
        for (int l = 0; l < kNumLabels; ++l) impr_[l] += impr[l], clicks_[l] += clicks[l];
        newly_reached_ += newly_reached;
      }
    }
  }
  void EndStep(const StepView& v, double* row) override {
    SumOverRanks(v.users, {impr_, clicks_, {&newly_reached_, 1}});
    n_reached_ += newly_reached_;
    auto share = [](const std::array<int64_t, kNumLabels>& h, std::initializer_list<Label> labels) {
      const int64_t total = std::accumulate(h.begin(), h.end(), int64_t{0});
      int64_t part = 0;
      for (Label l : labels) part += h[static_cast<int>(l)];
      return total > 0 ? static_cast<double>(part) / total : std::nan("");  // no impressions: undefined
    };
    row[0] = share(impr_, {Label::kBorderline, Label::kExtremist});
    row[1] = share(impr_, {Label::kExtremist});
    row[2] = share(impr_, {Label::kCounterNarrative});
    row[3] = share(impr_, {Label::kNewsReporting});
    row[4] = share(clicks_, {Label::kBorderline, Label::kExtremist});
    row[5] = static_cast<double>(n_reached_) / static_cast<double>(v.population.n);
  }
  void SaveState(StateWriter& out) const override {
    out.Put(impr_), out.Put(clicks_), out.PutVector(reached_), out.Put(n_reached_);
  }
  void LoadState(StateReader& in) override {
    impr_ = in.Get<decltype(impr_)>(), clicks_ = in.Get<decltype(clicks_)>();
    in.GetVector(reached_);
    n_reached_ = in.Get<int64_t>();
  }

 private:
  std::array<int64_t, kNumLabels> impr_{}, clicks_{};
  std::vector<uint8_t> reached_;  ///< per user held: shown a harmful item at some step so far
  int64_t n_reached_ = 0;         ///< every rank's users
  int64_t newly_reached_ = 0;     ///< this step, this rank's users
};

/// Share of all users whose last `window` consumptions (within the last `max_age` steps, if set)
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

/// Users' true extremity: projection of interest on the extremity direction.
class ExtremityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override {
    return {"extremity_mean", "extremity_p10", "extremity_p50", "extremity_p90"};
  }
  // every user's value, gathered in user order: the sum is one process's, bit for bit
  bool Shardable() const override { return true; }
  // reads the population only (values_ is scratch): nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void EndStep(const StepView& v, double* row) override {
    const Population& pop = v.population;
    values_.resize(pop.rows);
    for (int64_t r = 0; r < pop.rows; ++r) values_[r] = v.catalog.Project(pop.Interest(pop.first + r));
    if (v.users.size() > 1) values_ = GatherInRankOrder(v.users, values_);
    double sum = 0;
    for (double x : values_) sum += x;
    row[0] = sum / pop.n;
    row[1] = Quantile(values_, 0.1);
    row[2] = Quantile(values_, 0.5);
    row[3] = Quantile(values_, 0.9);
  }

 private:
  std::vector<double> values_;
};

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

/// Topic entropy of this step's impressions and Gini of cumulative item impressions.
class DiversityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return {"topic_entropy_bits", "impression_gini"}; }
  bool Shardable() const override { return true; }
  // per-step histogram and scratch only (BeginStep resets topics_): nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void BeginStep(const StepView& v) override { topics_.assign(v.catalog.n_topics(), 0); }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
    // a histogram per thread, added up after: the same counts in any order
#pragma omp parallel if (b.n > 1024)
    {
      std::vector<int64_t> topics(topics_.size(), 0);
#pragma omp for schedule(static) nowait
      for (int64_t u = 0; u < b.n; ++u)
        for (int j = 0; j < b.slate_size; ++j)
          if (b.Slate(u)[j] >= 0) ++topics[v.catalog.topic(b.Slate(u)[j])];
#pragma omp critical(diversity_observer)
      for (size_t t = 0; t < topics.size(); ++t) topics_[t] += topics[t];
    }
  }
  void EndStep(const StepView& v, double* row) override {
    v.users.AllReduceSum(topics_.data(), static_cast<int64_t>(topics_.size()));
    row[0] = EntropyBits(topics_);
    // over the items released so far (uploaded at or before this step)
    released_.clear();
    for (int64_t i = 0; i < v.catalog.size(); ++i)
      if (v.catalog.upload_step(i) <= v.step) released_.push_back(v.items.impressions[i]);
    row[1] = Gini(released_, scratch_);
  }

 private:
  std::vector<int64_t> topics_, released_, scratch_;
};

const bool kExposure = ObserverRegistry::Get().Add("exposure", {"Impression shares by label; harmful click share.", {}},
                                                   [](const Params&) { return std::make_unique<ExposureObserver>(); });
const bool kRabbitHole = ObserverRegistry::Get().Add(
    "rabbit_hole",
    {"Share of users whose recent consumption is mostly harmful.",
     {IntParam("window", 10, "last W consumptions examined", 1, 1000),
      DoubleParam("threshold", 0.5, "harmful share at or above which a user is in a rabbit hole", 0, 1),
      IntParam("min_consumed", 3, "users with fewer consumptions in the window are not counted as in a hole", 1, 1000),
      IntParam("max_age", 0, "count only consumptions of the last max_age steps (0: no bound)", 0, 1e9)}},
    [](const Params& p) { return std::make_unique<RabbitHoleObserver>(p); });
const bool kExtremity =
    ObserverRegistry::Get().Add("extremity", {"Mean and quantiles of users' true extremity.", {}},
                                [](const Params&) { return std::make_unique<ExtremityObserver>(); });
const bool kEngagement =
    ObserverRegistry::Get().Add("engagement", {"Clicks per session and share of active users.", {}},
                                [](const Params&) { return std::make_unique<EngagementObserver>(); });
const bool kDiversity =
    ObserverRegistry::Get().Add("diversity", {"Topic entropy of impressions and Gini of item impressions.", {}},
                                [](const Params&) { return std::make_unique<DiversityObserver>(); });

}  // namespace
}  // namespace counterpoint
