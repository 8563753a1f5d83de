// Observer label_reach: per label, the share of users shown an item of that label so far.
// Formula and source: docs/metrics.md, "label_reach" (Huszar et al., PNAS 2022).
#include "simulator/observers/label_reach.h"

#include <array>
#include <cmath>

#include "simulator/observers/observer.h"

namespace counterpoint {

std::string LabelReachColumn(Label label) { return std::string("reach_") + LabelName(label); }

std::vector<std::string> LabelReachColumns() {
  std::vector<std::string> out;
  for (int l = 0; l < kNumLabels; ++l) out.push_back(LabelReachColumn(static_cast<Label>(l)));
  return out;
}

double AmplificationRatio(double reached_treatment, double users_treatment, double reached_control,
                          double users_control) {
  const double control = reached_control / users_control;
  if (!(control > 0) || !(users_treatment > 0)) return std::nan("");
  return (reached_treatment / users_treatment) / control;
}

namespace {

/// One bit per label and user: shown an item of that label at some step so far.
class LabelReachObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return LabelReachColumns(); }
  // this rank's users' new reach is summed over the ranks at EndStep
  bool Shardable() const override { return true; }
  void BeginStep(const StepView& v) override {
    newly_.fill(0);
    if (static_cast<int64_t>(reached_.size()) != v.population.rows) reached_.assign(v.population.rows, 0);
  }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
#pragma omp parallel if (b.n > 1024)
    {
      std::array<int64_t, kNumLabels> newly{};
#pragma omp for schedule(static) nowait
      for (int64_t u = 0; u < b.n; ++u) {
        // a batch holds each user once, so each row has one writer
        uint8_t& bits = reached_[v.population.Row(b.users[u])];
        const int64_t* slate = b.Slate(u);
        for (int j = 0; j < b.slate_size; ++j) {
          if (slate[j] < 0) continue;
          const uint8_t bit = static_cast<uint8_t>(1u << static_cast<int>(v.catalog.label(slate[j])));
          if (!(bits & bit)) bits |= bit, ++newly[static_cast<int>(v.catalog.label(slate[j]))];
        }
      }
#pragma omp critical(label_reach_observer)
      for (int l = 0; l < kNumLabels; ++l) newly_[l] += newly[l];
    }
  }
  void EndStep(const StepView& v, double* row) override {
    SumOverRanks(v.users, {newly_});
    for (int l = 0; l < kNumLabels; ++l) {
      reached_total_[l] += newly_[l];
      row[l] = static_cast<double>(reached_total_[l]) / static_cast<double>(v.population.n);
    }
  }
  void SaveState(StateWriter& out) const override { out.PutVector(reached_), out.Put(reached_total_); }
  void LoadState(StateReader& in) override {
    in.GetVector(reached_);
    reached_total_ = in.Get<decltype(reached_total_)>();
  }

 private:
  std::vector<uint8_t> reached_;                     ///< per user held: bit l set once shown label l
  std::array<int64_t, kNumLabels> newly_{};          ///< this step, this rank's users (every rank's after EndStep)
  std::array<int64_t, kNumLabels> reached_total_{};  ///< every rank's users
};

static_assert(kNumLabels <= 8, "one bit per label in a byte");

std::vector<MetricSpec> LabelReachSpecs() {
  std::vector<MetricSpec> out;
  for (int l = 0; l < kNumLabels; ++l)
    out.push_back(ShareMetric(LabelReachColumn(static_cast<Label>(l)), "share of users",
                              std::string("users shown a ") + LabelName(static_cast<Label>(l)) +
                                  " item at some step so far (the group's reach, Huszar et al. 2022)"));
  return out;
}

const bool kLabelReach = ObserverRegistry::Get().Add(
    "label_reach",
    {"Per label, the share of users shown an item of that label so far (amplification's reach).",
     {},
     LabelReachSpecs()},
    [](const Params&) { return std::make_unique<LabelReachObserver>(); });

}  // namespace
}  // namespace counterpoint
