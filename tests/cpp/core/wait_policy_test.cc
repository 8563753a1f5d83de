// The OpenMP wait policy: chosen only when the environment sets none, and in effect in the
// CLI's own process after it restarts itself (manifest.json's omp_wait).
#include "core/wait_policy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

TEST(WaitPolicyTest, SetOnlyWhenTheEnvironmentSetsNone) {
  EXPECT_EQ(DecideWaitPolicy(nullptr, nullptr), WaitPolicyAction::kSetAndRestart);
  EXPECT_EQ(DecideWaitPolicy("passive", nullptr), WaitPolicyAction::kKeep);
  EXPECT_EQ(DecideWaitPolicy(nullptr, "300000"), WaitPolicyAction::kKeep);
  // an empty value is still the user's choice, and the restarted process sees its own setting
  EXPECT_EQ(DecideWaitPolicy("", nullptr), WaitPolicyAction::kKeep);
  EXPECT_EQ(DecideWaitPolicy(kDefaultWaitPolicy, nullptr), WaitPolicyAction::kKeep);
}

// the policy a CLI run records when started with `env_prefix`
std::string RecordedPolicy(const std::string& env_prefix, const std::string& name) {
  const fs::path out = fs::temp_directory_path() / ("counterpoint_wait_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(out);
  const auto r = testing::RunCommand(env_prefix + " " + COUNTERPOINT_CLI + " run " + COUNTERPOINT_SOURCE_DIR +
                                     "/scenarios/rabbit_hole.yaml --quiet --threads 1 --out " + out.string() +
                                     " --arms engagement --set replicates=1 population.n_users=50 steps=1" +
                                     " catalog.n_items=500 index.factory=Flat");
  EXPECT_EQ(r.status, 0) << r.output;
  const auto manifest = nlohmann::json::parse(ReadFile((out / "manifest.json").string()));
  fs::remove_all(out);
  return manifest.value("omp_wait", "(missing)");
}

TEST(WaitPolicyTest, TheCliRunsUnderItsOwnPolicyUnlessTheUserSetsOne) {
  EXPECT_EQ(RecordedPolicy("env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT", "none"),
            std::string("OMP_WAIT_POLICY=") + kDefaultWaitPolicy);
  EXPECT_EQ(RecordedPolicy("env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=active", "active"), "OMP_WAIT_POLICY=active");
  EXPECT_EQ(RecordedPolicy("env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=0", "zero"), "GOMP_SPINCOUNT=0");
}

}  // namespace
}  // namespace counterpoint
