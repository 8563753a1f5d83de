#include "experiment/metric_kinds.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "recommender/plugins.h"
#include "simulator/observers/observer.h"
#include "simulator/observers/puppet_slates.h"

namespace counterpoint {

namespace {
template <class Registry>
void AddKinds(const std::vector<ComponentChoice>& choices, const std::vector<std::string>& columns,
              std::map<std::string, MetricKind>& out) {
  for (const ComponentChoice& choice : choices) {
    const auto* entry = Registry::Get().Find(choice.type);
    if (!entry) continue;
    for (const std::string& c : columns)
      if (const MetricSpec* m = FindMetric(entry->spec.metrics, c)) out.emplace(c, m->kind);
  }
}
}  // namespace

std::map<std::string, MetricKind> ColumnKinds(const Scenario& sc, const ArmSpec& arm,
                                              const std::vector<std::string>& columns) {
  std::map<std::string, MetricKind> out;
  AddKinds<ObserverRegistry>(sc.observers, columns, out);
  AddKinds<InterventionRegistry>(arm.interventions, columns, out);
  // the sock puppets' columns (puppets_<group>_...: the runner's puppet_slates observer)
  for (const auto& g : sc.puppets.groups)
    for (MetricSpec m : PuppetSlateMetrics()) {
      m.name.replace(m.name.find("<group>"), 7, g.name);
      for (const std::string& c : columns)
        if (c == m.name) out.emplace(c, m.kind);
    }
  return out;
}

MetricKind KindOf(const RunResult& result, const std::string& column) {
  const auto it = result.metric_kinds.find(column);
  return it == result.metric_kinds.end() ? MetricKind::kLevel : it->second;
}

Estimate MeanCiOfKind(MetricKind kind, std::span<const double> values) {
  return kind == MetricKind::kShare ? ShareMeanCi(values) : MeanCi(values);
}

void CheckShares(const RunResult& result, const ArmRun& run) {
  const size_t cols = result.columns.size();
  for (size_t c = 0; c < cols; ++c) {
    if (KindOf(result, result.columns[c]) != MetricKind::kShare) continue;
    for (int64_t t = 0; t < run.Steps(result.steps); ++t) {
      const double v = run.rows[t * cols + c];
      if ((v >= 0 && v <= 1) || std::isnan(v)) continue;
      const auto source = result.column_source.find(result.columns[c]);
      const std::string who =
          source == result.column_source.end() ? "observer" : "intervention '" + source->second + "'";
      std::ostringstream value;
      value << v;
      throw InputError(who + " (arm '" + run.arm + "', replicate " + std::to_string(run.replicate) + ", step " +
                           std::to_string(t) + ")",
                       "metric '" + result.columns[c] + "' is declared a share but is " + value.str() +
                           ": a share lies in [0, 1]; fix the plug-in, or declare the column a level");
    }
  }
}

}  // namespace counterpoint
