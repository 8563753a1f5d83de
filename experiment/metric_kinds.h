// Each metric column's kind (share, level, signed), from the specs its plug-ins
// registered (core/metric_spec.h), and the interval that kind gets in summaries.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/metric_spec.h"
#include "core/stats.h"
#include "experiment/run_result.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// The kind of each of `columns` that names a metric the scenario's observers or the arm's
/// interventions registered; a column no spec names (a Python plug-in's without
/// `column_kinds`) is left out, and counts as a level.
std::map<std::string, MetricKind> ColumnKinds(const Scenario& sc, const ArmSpec& arm,
                                              const std::vector<std::string>& columns);

/// The kind a result recorded for `column` (MetricKind::kLevel if none).
MetricKind KindOf(const RunResult& result, const std::string& column);

/// Mean over replicates with its 95% interval: ShareMeanCi for a share, MeanCi otherwise.
Estimate MeanCiOfKind(MetricKind kind, std::span<const double> values);

/// Throws InputError naming the column, its plug-in, the arm, replicate and step if a
/// share column of `run` holds a value outside [0, 1] (NaN is allowed: undefined).
void CheckShares(const RunResult& result, const ArmRun& run);

}  // namespace counterpoint
