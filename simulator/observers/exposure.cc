// Observer exposure: impression and click shares by label, harmful reach.
// Formulas and sources: docs/metrics.md.
#include <array>
#include <cmath>
#include <numeric>

#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// Impression and click shares by label (harmful = borderline + extremist).
class ExposureObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override {
    return {"harmful_exposure_share",
            "extremist_exposure_share",
            "counter_narrative_exposure_share",
            "news_exposure_share",
            "harmful_click_share",
            "harmful_reach",
            "harmful_exposure_share_organic",
            "news_clicks_per_user_cumulative",
            "harmful_impressions_per_user_cumulative"};
  }
  // counts per step and this rank's users' reach: sums over the ranks at EndStep
  bool Shardable() const override { return true; }
  void BeginStep(const StepView& v) override {
    impr_.fill(0), organic_.fill(0), clicks_.fill(0), newly_reached_ = 0;
    if (static_cast<int64_t>(reached_.size()) != v.population.rows)
      reached_.assign(v.population.rows, 0), n_reached_ = 0;
  }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer& ch) override {
    // integer counts per thread, added up after: the same sums in any order
#pragma omp parallel if (b.n > 1024)
    {
      std::array<int64_t, kNumLabels> impr{}, organic{}, clicks{};
      int64_t newly_reached = 0;
#pragma omp for schedule(static) nowait
      for (int64_t u = 0; u < b.n; ++u) {
        const int64_t* slate = b.Slate(u);
        for (int j = 0; j < b.slate_size; ++j) {
          if (slate[j] < 0) continue;
          const Label l = v.catalog.label(slate[j]);
          ++impr[static_cast<int>(l)];
          organic[static_cast<int>(l)] += !b.Injected(u, j);
          // users ever shown harmful content (amplification's reach, Huszar et al. 2022);
          // a batch holds each user once, so each row has one writer
          uint8_t& reached = reached_[v.population.Row(b.users[u])];
          if (IsHarmful(l) && !reached) reached = 1, ++newly_reached;
        }
        for (int c = 0; c < ch.n_clicks[u]; ++c) ++clicks[static_cast<int>(v.catalog.label(ch.Clicks(u)[c]))];
      }
#pragma omp critical(exposure_observer)
      {
        for (int l = 0; l < kNumLabels; ++l) impr_[l] += impr[l], organic_[l] += organic[l], clicks_[l] += clicks[l];
        newly_reached_ += newly_reached;
      }
    }
  }
  void EndStep(const StepView& v, double* row) override {
    SumOverRanks(v.users, {impr_, organic_, clicks_, {&newly_reached_, 1}});
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
    // the ranker's own slots: injected slots (counter-narratives) left out of the denominator
    row[6] = share(organic_, {Label::kBorderline, Label::kExtremist});
    // news read since the start, per user (what an intervention's collateral costs readers)
    news_clicks_total_ += clicks_[static_cast<int>(Label::kNewsReporting)];
    row[7] = static_cast<double>(news_clicks_total_) / static_cast<double>(v.population.n);
    // harmful content seen since the start, per user: what removal within the hour saves
    harmful_impressions_total_ +=
        impr_[static_cast<int>(Label::kBorderline)] + impr_[static_cast<int>(Label::kExtremist)];
    row[8] = static_cast<double>(harmful_impressions_total_) / static_cast<double>(v.population.n);
  }
  void SaveState(StateWriter& out) const override {
    out.Put(impr_), out.Put(organic_), out.Put(clicks_), out.PutVector(reached_), out.Put(n_reached_);
    out.Put(news_clicks_total_), out.Put(harmful_impressions_total_);
  }
  void LoadState(StateReader& in) override {
    impr_ = in.Get<decltype(impr_)>(), organic_ = in.Get<decltype(organic_)>(), clicks_ = in.Get<decltype(clicks_)>();
    in.GetVector(reached_);
    n_reached_ = in.Get<int64_t>();
    news_clicks_total_ = in.Get<int64_t>();
    harmful_impressions_total_ = in.Get<int64_t>();
  }

 private:
  std::array<int64_t, kNumLabels> impr_{}, organic_{}, clicks_{};  ///< organic_: impressions in organic slots
  std::vector<uint8_t> reached_;           ///< per user held: shown a harmful item at some step so far
  int64_t n_reached_ = 0;                  ///< every rank's users
  int64_t newly_reached_ = 0;              ///< this step, this rank's users
  int64_t news_clicks_total_ = 0;          ///< clicks on news reporting since the start, every rank's users
  int64_t harmful_impressions_total_ = 0;  ///< borderline and extremist impressions since the start, every rank's
};

/// Share of all users whose last `window` consumptions (within the last `max_age` steps, if set)

const bool kExposure = ObserverRegistry::Get().Add(
    "exposure",
    {"Impression shares by label; harmful click share.",
     {},
     {ShareMetric("harmful_exposure_share", "share of impressions", "impressions of borderline or extremist items"),
      ShareMetric("extremist_exposure_share", "share of impressions", "impressions of extremist items"),
      ShareMetric("counter_narrative_exposure_share", "share of impressions", "impressions of counter-narratives"),
      ShareMetric("news_exposure_share", "share of impressions", "impressions of news reporting"),
      ShareMetric("harmful_click_share", "share of clicks", "clicks on borderline or extremist items"),
      ShareMetric("harmful_reach", "share of users", "users shown a harmful item at some step so far"),
      ShareMetric("harmful_exposure_share_organic", "share of organic impressions",
                  "harmful impressions among the ranker's own slots (injected slots left out)"),
      LevelMetric("news_clicks_per_user_cumulative", "clicks per user",
                  "clicks on news reporting since the start over all users"),
      LevelMetric("harmful_impressions_per_user_cumulative", "impressions per user",
                  "harmful impressions since the start over all users")}},
    [](const Params&) { return std::make_unique<ExposureObserver>(); });

}  // namespace
}  // namespace counterpoint
