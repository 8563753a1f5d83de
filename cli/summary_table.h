// The printed summary of a run: per arm, the final values of the key metrics with
// their 95% CIs, and each arm's paired difference from the control (text formatting
// of summary.json, shared by the CLI and the Python package).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "experiment/scenario.h"
#include "experiment/summary.h"

namespace counterpoint {

/// A human-readable table of Summarize()'s result; headed PARTIAL for a stopped run.
std::string SummaryTable(const Scenario& sc, const nlohmann::json& summary);

}  // namespace counterpoint
