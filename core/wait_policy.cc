// Chooses OpenMP's wait policy before the runtime starts (core/wait_policy.h).
#include "core/wait_policy.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace counterpoint {

WaitPolicyAction DecideWaitPolicy(const char* omp_wait_policy, const char* gomp_spincount) {
  // any setting of either, even an empty one, is the user's choice
  if (omp_wait_policy != nullptr || gomp_spincount != nullptr) return WaitPolicyAction::kKeep;
  return WaitPolicyAction::kSetAndRestart;
}

void EnsureWaitPolicy(char** argv) {
  if (DecideWaitPolicy(std::getenv("OMP_WAIT_POLICY"), std::getenv("GOMP_SPINCOUNT")) == WaitPolicyAction::kKeep)
    return;
  if (::setenv("OMP_WAIT_POLICY", kDefaultWaitPolicy, 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // exec failed (no /proc): go on with libgomp's default, and do not pretend otherwise
  ::unsetenv("OMP_WAIT_POLICY");
}

std::string WaitPolicyInEffect() {
  std::string out;
  for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"}) {
    const char* v = std::getenv(name);
    if (v == nullptr) continue;
    if (!out.empty()) out += " ";
    out += std::string(name) + "=" + v;
  }
  return out.empty() ? "libgomp default" : out;
}

}  // namespace counterpoint
