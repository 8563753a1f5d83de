// MPI for the command line: `mpirun -np N counterpoint run ...` (docs/cluster.md, "MPI").
#pragma once

#include <string>

#include "core/collective.h"

namespace counterpoint::cli {

/// Starts MPI when this process was launched by mpirun (Open MPI's or a PMI/PMIx launcher's
/// environment) and the build has MPI (CMake option COUNTERPOINT_MPI); otherwise nothing.
/// Throws InputError when launched as one of several ranks by a build without MPI (each
/// process would run the whole scenario and overwrite the others' outputs).
void StartMpi(int* argc, char*** argv);
/// Ends MPI if StartMpi started it (every rank, before main returns).
void FinishMpi();
/// The ranks of this run; null when MPI is not in use (one process).
const Collective* MpiWorld();
/// This process's rank (0 without MPI) and the number of ranks (1 without MPI).
int MpiRank();
int MpiSize();
/// "[rank r/N] " to put before a message when several ranks may print it; else "".
std::string RankPrefix();

}  // namespace counterpoint::cli
