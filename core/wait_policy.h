// How OpenMP's idle threads wait, chosen before the OpenMP runtime starts
// (docs/cluster.md, "Shared machines").
#pragma once

#include <string>

namespace counterpoint {

/// The wait policy counterpoint gives libgomp when the environment sets none: a waiting
/// thread sleeps at once, so a thread waiting at a join leaves its core to the thread it
/// waits for on a machine shared with other jobs (bench/RESULTS.md, "Oversubscribed
/// machines": never slower with a second thread, and as fast as spinning on an idle machine).
inline constexpr const char* kDefaultWaitPolicy = "passive";

/// What `EnsureWaitPolicy` decides for an environment: nothing to do (the user set
/// OMP_WAIT_POLICY or GOMP_SPINCOUNT, or this process was started by it already), or set
/// OMP_WAIT_POLICY and start the program again.
enum class WaitPolicyAction { kKeep, kSetAndRestart };
WaitPolicyAction DecideWaitPolicy(const char* omp_wait_policy, const char* gomp_spincount);

/// libgomp reads its wait policy once, when it is loaded, before main: so when the
/// environment sets none, this sets OMP_WAIT_POLICY=kDefaultWaitPolicy and replaces the
/// process with the same program and arguments (/proc/self/exe), which then returns here at
/// once. Returns normally when nothing needs doing or the exec fails (the run goes on with
/// libgomp's default). Call first thing in main, before any thread or MPI starts.
void EnsureWaitPolicy(char** argv);

/// The wait policy this process's environment gives libgomp, as recorded in manifest.json:
/// "OMP_WAIT_POLICY=<v>" and/or "GOMP_SPINCOUNT=<v>", or "libgomp default" when neither is set.
std::string WaitPolicyInEffect();

}  // namespace counterpoint
