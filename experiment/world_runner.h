// Runs a scenario with a world of platforms (docs/crisis.md): replicates x arms, each arm
// a World stepped in lockstep from the replicate's seed, so arms see the same uploads
// arrive (common random numbers); every rank of an MPI run computes the same result.
#pragma once

#include "experiment/run_result.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// Whether sc has a world of platforms (its arms' `world`).
bool HasWorld(const Scenario& sc);

/// RunScenario for a scenario with a world. Checkpoints are not kept (control's
/// checkpoint_every and resume_path must be unset; the CLI refuses them).
RunResult RunWorldScenario(const Scenario& sc, const ProgressFn& progress, const RunControl& control);

}  // namespace counterpoint
