// Summaries of a run: each metric's final value per arm with its CI, paired
// comparisons against the control, and the per-step means (metrics_summary.csv).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "experiment/run_result.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// Final-step value of each metric per arm (mean, CI), and the paired difference of
/// each arm against the first (common random numbers make these differences sharp).
nlohmann::json Summarize(const Scenario& sc, const RunResult& result);

/// metrics_summary.csv text: step, arm, metric, mean, ci95_low, ci95_high, n; one row per
/// step x arm x metric, the mean over replicates with its Student-t 95% CI (MeanCi).
std::string MetricsSummaryCsv(const Scenario& sc, const RunResult& result);

}  // namespace counterpoint
