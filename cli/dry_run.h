// `counterpoint run --dry-run`: the scenario checked, its memory estimated and its cost per
// step predicted from a short calibration on this machine; nothing run at full size or
// written (docs/scenarios.md, "Cost").
#pragma once

#include <string>
#include <vector>

#include "experiment/scenario.h"

namespace counterpoint::cli {

/// Prints the dry run's lines to stdout, the last of them
/// "predicted: <seconds> s/step, <GiB> GiB peak"; returns the exit code (0).
int DryRun(const Scenario& sc, const std::string& path, const std::vector<std::string>& sets,
           const std::vector<std::string>& arms, int threads, int shards);

}  // namespace counterpoint::cli
