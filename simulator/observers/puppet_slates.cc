// Observer puppet_slates: slate composition and consumption of each group of sock puppets.
// Formulas: docs/sock_puppets.md.
#include "simulator/observers/puppet_slates.h"

#include <array>
#include <cmath>

namespace counterpoint {

std::vector<MetricSpec> PuppetSlateMetrics() {
  std::vector<MetricSpec> m = {ShareMetric("puppets_<group>_harmful_share", "share of slate slots",
                                           "share of the group's filled slate slots holding borderline or extremist "
                                           "items")};
  for (const auto& l : LabelNames())
    m.push_back(ShareMetric("puppets_<group>_" + l + "_share", "share of slate slots",
                            "share of the group's filled slate slots holding " + l + " items"));
  m.push_back(LevelMetric("puppets_<group>_consumed", "items per puppet",
                          "items the group's puppets consumed this step, per puppet with a session"));
  return m;
}

namespace {

class PuppetSlatesObserver : public Observer {
 public:
  explicit PuppetSlatesObserver(const SockPuppets& puppets) : puppets_(puppets), counts_(puppets.groups.size()) {}
  std::vector<std::string> Columns() const override {
    std::vector<std::string> c;
    for (const auto& g : puppets_.groups)
      for (const auto& m : PuppetSlateMetrics()) c.push_back(Replace(m.name, g.name));
    return c;
  }
  void SaveState(StateWriter&) const override {}  // per-step counts only
  void LoadState(StateReader&) override {}
  void BeginStep(const StepView&) override {
    for (auto& c : counts_) c = {};
  }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer& ch) override {
    for (int64_t u = 0; u < b.n; ++u) {
      const int g = puppets_.GroupOf(b.users[u]);
      if (g < 0) continue;
      Counts& c = counts_[g];
      const int64_t* slate = b.Slate(u);
      for (int j = 0; j < b.slate_size; ++j)
        if (slate[j] >= 0) ++c.slots[static_cast<int>(v.catalog.label(slate[j]))];
      c.consumed += ch.n_clicks[u];
      ++c.sessions;
    }
  }
  void EndStep(const StepView&, double* row) override {
    size_t k = 0;
    for (const Counts& c : counts_) {
      int64_t total = 0;
      for (int64_t s : c.slots) total += s;
      auto share = [&](int64_t part) { return total > 0 ? static_cast<double>(part) / total : std::nan(""); };
      row[k++] = share(c.slots[static_cast<int>(Label::kBorderline)] + c.slots[static_cast<int>(Label::kExtremist)]);
      for (int l = 0; l < kNumLabels; ++l) row[k++] = share(c.slots[l]);
      row[k++] = c.sessions > 0 ? static_cast<double>(c.consumed) / c.sessions : std::nan("");
    }
  }

 private:
  struct Counts {
    std::array<int64_t, kNumLabels> slots{};
    int64_t consumed = 0, sessions = 0;
  };
  static std::string Replace(std::string name, const std::string& group) {
    const std::string key = "<group>";
    return name.replace(name.find(key), key.size(), group);
  }
  SockPuppets puppets_;
  std::vector<Counts> counts_;
};

}  // namespace

std::unique_ptr<Observer> MakePuppetSlatesObserver(const SockPuppets& puppets) {
  return std::make_unique<PuppetSlatesObserver>(puppets);
}

}  // namespace counterpoint
